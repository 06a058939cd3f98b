"""`symbp train`: mini-batch SGD with the compiled model; divergence is reported, not hidden."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

from .. import data, datasets, files, plot
from ..compile.module import DTYPES
from ..errors import SymbpError
from . import common

DIVERGED = 1
EPOCHS, BATCH_SIZE = 10000, 32
EXPLODED = 1e6  # a loss this many times the first epoch's (and above 1) has diverged
HUGE_PARAMETER = 1e12  # a weight this large means the steps overshot (sigmoids saturated)


def register(sub) -> None:
    p = sub.add_parser(
        "train",
        parents=[common.spec_parent()],
        help="mini-batch SGD with the compiled model",
        description="Train with shuffled mini-batches from a data file (CSV: input columns, "
        "then target columns; or .npy rows, or .npz with X and Y), the data set the spec's "
        "[train] table names, or the spec's example. With [train] held_out, that fraction of "
        "the samples is kept aside and the accuracy on it printed after each epoch. The loss "
        "after each epoch (and the accuracy) is the history. A loss that becomes non-finite or "
        f"explodes stops training with exit status {DIVERGED}.",
    )
    p.add_argument(
        "--data", metavar="FILE", help="samples (.csv, .npy or .npz): inputs, then targets"
    )
    p.add_argument(
        "--epochs",
        type=common.positive_int,
        help=f"passes over the data (default: the spec's [train] epochs, else {EPOCHS})",
    )
    p.add_argument(
        "--lr",
        type=common.learning_rate,
        help="learning rate (default: the spec's [train] or example's, else 0.1)",
    )
    p.add_argument(
        "--batch-size",
        type=common.positive_int,
        help=f"samples per step (default: the spec's [train] batch_size, else {BATCH_SIZE})",
    )
    p.add_argument("--seed", type=common.seed_int, default=0, help="initial weights and shuffling")
    p.add_argument(
        "--plot", metavar="FILE.png", help="draw the loss (and accuracy) curve (needs matplotlib)"
    )
    p.add_argument(
        "--history",
        metavar="FILE.csv",
        help="epoch,loss[,accuracy] (default: next to --plot, if given)",
    )
    p.add_argument("--save", metavar="FILE.json", help="write the trained parameters")
    p.add_argument(
        "--threads",
        type=common.positive_int,
        default=os.cpu_count() or 1,
        help="BLAS threads (default: all cores, %(default)s here)",
    )
    p.add_argument(
        "--dtype",
        choices=DTYPES,
        default="float64",
        help="the floating-point type training computes in (default: float64)",
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


def _bar(total: int, accuracies: list[float], held_out: int):
    """A tqdm bar with the loss on stderr (only on a terminal) that stops a diverging run; the
    held-out accuracy of each epoch goes into `accuracies` and to stdout, one line each."""
    from tqdm import tqdm

    bar = tqdm(
        total=total, unit="epoch", file=sys.stderr, leave=True, disable=not sys.stderr.isatty()
    )
    first: list[float] = []

    def show(epoch: int, total: int, loss: float, accuracy: float | None) -> None:
        if not first:
            first.append(loss)
        text = f"loss {loss:.6g}"
        if accuracy is not None:
            accuracies.append(accuracy)
            text += f", held-out accuracy {100 * accuracy:.1f} %"
            tqdm.write(f"epoch {epoch}/{total}: {text} ({held_out} samples)", file=sys.stdout)
        bar.set_postfix_str(text, refresh=False)
        bar.update(1)
        if not math.isfinite(loss) or (loss > 1 and loss > EXPLODED * max(first[0], 1e-300)):
            bar.close()
            raise _Diverged(epoch, loss)
        if epoch == total:
            bar.close()

    return show


def _samples(args: argparse.Namespace, net):
    """(X, Y) from --data, the spec's [train] data set, or its example."""
    cfg = net.train
    if args.data is not None:
        return data.load(args.data, net.inputs, net.sizes[-1], net.loss)
    if cfg is not None and cfg.data is not None:
        return datasets.load(cfg.data)
    if net.example is not None:
        return net.example.X, net.example.Y
    raise SymbpError(f"{net.name} has no [example] table; give the samples with --data")


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
    X, Y = _samples(args, net)
    cfg = net.train
    held_out = None
    if cfg is not None and cfg.held_out > 0:
        X, Y, test_X, test_Y = datasets.split(X, Y, cfg.held_out, cfg.split_seed)
        if len(X) == 0 or len(test_X) == 0:
            raise SymbpError(
                f"held_out {cfg.held_out:g} of {len(X) + len(test_X)} samples leaves a side empty"
            )
        held_out = (test_X, test_Y)
    lr = args.lr
    if lr is None and cfg is not None:
        lr = cfg.learning_rate
    if lr is None:
        lr = net.example.learning_rate if net.example else 0.1
    epochs = args.epochs or (cfg.epochs if cfg is not None else None) or EPOCHS
    batch_size = args.batch_size or (cfg.batch_size if cfg is not None else None) or BATCH_SIZE
    model = compile_model(net, dtype=args.dtype)
    start = net.example.params if args.from_example else model.init_params(args.seed)
    accuracies: list[float] = []
    try:
        with np.errstate(all="ignore"):  # a diverging run is reported below, not warned about
            params, history = train(
                model,
                start,
                X,
                Y,
                epochs=epochs,
                learning_rate=lr,
                batch_size=batch_size,
                seed=args.seed,
                progress=_bar(epochs, accuracies, 0 if held_out is None else len(held_out[0])),
                threads=args.threads,
                held_out=held_out,
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
        out[history_path] = _history_csv(history, accuracies).encode()
    if args.save is not None:
        saved = {k: v.tolist() for k, v in params.items()}
        out[args.save] = (json.dumps(saved, indent=2) + "\n").encode()
    batch = min(batch_size, len(X))  # a step never takes more than every sample
    title = f"{net.name}: lr {lr:g}, batch {batch}"
    if args.plot is not None:
        out[args.plot] = plot.loss_png(history, title, accuracies or None)
    files.write_files(out)
    tested = ""
    if held_out is not None:
        tested = f", held-out accuracy {100 * accuracies[-1]:.1f} % of {len(held_out[0])}"
    print(
        f"{net.name}: loss {history[-1]:.6g} after {len(history)} epochs{tested} "
        f"(samples {len(X)}, batch {batch}, lr {lr:g}, seed {args.seed})"
    )
    for what, path in (("plot", args.plot), ("history", history_path), ("parameters", args.save)):
        if path is not None:
            print(f"{what}: {path}")
    return 0


def _history_csv(history: list[float], accuracies: list[float]) -> str:
    """epoch,loss rows, with the held-out accuracy as a third column when there is one."""
    if not accuracies:
        return "epoch,loss\n" + "".join(f"{i},{v!r}\n" for i, v in enumerate(history, start=1))
    rows = zip(range(1, len(history) + 1), history, accuracies)
    return "epoch,loss,accuracy\n" + "".join(f"{i},{v!r},{a!r}\n" for i, v, a in rows)
