"""A short, bounded fuzzing run on every test run; longer: python tests/fuzz.py --seconds 600."""

from __future__ import annotations

import fuzz


def test_mutated_specs_claims_and_expressions_give_a_result_or_a_symbp_error():
    count, failures = fuzz.run(seconds=20, seed=1234, targets=fuzz.text_targets())
    assert count > 100
    assert not failures, failures[0][0] + "\n" + failures[0][1]


def test_the_fuzzer_reports_an_exception_that_is_not_a_symbp_error():
    def fragile(text: str) -> None:
        if "[" in text:
            raise IndexError("a crash the fuzzer must report")

    count, failures = fuzz.run(seconds=0.5, seed=1, targets=[(["[x]"], fragile)])
    assert count and failures and "IndexError" in failures[0][1]


def test_mutated_command_lines_end_in_a_contract_status_inside_their_folder(tmp_path):
    count, failures = fuzz.run(10, 99, [fuzz.cli_target(str(tmp_path))], fuzz.CLI_TOKENS)
    assert count > 20
    assert not failures, failures[0][0] + "\n" + failures[0][1]


def test_the_command_line_fuzzer_reports_a_write_outside_its_folder(tmp_path, monkeypatch):
    import os

    import pytest

    from symbp import files

    monkeypatch.setattr(files, "safe_stem", lambda name, default="network": "../" + name)
    monkeypatch.setattr(
        files,
        "inside",
        lambda folder, names: {os.path.join(folder, n): d for n, d in names.items()},
    )
    seeds, exercise = fuzz.cli_target(str(tmp_path))
    with pytest.raises(AssertionError, match="outside its folder"):
        exercise("derive|mazur|-o|.|--format|md")
