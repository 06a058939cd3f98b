"""`symbp train`: mini-batch SGD with the compiled model; divergence is reported, not hidden."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

from .. import data, files, plot
from ..errors import SymbpError
from . import common

DIVERGED = 1
EXPLODED = 1e6  # a loss this many times the first epoch's (and above 1) has diverged
HUGE_PARAMETER = 1e12  # a weight this large means the steps overshot (sigmoids saturated)


def register(sub) -> None:
    p = sub.add_parser(
        "train",
        parents=[common.spec_parent()],
        help="mini-batch SGD with the compiled model",
        description="Train with shuffled mini-batches from the spec's example or a data file "
        "(CSV: input columns, then target columns; or .npy rows, or .npz with X and Y); the "
        "loss after each epoch is the history. A loss that becomes non-finite or explodes "
        f"stops training with exit status {DIVERGED}.",
    )
    p.add_argument(
        "--data", metavar="FILE", help="samples (.csv, .npy or .npz): inputs, then targets"
    )
    p.add_argument("--epochs", type=common.positive_int, default=10000, help="passes over the data")
    p.add_argument(
        "--lr", type=common.learning_rate, help="learning rate (default: the example's, else 0.1)"
    )
    p.add_argument("--batch-size", type=common.positive_int, default=32, help="samples per step")
    p.add_argument("--seed", type=common.seed_int, default=0, help="initial weights and shuffling")
    p.add_argument("--plot", metavar="FILE.png", help="draw the loss curve (needs matplotlib)")
    p.add_argument(
        "--history", metavar="FILE.csv", help="epoch,loss (default: next to --plot, if given)"
    )
    p.add_argument("--save", metavar="FILE.json", help="write the trained parameters")
    p.add_argument(
        "--threads",
        type=common.positive_int,
        default=os.cpu_count() or 1,
        help="BLAS threads (default: all cores, %(default)s here)",
    )
    p.add_argument(
        "--from-example",
        action="store_true",
        help="start from the spec's [example.params] instead of fresh random weights",
    )
    p.set_defaults(run=run)


class _Diverged(Exception):
    def __init__(self, epoch: int, loss: float):
        self.epoch, self.loss = epoch, loss


def _bar(total: int):
    """A tqdm bar with the loss on stderr (only on a terminal) that stops a diverging run."""
    from tqdm import tqdm

    bar = tqdm(
        total=total, unit="epoch", file=sys.stderr, leave=True, disable=not sys.stderr.isatty()
    )
    first: list[float] = []

    def show(epoch: int, total: int, loss: float) -> None:
        if not first:
            first.append(loss)
        bar.set_postfix_str(f"loss {loss:.6g}", refresh=False)
        bar.update(1)
        if not math.isfinite(loss) or (loss > 1 and loss > EXPLODED * max(first[0], 1e-300)):
            bar.close()
            raise _Diverged(epoch, loss)
        if epoch == total:
            bar.close()

    return show


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from ..compile import compile as compile_model
    from ..compile.train import train

    if args.plot is not None:
        try:
            plot.require_matplotlib()
        except SymbpError as e:
            raise SymbpError(f"--plot: {e} (or drop --plot)") from None
    history_path = args.history
    if history_path is None and args.plot:
        history_path = str(Path(args.plot).with_suffix(".csv"))
    history_option = "--history" if args.history is not None else "the history (next to --plot)"
    named = {"--plot": args.plot, history_option: history_path, "--save": args.save}
    files.check_distinct(named)
    for path in named.values():
        if path is not None:
            files.check_target(path)
    net = common.load_spec(args.spec)
    if args.from_example and net.example is None:
        raise SymbpError(f"--from-example: {net.name} has no [example] table")
    if args.data is not None:
        X, Y = data.load(args.data, net.inputs, net.sizes[-1], net.loss)
    elif net.example is not None:
        X, Y = net.example.X, net.example.Y
    else:
        raise SymbpError(f"{net.name} has no [example] table; give the samples with --data")
    lr = args.lr if args.lr is not None else (net.example.learning_rate if net.example else 0.1)
    model = compile_model(net)
    start = net.example.params if args.from_example else model.init_params(args.seed)
    try:
        with np.errstate(all="ignore"):  # a diverging run is reported below, not warned about
            params, history = train(
                model,
                start,
                X,
                Y,
                epochs=args.epochs,
                learning_rate=lr,
                batch_size=args.batch_size,
                seed=args.seed,
                progress=_bar(args.epochs),
                threads=args.threads,
            )
    except _Diverged as e:
        print(
            f"symbp: training diverged at epoch {e.epoch} (loss {e.loss:.6g}, learning rate "
            f"{lr:g}); nothing was written; try a smaller --lr",
            file=sys.stderr,
        )
        return DIVERGED
    largest = max(float(np.max(np.abs(v), initial=0.0)) for v in params.values())
    if not largest <= HUGE_PARAMETER:
        print(
            f"symbp: training diverged: a parameter reached {largest:.3g} (learning rate "
            f"{lr:g}), so the loss {history[-1]:.6g} means nothing; nothing was written; "
            "try a smaller --lr",
            file=sys.stderr,
        )
        return DIVERGED
    out = {}
    if history_path is not None:
        rows = "".join(f"{i},{v!r}\n" for i, v in enumerate(history, start=1))
        out[history_path] = ("epoch,loss\n" + rows).encode()
    if args.save is not None:
        saved = {k: v.tolist() for k, v in params.items()}
        out[args.save] = (json.dumps(saved, indent=2) + "\n").encode()
    batch = min(args.batch_size, len(X))  # a step never takes more than every sample
    if args.plot is not None:
        out[args.plot] = plot.loss_png(history, f"{net.name}: lr {lr:g}, batch {batch}")
    files.write_files(out)
    print(
        f"{net.name}: loss {history[-1]:.6g} after {len(history)} epochs "
        f"(samples {len(X)}, batch {batch}, lr {lr:g}, seed {args.seed})"
    )
    for what, path in (("plot", args.plot), ("history", history_path), ("parameters", args.save)):
        if path is not None:
            print(f"{what}: {path}")
    return 0
