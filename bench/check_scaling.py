"""How `symbp check` time grows with width and depth (run on demand: python bench/check_scaling.py).

For each topology: derive time, check time (direct differentiation of the expanded cost plus the
proof for every parameter), and which proof method was used.
"""

from __future__ import annotations

import argparse
import time

import symbp
from symbp.network import Layer, Network

TOPOLOGIES = ["2-2-2", "2-3-2", "2-4-4-2", "2-2-2-2", "2-6-6-2", "2-4-4-4-2", "2-8-8-2"]


def measure(topology: str) -> tuple[int, float, float, str, bool]:
    sizes = [int(s) for s in topology.split("-")]
    net = Network(sizes[0], tuple(Layer(n, "sigmoid") for n in sizes[1:]))
    t0 = time.perf_counter()
    d = symbp.derive(net)
    t1 = time.perf_counter()
    report = d.check()
    t2 = time.perf_counter()
    methods = sorted({p.method.split(" ")[0] for p in report.parameters})
    return len(d.gradients), t1 - t0, t2 - t1, "+".join(methods), report.ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topologies", nargs="*", default=TOPOLOGIES)
    args = parser.parse_args()
    print(f"{'topology':<12}{'params':>7}{'derive s':>10}{'check s':>10}  proof")
    for topology in args.topologies:
        n, td, tc, method, ok = measure(topology)
        verdict = method if ok else "FAILED"
        print(f"{topology:<12}{n:>7}{td:>10.2f}{tc:>10.2f}  {verdict}", flush=True)


if __name__ == "__main__":
    main()
