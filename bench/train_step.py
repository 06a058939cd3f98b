"""Steps per second of one SGD step (run on demand: python bench/train_step.py).

Measured side by side in one run, interleaved in random order, medians over rounds:
(a) `symbp.compile(net).sgd_step`, (b) the module written by `symbp compile`, imported from
disk, (c) hand-written NumPy in the seeds' style (seeds/000: np.dot, sigmoid 1/(1+exp(-x)),
in-place updates), (d) PyTorch CPU autograd and (e) PyTorch with a hand-written backward, when
installed, (f) the `--target jax` module under jax.jit and (g) the `--target torch` module, when
installed, (h) the in-place train_step `symbp train` runs (workspaces, out=) of the compiled
model and of the module, all in float64, then float32 rows (compiled, module, hand NumPy,
PyTorch autograd); "vs" columns are against the float64 hand NumPy and PyTorch rows.
Cases: 784-256-10 sigmoid/softmax with cross-entropy, batch 128; XOR 2-4-1 sigmoid with
squared error, batch 4; each table at one BLAS (and torch) thread and at all cores, side by
side (threadpoolctl's limits around the timed loops), headed by the BLAS kernel that ran.
GFLOP/s counts the matrix products of a step; the reference is NumPy doing those products
alone, on the same shapes. The generated weight updates add their product into the weights
in one gemm call when SciPy is installed (the header says whether it is), else NumPy's.
Small networks (XOR, Mazur 2-2-2 with frozen biases, batch 1), whose compiled model and module
run straight-line code: the same rows plus the module's own matrix code, interleaved, and each
row again alone in a fresh process (`--fresh CASE ROW`, one subprocess per row).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import symbp

# the 784-256-10 and XOR tables are measured at each count (BLAS and torch threads), the
# small-network tables at one thread
THREAD_COUNTS = tuple(dict.fromkeys((1, os.cpu_count() or 1)))


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def hand_step_softmax(p, X, Y, lr):
    """784-256-10 in the seeds' style: weights stored (inputs, outputs), updated in place."""
    m = X.shape[0]
    hidden = sigmoid(np.dot(X, p["W1"]) + p["b1"])
    z = np.dot(hidden, p["W2"]) + p["b2"]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    output = e / e.sum(axis=1, keepdims=True)
    output_error = (output - Y) / m
    hidden_error = np.dot(output_error, p["W2"].T) * hidden * (1 - hidden)
    p["W2"] -= lr * np.dot(hidden.T, output_error)
    p["b2"] -= lr * np.sum(output_error, axis=0)
    p["W1"] -= lr * np.dot(X.T, hidden_error)
    p["b1"] -= lr * np.sum(hidden_error, axis=0)
    return p


def hand_step_xor(p, X, Y, lr):
    """XOR 2-4-1 in the seeds' style (seeds/000), squared error averaged over the batch."""
    m = X.shape[0]
    hidden = sigmoid(np.dot(X, p["W1"]) + p["b1"])
    output = sigmoid(np.dot(hidden, p["W2"]) + p["b2"])
    output_error = (output - Y) * output * (1 - output) / m
    hidden_error = np.dot(output_error, p["W2"].T) * hidden * (1 - hidden)
    p["W2"] -= lr * np.dot(hidden.T, output_error)
    p["b2"] -= lr * np.sum(output_error, axis=0)
    p["W1"] -= lr * np.dot(X.T, hidden_error)
    p["b1"] -= lr * np.sum(hidden_error, axis=0)
    return p


def hand_step_mazur(p, X, Y, lr):
    """Mazur 2-2-2 as the post computes it (seeds/002): sigmoid, squared error, the weights
    updated in place and the two shared biases kept."""
    m = X.shape[0]
    hidden = sigmoid(np.dot(X, p["W1"]) + p["b1"])
    output = sigmoid(np.dot(hidden, p["W2"]) + p["b2"])
    output_error = (output - Y) * output * (1 - output) / m
    hidden_error = np.dot(output_error, p["W2"].T) * hidden * (1 - hidden)
    p["W2"] -= lr * np.dot(hidden.T, output_error)
    p["W1"] -= lr * np.dot(X.T, hidden_error)
    return p


def torch_step_factory(torch, softmax: bool):
    def step(p, X, Y, lr):
        h = torch.sigmoid(X @ p["W1"].T + p["b1"])
        z = h @ p["W2"].T + p["b2"]
        if softmax:
            loss = -(Y * torch.log_softmax(z, dim=1)).sum(dim=1).mean()
        else:
            loss = 0.5 * ((Y - torch.sigmoid(z)) ** 2).sum(dim=1).mean()
        loss.backward()
        with torch.no_grad():
            for v in p.values():
                v -= lr * v.grad
                v.grad = None
        return p

    return step


def torch_hand_factory(torch, softmax: bool):
    """The hand-written NumPy step in torch: no autograd, in-place updates (weights (out, in))."""

    def step(p, X, Y, lr):
        m = X.shape[0]
        h = torch.sigmoid(torch.addmm(p["b1"], X, p["W1"].T))
        z = torch.addmm(p["b2"], h, p["W2"].T)
        if softmax:
            err = (torch.softmax(z, dim=1) - Y) / m
        else:
            o = torch.sigmoid(z)
            err = (o - Y) * o * (1 - o) / m
        herr = (err @ p["W2"]) * h * (1 - h)
        p["W2"].addmm_(err.T, h, alpha=-lr)
        p["b2"].sub_(err.sum(dim=0), alpha=lr)
        p["W1"].addmm_(herr.T, X, alpha=-lr)
        p["b1"].sub_(herr.sum(dim=0), alpha=lr)
        return p

    return step


def jax_step_factory(jax, mod):
    """The --target jax module's sgd_step under jax.jit, waiting for each result."""
    step = jax.jit(mod.sgd_step)

    def run(p, X, Y, lr):
        return jax.block_until_ready(step(p, X, Y, lr))

    return run


def in_place(train_step, workspace, m: int, dtype=np.float64):
    """The generated train_step (what `symbp train` runs) with one workspace for batches of m."""
    work = workspace(m, dtype)

    def step(p, X, Y, lr):
        return train_step(p, X, Y, lr, work)

    return step


def train_step_rows(impls, setup, model, exported, params, X, Y, lr) -> None:
    """float64 rows: the compiled model's and the exported module's in-place train_step."""
    m = X.shape[0]
    impls["compiled train_step (workspaces)"] = in_place(model._train_step, model._workspace, m)
    impls["exported train_step (workspaces)"] = in_place(exported.train_step, exported.workspace, m)
    for name in ("compiled train_step (workspaces)", "exported train_step (workspaces)"):
        setup[name] = ({k: np.array(v) for k, v in params.items()}, X, Y, lr)


def float32_rows(impls, setup, net, params, X, Y, lr, hand, torch_softmax, tmp: Path) -> None:
    """float32 rows: the compiled model's train_step and sgd_step, the exported module's
    train_step, hand-written NumPy and PyTorch autograd, each checked against float64 after one
    step to float32 precision."""
    model = symbp.compile(net, dtype="float32")
    path = tmp / f"{net.name}_float32.py"
    path.write_text(model.module_source())
    exported = import_module(path)
    f32 = {k: np.asarray(v, np.float32) for k, v in params.items()}
    X32, Y32, m = X.astype(np.float32), Y.astype(np.float32), X.shape[0]
    rows = {
        "float32 compiled train_step": in_place(model._train_step, model._workspace, m, np.float32),
        "float32 compiled sgd_step": model.sgd_step,
        "float32 exported train_step": in_place(
            exported.train_step, exported.workspace, m, np.float32
        ),
    }
    for name, step in rows.items():
        impls[name] = step
        setup[name] = ({k: v.copy() for k, v in f32.items()}, X32, Y32, lr)
    impls["float32 hand-written NumPy"] = hand
    hand32 = {k: (v.T.copy() if k.startswith("W") else v.copy()) for k, v in f32.items()}
    setup["float32 hand-written NumPy"] = (hand32, X32, Y32, lr)
    torch = optional("torch")
    if torch is not None:
        tp = {k: torch.tensor(v, requires_grad=True) for k, v in f32.items()}
        impls["float32 PyTorch CPU (autograd)"] = torch_step_factory(torch, torch_softmax)
        setup["float32 PyTorch CPU (autograd)"] = (tp, torch.tensor(X32), torch.tensor(Y32), lr)
    want = symbp.compile(net).sgd_step(params, X, Y, lr)
    for name in [n for n in impls if n.startswith("float32")]:
        p, X_, Y_, lr_ = setup[name]
        if name.endswith("(autograd)"):
            p = {k: v.detach().clone().requires_grad_(True) for k, v in p.items()}
            out = {k: v.detach().numpy() for k, v in impls[name](p, X_, Y_, lr_).items()}
        else:
            out = impls[name]({k: v.copy() for k, v in p.items()}, X_, Y_, lr_)
            if name.endswith("NumPy"):
                out = {k: (v.T if k.startswith("W") else v) for k, v in out.items()}
        worst = max(float(np.max(np.abs(out[k] - want[k]))) for k in want)
        if worst > 1e-5:
            sys.exit(f"{name} disagrees with the float64 step: {worst:.3g}")


def import_module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def matmul_flops(m: int, sizes: tuple[int, ...]) -> int:
    """Products of one step: forward A W^T per layer, backward D W above layer 1, D^T A per W."""
    flops = 0
    for l in range(1, len(sizes)):
        flops += 2 * 2 * m * sizes[l - 1] * sizes[l]
        if l > 1:
            flops += 2 * m * sizes[l - 1] * sizes[l]
    return flops


def matmul_only(m: int, sizes: tuple[int, ...], rng) -> callable:
    X = rng.normal(size=(m, sizes[0]))
    Ws = [rng.normal(size=(sizes[l], sizes[l - 1])) for l in range(1, len(sizes))]
    As = [X] + [rng.normal(size=(m, n)) for n in sizes[1:]]

    def step(p, X_, Y_, lr):
        for l, W in enumerate(Ws, start=1):
            As[l - 1] @ W.T
            D = As[l]
            D.T @ As[l - 1]
            if l > 1:
                D @ W
        return p

    return step


@contextlib.contextmanager
def threads(n: int):
    """BLAS (through threadpoolctl, when installed) and torch limited to n threads."""
    tpc, torch = optional("threadpoolctl"), sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(n)
    limits = tpc.threadpool_limits(n, user_api="blas") if tpc else contextlib.nullcontext()
    try:
        with limits:
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(before)


def measure(impls: dict, setup: dict, steps: int, rounds: int) -> dict[str, float]:
    """Median seconds per step for each implementation, interleaved in a fresh random order
    each round; each block starts with one untimed step so no one inherits a cold cache."""
    times: dict[str, list[float]] = {name: [] for name in impls}
    order = random.Random(0)
    names = list(impls)
    for _ in range(rounds):
        order.shuffle(names)
        for name in names:
            step, (params, X, Y, lr) = impls[name], setup[name]
            params = step(params, X, Y, lr)
            start = time.perf_counter()
            for _ in range(steps):
                params = step(params, X, Y, lr)
            times[name].append((time.perf_counter() - start) / steps)
            setup[name] = (params, X, Y, lr)
    return {name: statistics.median(ts) for name, ts in times.items()}


def run_case(title, net, X, Y, lr, hand, torch_softmax, steps, rounds, tmp: Path):
    torch, jax = optional("torch"), optional("jax")
    model = symbp.compile(net)
    path = tmp / f"{net.name}.py"
    path.write_text(model.module_source())
    exported = import_module(path)
    params = model.init_params(0)

    def copy(p):
        return {k: np.array(v, dtype=float) for k, v in p.items()}

    hand_params = {k: (v.T.copy() if k.startswith("W") else v.copy()) for k, v in params.items()}
    impls = {
        "compiled (symbp.compile)": model.sgd_step,
        "exported module": exported.sgd_step,
        "hand-written NumPy": hand,
    }
    setup = {
        "compiled (symbp.compile)": (copy(params), X, Y, lr),
        "exported module": (copy(params), X, Y, lr),
        "hand-written NumPy": (hand_params, X, Y, lr),
    }
    if torch is not None:
        torch.set_default_dtype(torch.float64)
        tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        impls["PyTorch CPU (autograd)"] = torch_step_factory(torch, torch_softmax)
        setup["PyTorch CPU (autograd)"] = (tp, torch.tensor(X), torch.tensor(Y), lr)
        th = {k: torch.tensor(v) for k, v in params.items()}
        impls["PyTorch hand-written backward"] = torch_hand_factory(torch, torch_softmax)
        setup["PyTorch hand-written backward"] = (th, torch.tensor(X), torch.tensor(Y), lr)
        path = tmp / f"{net.name}_torch.py"
        path.write_text(model.module_source(target="torch"))
        impls["exported --target torch"] = import_module(path).sgd_step
        tt = {k: torch.tensor(v) for k, v in params.items()}
        setup["exported --target torch"] = (tt, torch.tensor(X), torch.tensor(Y), lr)
    if jax is not None:
        path = tmp / f"{net.name}_jax.py"
        path.write_text(model.module_source(target="jax"))
        impls["exported --target jax (jit)"] = jax_step_factory(jax, import_module(path))
        jp = {k: jax.numpy.asarray(v) for k, v in params.items()}
        setup["exported --target jax (jit)"] = (jp, jax.numpy.asarray(X), jax.numpy.asarray(Y), lr)
    train_step_rows(impls, setup, model, exported, params, X, Y, lr)
    check_agreement(impls, setup, params)
    float32_rows(impls, setup, net, params, X, Y, lr, hand, torch_softmax, tmp)
    sizes = net.sizes
    impls["NumPy matrix products alone"] = matmul_only(X.shape[0], sizes, np.random.default_rng(1))
    setup["NumPy matrix products alone"] = (None, X, Y, lr)
    by_threads = {}
    for n in THREAD_COUNTS:
        with threads(n):
            by_threads[n] = measure(impls, setup, steps, rounds)
    flops = matmul_flops(X.shape[0], sizes)
    print(
        f"\n{title}: batch {X.shape[0]}, median of {rounds} rounds x {steps} steps, "
        f"interleaved at each thread count (columns: us/step, GFLOP/s, vs hand NumPy, vs "
        f"PyTorch autograd, of the floor)\n"
    )
    head = " | ".join(f"{n} thr. {c}" for n in THREAD_COUNTS for c in ("us", "GF/s", "vs hand"))
    print(f"| implementation | {head.replace('vs hand', 'vs hand | vs torch | of floor')} |")
    print("|---|" + "---:|" * 5 * len(THREAD_COUNTS))
    for name in impls:
        cells = []
        for medians in by_threads.values():
            t, torch_t = medians[name], medians.get("PyTorch CPU (autograd)")
            cells += [
                f"{t * 1e6:,.1f}",
                f"{flops / t / 1e9:.2f}",
                f"{medians['hand-written NumPy'] / t:.2f}",
                f"{torch_t / t:.2f}" if torch_t else "n/a",
                f"{medians['NumPy matrix products alone'] / t:.2f}",
            ]
        print(f"| {name} | {' | '.join(cells)} |")
    return by_threads


SMALL = {  # case: (title, bundled example, hand-written step, steps per block)
    "xor": ("XOR 2-4-1 sigmoid, squared error", "xor", hand_step_xor, 500),
    "mazur": ("Mazur 2-2-2 sigmoid, squared error, frozen biases", "mazur", hand_step_mazur, 1000),
}


def small_impls(case: str, tmp: Path) -> tuple[dict, dict]:
    """The rows of a small case (the compiled model and the module, both straight-line, the
    module's matrix code, hand NumPy, the jitted JAX module) and their (params, X, Y, lr)."""
    net = symbp.load(SMALL[case][1])
    ex = net.example
    model = symbp.compile(net)
    path = tmp / f"{case}_small.py"
    path.write_text(model.module_source())
    exported = import_module(path)
    params = {k: np.asarray(v, dtype=float) for k, v in ex.params.items()}
    X, Y, lr = ex.X, ex.Y, ex.learning_rate
    hand_params = {k: (v.T.copy() if k.startswith("W") else v.copy()) for k, v in params.items()}
    impls = {
        "compiled (symbp.compile)": model.sgd_step,
        "exported module": exported.sgd_step,
        "exported module, its matrix code": exported._matrix_sgd_step,
        "hand-written NumPy": SMALL[case][2],
    }
    setup = {name: (dict(params), X, Y, lr) for name in impls}
    setup["hand-written NumPy"] = (hand_params, X, Y, lr)
    jax = optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
        path = tmp / f"{case}_small_jax.py"
        path.write_text(model.module_source(target="jax"))
        impls["exported --target jax (jit)"] = jax_step_factory(jax, import_module(path))
        jp = {k: jax.numpy.asarray(v) for k, v in params.items()}
        setup["exported --target jax (jit)"] = (jp, jax.numpy.asarray(X), jax.numpy.asarray(Y), lr)
    return impls, setup


def fresh_row(case: str, row: str, rounds: int) -> float:
    """Median seconds per step of one row of a small case, measured alone (in this process)."""
    with tempfile.TemporaryDirectory() as tmp:
        impls, setup = small_impls(case, Path(tmp))
        return measure({row: impls[row]}, {row: setup[row]}, SMALL[case][3], rounds)[row]


def run_small_case(case: str, rounds: int) -> None:
    """The interleaved table of a small case, with each row's time in a fresh process."""
    title, _, _, steps = SMALL[case]
    with tempfile.TemporaryDirectory() as tmp:
        impls, setup = small_impls(case, Path(tmp))
        check_agreement(impls, setup, None)
        medians = measure(impls, setup, steps, rounds)
    fresh = {}
    for row in impls:
        command = [sys.executable, __file__, "--fresh", case, row, "--rounds", str(rounds)]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        fresh[row] = float(done.stdout.split()[-1])
    hand_t, hand_f = medians["hand-written NumPy"], fresh["hand-written NumPy"]
    print(
        f"\n{title}: batch {len(setup['hand-written NumPy'][1])}, median of {rounds} rounds "
        f"x {steps} steps; fresh: the row alone in a new process\n"
    )
    print("| implementation | us/step | vs hand NumPy | fresh us/step | fresh vs hand NumPy |")
    print("|---|---:|---:|---:|---:|")
    for name, t in medians.items():
        print(
            f"| {name} | {t * 1e6:,.1f} | {hand_t / t:.2f} | {fresh[name] * 1e6:,.1f} | "
            f"{hand_f / fresh[name]:.2f} |"
        )


def optional(name: str):
    """The module `name`, or None when it is not installed."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def as_numpy(v) -> np.ndarray:
    return np.asarray(v.detach().numpy() if hasattr(v, "detach") else v)


def check_agreement(impls, setup, params) -> None:
    """One step from the same parameters must give the same parameters everywhere."""
    results = {}
    for name, step in impls.items():
        p, X, Y, lr = setup[name]
        if name.startswith("PyTorch hand"):
            p = {k: v.clone() for k, v in p.items()}
            out = {k: v.numpy() for k, v in step(p, X, Y, lr).items()}
        elif name.startswith("PyTorch"):
            p = {k: v.detach().clone().requires_grad_(True) for k, v in p.items()}
            out = {k: v.detach().numpy() for k, v in step(p, X, Y, lr).items()}
        elif name.startswith("hand"):
            p = {k: v.copy() for k, v in p.items()}
            out = {k: (v.T if k.startswith("W") else v) for k, v in step(p, X, Y, lr).items()}
        else:
            p = {k: v.clone() if hasattr(v, "clone") else v.copy() for k, v in p.items()}
            out = step(p, X, Y, lr)
        results[name] = out
    ref = results["compiled (symbp.compile)"]
    for name, out in results.items():
        worst = max(float(np.max(np.abs(as_numpy(out[k]) - ref[k]))) for k in ref)
        if worst > 1e-10:
            sys.exit(f"{name} disagrees with the compiled model after one step: {worst:.3g}")


def blas_kernel() -> str:
    """The BLAS NumPy runs (library, version, kernel, threads) as threadpoolctl reports it."""
    tpc = optional("threadpoolctl")
    if tpc is None:
        return "BLAS kernel unknown: threadpoolctl not installed"
    blas = [i for i in tpc.threadpool_info() if i["user_api"] == "blas"]
    return "; ".join(
        f"{i['internal_api']} {i['version']} {i.get('architecture', '?')} kernel, "
        f"{i['num_threads']} threads"
        for i in blas
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--small", action="store_true", help="only the small networks' tables")
    parser.add_argument("--large", action="store_true", help="only the 784-256-10 table")
    parser.add_argument("--fresh", nargs=2, metavar=("CASE", "ROW"), help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rounds = args.rounds or (5 if args.quick else 61)
    if args.fresh:
        with threads(1):
            print(fresh_row(*args.fresh, rounds))
        return
    torch, jax = optional("torch"), optional("jax")
    if jax is not None:
        jax.config.update("jax_enable_x64", True)
    print(
        f"numpy {np.__version__} ({blas_kernel()}); "
        f"torch {torch.__version__ if torch else 'not installed'}; "
        f"jax {jax.__version__ if jax else 'not installed'} (its own threads); "
        f"python {sys.version.split()[0]}; float64 unless a row says float32; "
        f"thread counts {', '.join(map(str, THREAD_COUNTS))}; weight updates through "
        f"{'SciPy gemm' if optional('scipy.linalg.blas') else 'NumPy matmul, then +='}"
    )
    if args.small:
        with threads(1):
            for case in SMALL:
                run_small_case(case, rounds)
        return
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        big = symbp.Network(
            784,
            (symbp.Layer(256, "sigmoid"), symbp.Layer(10, "softmax")),
            loss="cross_entropy",
            name="mnist_784_256_10",
        )
        X = rng.uniform(0, 1, size=(128, 784))
        Y = np.eye(10)[rng.integers(10, size=128)]
        print("(deriving and compiling 784-256-10 ...)", file=sys.stderr)
        run_case(
            "784-256-10 sigmoid/softmax, cross-entropy",
            big,
            X,
            Y,
            0.1,
            hand_step_softmax,
            True,
            5,
            rounds,
            Path(tmp),
        )
        if args.large:
            return
        xor = symbp.load("xor")
        run_case(
            "XOR 2-4-1 sigmoid, squared error",
            xor,
            xor.example.X,
            xor.example.Y,
            0.5,
            hand_step_xor,
            False,
            300 if args.quick else 500,
            rounds,
            Path(tmp),
        )
        with threads(1):
            for case in SMALL:
                run_small_case(case, rounds)
        print(f"\n(total {time.perf_counter() - start:.0f} s including derivation and compilation)")


if __name__ == "__main__":
    main()
