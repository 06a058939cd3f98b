"""How derive, check, evaluate and compile grow with width and depth (run on demand:
python bench/scaling.py [TOPOLOGY ...]). Each stage runs in its own process, so its peak
memory (max RSS) is its own; all layers sigmoid, squared error, per-unit biases, one sample.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time

TOPOLOGIES = [
    "2-8-8-2",
    "4-16-16-4",
    "784-30-10",
    "784-100-10",
    "784-256-10",
    "3072-512-10",
    "784-30-30-10",
    "784-30-30-30-10",
]
STAGES = ("derive", "check", "evaluate", "compile")


def network(topology: str):
    import symbp
    from symbp.network import Layer, Network

    if topology == "mazur":
        return symbp.load("mazur")
    sizes = [int(s) for s in topology.split("-")]
    net = Network(sizes[0], tuple(Layer(n, "sigmoid") for n in sizes[1:]), name=topology)
    x = [((7 * k) % 11) / 11 for k in range(sizes[0])]
    y = [1.0 if j == 0 else 0.0 for j in range(sizes[-1])]
    return net.with_example(x=x, y=y)


def one(topology: str, stage: str) -> dict:
    """Time and peak memory of one stage, measured in this (fresh) process."""
    import symbp

    net = network(topology)
    start = time.perf_counter()
    d = symbp.derive(net)
    extra = {}
    if stage == "check":
        report = d.check()
        extra = {"ok": report.ok, "scope": report.scope}
    elif stage == "evaluate":
        d.evaluate()
    elif stage == "compile":
        symbp.compile(d).module_source()
    seconds = time.perf_counter() - start
    mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "mb": mb, "params": d.parameter_count, **extra}


def measure(topology: str, stage: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--one", topology, stage],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def exponent(rows: list[tuple[int, float]]) -> float:
    """The least-squares slope of log(time) against log(parameters)."""
    xs = [math.log(p) for p, _ in rows]
    ys = [math.log(max(t, 1e-3)) for _, t in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topologies", nargs="*", default=TOPOLOGIES)
    parser.add_argument("--one", nargs=2, metavar=("TOPOLOGY", "STAGE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(*args.one)))
        return
    header = "| topology | parameters | " + " | ".join(STAGES) + " | check scope |"
    print(header)
    print("|---|---:|" + "---:|" * len(STAGES) + "---|")
    two_layer: dict[str, list[tuple[int, float]]] = {stage: [] for stage in STAGES}
    for topology in ["mazur", *args.topologies]:
        results = {stage: measure(topology, stage) for stage in STAGES}
        params = results["derive"]["params"]
        cells = [f"{r['seconds']:.2f} s, {r['mb']:.0f} MB" for r in results.values()]
        check = results["check"]
        scope = check["scope"] if check["ok"] else "FAILED"
        print(f"| {topology} | {params} | " + " | ".join(cells) + f" | {scope} |", flush=True)
        if topology.startswith("784-") and topology.count("-") == 2:
            for stage in STAGES:
                two_layer[stage].append((params, results[stage]["seconds"]))
    if all(len(rows) >= 2 for rows in two_layer.values()):
        fits = ", ".join(f"{s} P^{exponent(rows):.2f}" for s, rows in two_layer.items())
        print(f"\ntime against parameters P over the 784-n-10 rows: {fits}")


if __name__ == "__main__":
    main()
