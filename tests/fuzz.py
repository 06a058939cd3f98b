"""A mutational fuzzer for symbp's text inputs: spec files (and claims, when given a parser).

Mutates valid inputs (delete, duplicate, splice, insert hostile tokens, swap numbers for extremes)
and requires every outcome to be a result or a SymbpError: never another exception.
Run for a bounded time:  python tests/fuzz.py --seconds 600
"""

from __future__ import annotations

import argparse
import random
import time
import traceback
from collections.abc import Callable
from importlib import resources

import numpy as np

from symbp import derive, graph, spec
from symbp.errors import SymbpError
from symbp.verify.claims import Checker

TOKENS = [
    "0",
    "-0",
    "1e308",
    "-1e308",
    "1e-320",
    "nan",
    "inf",
    "-inf",
    "4097",
    "99999999",
    "-1",
    "true",
    "false",
    '""',
    '"sigmoid"',
    '"softmax"',
    '"relu"',
    '"leaky_relu"',
    '"shared"',
    '"none"',
    '"mazur"',
    '"cross_entropy"',
    '"binary_cross_entropy"',
    "[[layers]]",
    "[example]",
    "[example.params]",
    "units = 1",
    "units = 3",
    "alpha = 0.5",
    "x = [1, 2]",
    "y = [0, 1]",
    "W1 = [[1]]",
    "b1 = 1",
    "[",
    "]",
    "{",
    "}",
    "=",
    ",",
    '"',
    "'",
    "\\",
    "\n",
    "#",
    "\u00e9",
    "\u4e2d",
    "\x00",
    "x = [[1, 2], [3]]",
    "inputs = 1",
    "learning_rate = 0",
    "train_bias = 2",
]


def mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 4)):
        n = len(text)
        i, j = sorted(rng.randint(0, n) for _ in range(2))
        op = rng.randrange(5)
        if op == 0:
            text = text[:i] + text[j:]
        elif op == 1:
            text = text[:i] + text[i:j] * 2 + text[j:]
        elif op == 2:
            text = text[:i] + rng.choice(TOKENS) + text[i:]
        elif op == 3:
            text = text[:i] + rng.choice(TOKENS) + text[j:]
        else:
            lines = text.splitlines()
            rng.shuffle(lines)
            text = "\n".join(lines)
    return text


def seed_specs() -> list[str]:
    folder = resources.files("symbp.examples")
    return [
        p.read_text(encoding="utf-8")
        for p in sorted(folder.iterdir(), key=lambda p: p.name)
        if p.name.endswith(".toml")
    ]


def exercise_spec(text: str) -> None:
    """Load, and for small networks derive and evaluate: only SymbpError may escape."""
    net = spec.loads_bytes(text.encode("utf-8", "surrogatepass"), "fuzz.toml", "fuzz")
    n_params = sum(int(np.prod(s)) for s in net.parameter_shapes().values())
    if n_params <= 40 and net.depth <= 3:
        d = derive(net)
        if net.example is not None:
            with np.errstate(all="ignore"):
                d.evaluate()


CLAIMS = [
    ("dE/dw5", "(out_o1 - target_o1)*out_o1*(1 - out_o1)*out_h1"),
    (
        "dE/dw1",
        r"(\delta_{o1} w_5 + \delta_{o2} w_7)\,\mathrm{out}_{h1}(1-\mathrm{out}_{h1})\, i_1",
    ),
    ("dE/dout_o1", "-(target_o1 - out_o1)"),
    ("dout_o1/dnet_o1", r"\sigma'(net_{o1})"),
    ("dE/db2", r"\sum_{k=1}^{2} (out_ok - target_ok) out_ok (1 - out_ok)"),
    ("dE/dw5", r"\frac{\partial E}{\partial out_{o1}} \cdot \frac{1}{e^{-net_{o1}} + 1}"),
]
EXPRESSIONS = [
    "(x + y)*z",
    "1/(1 + exp(-(w0*x0 + w1*x1 + w2)))",
    "x*x + x^3 - tanh(y)/2",
    r"\frac{x}{y} \cdot \sigma(x - y)",
    "relu(x - 2*y) + ln(1 + x^2)",
]
_CHECKER: Checker | None = None


def exercise_claim(text: str) -> None:
    """Verify a mutated claim against Mazur's network: a verdict or a SymbpError."""
    global _CHECKER
    if _CHECKER is None:
        _CHECKER = Checker(derive(spec.load("mazur")))
    quantity, _, claim = text.partition(" = ")
    _CHECKER.verify(quantity, claim)


def exercise_graph(text: str) -> None:
    """Build the graph of a mutated expression at fixed inputs: a graph or a SymbpError."""
    graph.build(text, graph.parse_at("x=3,y=-2,z=0.5,w0=2,x0=-1,w1=-3,x1=-2,w2=-3")).as_json()


def default_targets() -> list[tuple[list[str], Callable[[str], object]]]:
    return [
        (seed_specs(), exercise_spec),
        ([f"{q} = {c}" for q, c in CLAIMS], exercise_claim),
        (EXPRESSIONS, exercise_graph),
    ]


def run(
    seconds: float, seed: int = 0, targets: list[tuple[list[str], Callable[[str], object]]] = ()
) -> tuple[int, list[tuple[str, str]]]:
    """Fuzz each (seeds, function) target for `seconds` in all; return (inputs tried, failures)."""
    rng = random.Random(seed)
    targets = list(targets) or default_targets()
    failures: list[tuple[str, str]] = []
    deadline = time.monotonic() + seconds
    count = 0
    while time.monotonic() < deadline:
        seeds, fn = targets[count % len(targets)]
        text = mutate(rng, rng.choice(seeds))
        count += 1
        try:
            fn(text)
        except SymbpError:
            pass
        except Exception:  # noqa: BLE001 - the fuzzer's job is to catch anything else
            failures.append((text, traceback.format_exc()))
    return count, failures


def main() -> None:
    parser = argparse.ArgumentParser(description="fuzz symbp's input readers for a bounded time")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    count, failures = run(args.seconds, args.seed)
    for text, trace in failures[:10]:
        print(repr(text))
        print(trace)
    print(f"{count} inputs, {len(failures)} failures")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
