"""A mutational fuzzer for symbp's inputs: spec files, claims, graph expressions and whole
command lines (with paths to odd kinds of file: FIFOs, links that loop, folders, device nodes).

Mutates valid inputs (delete, duplicate, splice, insert hostile tokens, swap numbers for extremes)
and requires every outcome to be a result or a SymbpError: never another exception. A command
line must end with status 0, 1, 2 or 3 (never 70, a bug), one stderr line for bad input, no
traceback, and nothing written outside its scratch folder.
Run for a bounded time:  python tests/fuzz.py --seconds 600
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import shutil
import signal
import stat
import tempfile
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


def mutate(rng: random.Random, text: str, tokens: list[str] = TOKENS) -> str:
    for _ in range(rng.randint(1, 4)):
        n = len(text)
        i, j = sorted(rng.randint(0, n) for _ in range(2))
        op = rng.randrange(5)
        if op == 0:
            text = text[:i] + text[j:]
        elif op == 1:
            text = text[:i] + text[i:j] * 2 + text[j:]
        elif op == 2:
            text = text[:i] + rng.choice(tokens) + text[i:]
        elif op == 3:
            text = text[:i] + rng.choice(tokens) + text[j:]
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


SEP = "\x1f"  # separates the arguments of a command line inside one mutable text
COMMAND_LINES = [
    "examples",
    "check|spec.toml|--json",
    "evaluate|xor|--json",
    "derive|spec.toml|-o|out|--format|md",
    "derive|mazur|--view|graph|-o|out|--format|md",
    "compile|logistic|-o|m.py",
    "train|xor|--epochs|3|--save|p.json|--history|h.csv",
    "train|spec.toml|--data|data.csv|--epochs|2",
    "verify|mazur|--quantity|dE/dw5|--claim|(out_o1 - target_o1)*out_h1",
    "verify|mazur|--claims|claims.toml|--report|r.md|--json",
    "graph|x*y + 2e-3|--at|x=2,y=3|-o|g|--name|n|--format|md",
    "verify-code|mazur|grads.py:g|--json",
]
CLI_TOKENS = [
    SEP,
    f"{SEP}-o{SEP}",
    f"{SEP}--json",
    f"{SEP}--lang{SEP}zh",
    f"{SEP}--epochs{SEP}1",
    f"{SEP}--lr{SEP}1e300",
    f"{SEP}--seed{SEP}" + "9" * 401,
    f"{SEP}--format{SEP}tex,md,html",
    f"{SEP}--view{SEP}graph",
    f"{SEP}--name{SEP}../up",
    f"{SEP}--plot{SEP}h.csv",
    "fifo",
    "loop",
    "folder",
    "null-node",
    "../up",
    "/",
    "",
    "-",
    "--",
    "spec.toml",
    "claims.toml",
    "data.csv",
    "grads.py:g",
    "9" * 401,
    "1e300",
    "nan",
    "\ufeff",
    "\u4e2d",
    "\u00d7",
]
FILES = {
    "claims.toml": '"dE/dw5" = "(out_o1 - target_o1)*out_o1*(1 - out_o1)*out_h1"\n',
    "data.csv": "\ufeffi1,i2,t1,t2\n0.05,0.1,0.01,0.99\n0.5,0.2,0.3,0.7\n",
    "grads.py": "def g(params, X, Y):\n    print('noise')\n"
    "    return {k: 0 * v for k, v in params.items()}\n",
}
CLI_SECONDS = 5


class _Slow(BaseException):
    """Raised by the timer: the work asked for is long, which is not a bug."""


def _on_alarm(signum, frame):
    raise _Slow


def _scratch(root: str) -> str:
    """A scratch folder inside `root` holding the files the command lines name."""
    work = os.path.join(root, "work")
    os.makedirs(work)
    for name, text in FILES.items():
        with open(os.path.join(work, name), "w", encoding="utf-8") as f:
            f.write(text)
    with open(os.path.join(work, "spec.toml"), "w", encoding="utf-8") as f:
        f.write(seed_specs()[2])
    os.mkfifo(os.path.join(work, "fifo"))
    os.symlink("loop", os.path.join(work, "loop"))
    os.mkdir(os.path.join(work, "folder"))
    with contextlib.suppress(PermissionError):  # a copy of /dev/null, where we may make one
        os.mknod(os.path.join(work, "null-node"), 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    return work


def _remove(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.remove(path)


def cli_target(root: str) -> tuple[list[str], Callable[[str], object]]:
    """Mutated command lines run in a scratch folder under `root`, where nothing may appear
    that no argument names."""
    from symbp.cli import main

    work = _scratch(root)
    keep = set(os.listdir(work))

    def exercise(text: str) -> None:
        argv = text.replace("|", SEP).split(SEP)
        if any("\0" in a for a in argv):
            return  # a real command line cannot hold a NUL byte
        out, err = io.StringIO(), io.StringIO()
        here = os.getcwd()
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, CLI_SECONDS)
        try:
            os.chdir(work)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main(argv)
        except _Slow:
            return
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            os.chdir(here)
            for name in set(os.listdir(work)) - keep:
                _remove(os.path.join(work, name))
        problems = []
        if status not in (0, 1, 2, 3):
            problems.append(f"exit status {status}")
        if "Traceback" in err.getvalue():
            problems.append("a traceback")
        if status == 2 and err.getvalue().count("\n") != 1:
            problems.append("not one line for bad input")
        named = {os.path.normpath(os.path.join(work, a)) for a in argv if a}
        for name in sorted(set(os.listdir(root)) - {"work"}):
            path = os.path.join(root, name)
            if not any(n == path or n.startswith(path + os.sep) for n in named):
                problems.append(f"wrote {name} outside its folder")
            _remove(path)
        if problems:
            raise AssertionError(f"{argv!r}: {', '.join(problems)}: {err.getvalue()[-300:]}")

    return COMMAND_LINES, exercise


def text_targets() -> list[tuple[list[str], Callable[[str], object]]]:
    return [
        (seed_specs(), exercise_spec),
        ([f"{q} = {c}" for q, c in CLAIMS], exercise_claim),
        (EXPRESSIONS, exercise_graph),
    ]


def run(
    seconds: float,
    seed: int = 0,
    targets: list[tuple[list[str], Callable[[str], object]]] = (),
    tokens: list[str] = TOKENS,
) -> tuple[int, list[tuple[str, str]]]:
    """Fuzz each (seeds, function) target for `seconds` in all; return (inputs tried, failures)."""
    rng = random.Random(seed)
    targets = list(targets) or text_targets()
    failures: list[tuple[str, str]] = []
    deadline = time.monotonic() + seconds
    count = 0
    while time.monotonic() < deadline:
        seeds, fn = targets[count % len(targets)]
        text = mutate(rng, rng.choice(seeds), tokens)
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
    parser.add_argument("--cli", action="store_true", help="command lines instead of texts")
    args = parser.parse_args()
    if args.cli:
        with tempfile.TemporaryDirectory() as root:
            count, failures = run(args.seconds, args.seed, [cli_target(root)], CLI_TOKENS)
    else:
        count, failures = run(args.seconds, args.seed)
    for text, trace in failures[:10]:
        print(repr(text))
        print(trace)
    print(f"{count} inputs, {len(failures)} failures")
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
