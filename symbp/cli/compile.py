"""`symbp compile`: a standalone NumPy module generated from the derivation."""

from __future__ import annotations

import argparse
import sys

from .. import files
from .. import spec as _spec
from ..compile.module import DTYPES
from ..compile.targets import TARGETS
from ..errors import SymbpError
from . import common


def register(sub) -> None:
    p = sub.add_parser(
        "compile",
        parents=[common.spec_parent(True), common.TEMPLATES],
        help="a standalone NumPy, JAX or PyTorch module generated from the derivation",
        description="Write a module (forward, loss, gradients, sgd_step) generated from the "
        "derived equations; it imports its framework alone (NumPy by default).",
    )
    p.add_argument(
        "--target",
        choices=TARGETS,
        default="numpy",
        help="the framework the module is written for (default: numpy)",
    )
    p.add_argument(
        "--dtype",
        choices=DTYPES,
        default="float64",
        help="the floating-point type the numpy module computes in (default: float64)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE.py",
        help="write here (default: stdout); with --bundled, a folder (default: output)",
    )
    p.add_argument("--bundled", action="store_true", help="every bundled example, as DIR/NAME.py")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..compile import compile as compile_model

    if args.bundled == (args.spec is not None):
        raise SymbpError("give either SPEC or --bundled")
    if args.bundled:
        folder = "output" if args.output is None else args.output
        texts = {
            f"{name}.py": compile_model(_spec.load(name), dtype=args.dtype).module_source(
                args.templates, args.target
            )
            for name in _spec.bundled()
        }
        for path in files.write_files(files.inside(folder, texts)):
            print(path)
        return 0
    if args.output is not None:
        files.check_target(args.output)
    model = compile_model(common.load_spec(args.spec), dtype=args.dtype)
    text = model.module_source(args.templates, args.target)
    if args.output is not None:
        files.write_files({args.output: text})
    else:
        sys.stdout.write(text)
    return 0
