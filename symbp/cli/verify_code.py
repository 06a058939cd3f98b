"""`symbp verify-code`: a hand-written gradient function checked against the derivation.

The user's code runs fenced: what it prints goes to stderr (never into `--json`), and a
`sys.exit` or any other escape from it is reported as its failure, not taken as symbp's verdict.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys

from .. import files
from ..errors import SymbpError
from . import common

MAX_POINTS = 1000
MAX_SAMPLES = 10_000
MAX_CODE_BYTES = 10_000_000


def register(sub) -> None:
    p = sub.add_parser(
        "verify-code",
        parents=[common.spec_parent(), common.json_parent("the result"), common.LANG],
        help="check a hand-written gradient function against the derivation",
        description="Call FUNCTION(params, X, Y) -> grads from FILE.py (this runs that file, as "
        "importing it would) at random, non-symmetric points and compare every entry with the "
        "derived gradients and with finite differences. What the function prints goes to stderr.",
    )
    p.add_argument("target", metavar="FILE.py:FUNCTION", help="your gradient function")
    p.add_argument(
        "--points",
        type=common.int_between(1, MAX_POINTS),
        default=3,
        help=f"random points (at most {MAX_POINTS})",
    )
    p.add_argument(
        "--samples",
        type=common.int_between(1, MAX_SAMPLES),
        default=3,
        help=f"batch size (at most {MAX_SAMPLES})",
    )
    p.add_argument(
        "--layout",
        choices=("columns", "rows"),
        default="columns",
        help="columns: W is out x in (z = W a); rows: W is in x out (z = x @ W), as in Deep "
        "Learning from Scratch",
    )
    p.add_argument("--seed", type=common.seed_int, default=0, help="seed of the random points")
    p.set_defaults(run=run)


@contextlib.contextmanager
def _fenced(what: str):
    """Run the user's code: its stdout to stderr, its exits and escapes as one SymbpError."""
    import numpy as np

    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured), np.errstate(all="ignore"):
            yield
    except SystemExit as e:
        raise SymbpError(
            f"{what} called sys.exit({e.code!r}); a gradient function must return its gradients"
        ) from None
    except (KeyboardInterrupt, Exception):  # an Exception of the user's is already a SymbpError
        raise
    except BaseException as e:  # the user's code escaped with something that is not an Exception
        raise SymbpError(f"{what} raised {type(e).__name__}: {e}") from None
    finally:
        if captured.getvalue():
            sys.stderr.write(captured.getvalue())


def run(args: argparse.Namespace) -> int:
    from ..derive import derive
    from ..verify import report
    from ..verify.code import check_gradients, load_function

    path, sep, _ = args.target.rpartition(":")
    if sep and path:
        files.read_bytes(
            path, "Python file", MAX_CODE_BYTES
        )  # its kind and size, before running it
    d = derive(common.load_spec(args.spec))
    with _fenced(f"importing {path}"):
        fn, name = load_function(args.target)
    with _fenced(name):
        result = check_gradients(
            d,
            fn,
            name,
            points=args.points,
            samples=args.samples,
            seed=args.seed,
            layout=args.layout,
        )
    if args.json:
        print(json.dumps(report.code_json(result), indent=2, allow_nan=False))
    else:
        sys.stdout.write(report.code_text(result, name, d.net.name, args.lang))
    return 0 if result.ok else 1
