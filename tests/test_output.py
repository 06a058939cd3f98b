"""output/ is the golden set of the bundled examples: their documents (tex, md; en, zh) and their
compiled modules, exactly as symbp generates them. `pytest --update-golden` rewrites it."""

from __future__ import annotations

from pathlib import Path

import bundled

import symbp

OUTPUT = Path(__file__).resolve().parent.parent / "output"


def generated() -> dict[str, str]:
    """Every file output/ holds, by name: what `symbp derive --bundled` and `symbp compile
    --bundled` write."""
    files = dict(bundled.documents())
    for name in symbp.list_examples():
        files[f"{name}.py"] = symbp.compile(symbp.load(name)).module_source()
    return files


def test_output_folder_is_the_golden_set_of_the_bundled_examples(golden_folder):
    golden_folder(OUTPUT, generated(), (".tex", ".md", ".py"))
