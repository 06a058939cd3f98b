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
UPDATE = "run `pytest --update-golden` if the change is intended"


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
        assert path.exists(), f"missing golden file {path}; {UPDATE}"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, (
            f"{name} differs from its golden file; review the diff and {UPDATE}"
        )

    return check


@pytest.fixture
def golden_folder(request):
    """golden_folder(folder, files, suffixes): the files of `folder` with these suffixes are
    exactly `files` (name -> text), or are rewritten to be."""
    update = request.config.getoption("--update-golden")

    def check(folder: Path, files: dict[str, str], suffixes: tuple[str, ...]) -> None:
        present = {p.name for p in folder.glob("*") if p.suffix in suffixes}
        extra = sorted(present - set(files))
        if update:
            folder.mkdir(parents=True, exist_ok=True)
            for name in extra:
                (folder / name).unlink()
            for name, text in files.items():
                (folder / name).write_text(text, encoding="utf-8")
            return
        missing = sorted(set(files) - present)
        stale = sorted(
            n for n in set(files) & present if (folder / n).read_text(encoding="utf-8") != files[n]
        )
        assert not (missing or stale or extra), (
            f"{folder.name}/ differs from what symbp generates (missing: {missing}, stale: {stale},"
            f" not generated: {extra}); review the diff and {UPDATE}"
        )

    return check
