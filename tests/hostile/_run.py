"""Run the CLI in-process and check the contract's promises for bad input."""

from __future__ import annotations

import os

from symbp.cli import main


def files_under(folder) -> set[str]:
    """Every path below `folder`, relative to it."""
    out = set()
    for root, dirs, names in os.walk(folder):
        for name in dirs + names:
            out.add(os.path.relpath(os.path.join(root, name), folder))
    return out


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    """(status, stdout, stderr) of `symbp argv`."""
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def refused(capsys, argv: list[str], fragment: str, status: int = 2) -> str:
    """Assert `symbp argv` exits `status` with one stderr line holding `fragment`; return it."""
    code, out, err = run(capsys, argv)
    assert code == status, err
    assert err.count("\n") == 1, err
    assert "Traceback" not in err
    assert fragment in err, err
    return err
