"""The bundled examples' documents (tex and md, every language), built once per test process for
the tests that read them: what `symbp derive --bundled` writes and output/ holds."""

from __future__ import annotations

from functools import cache

from symbp import cli


@cache
def documents() -> dict[str, str]:
    return cli.bundled_documents()
