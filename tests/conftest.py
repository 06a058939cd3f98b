"""Shared fixtures, the --update-golden option for golden-file tests, and hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI (CI=true) draws the same examples every run, so a red build is reproducible; locally each run
# explores new ones.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")

GOLDEN = Path(__file__).parent / "golden"


def pytest_addoption(parser):
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite golden files instead of comparing"
    )


@pytest.fixture
def golden(request):
    """golden(name, text): compare `text` with tests/golden/name, or rewrite it."""
    update = request.config.getoption("--update-golden")

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"missing golden file {path}; run `pytest --update-golden`"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, (
            f"{name} differs from its golden file; review the diff and run "
            "`pytest --update-golden` if the change is intended"
        )

    return check
