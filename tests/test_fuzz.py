"""A short, bounded fuzzing run on every test run; longer: python tests/fuzz.py --seconds 600."""

from __future__ import annotations

import fuzz


def test_mutated_specs_claims_and_expressions_give_a_result_or_a_symbp_error():
    count, failures = fuzz.run(seconds=20, seed=1234)
    assert count > 100
    assert not failures, failures[0][0] + "\n" + failures[0][1]


def test_the_fuzzer_reports_an_exception_that_is_not_a_symbp_error():
    def fragile(text: str) -> None:
        if "[" in text:
            raise IndexError("a crash the fuzzer must report")

    count, failures = fuzz.run(seconds=0.5, seed=1, targets=[(["[x]"], fragile)])
    assert count and failures and "IndexError" in failures[0][1]
