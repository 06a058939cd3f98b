"""Command line: argparse in, library calls, output out. The only module that prints or writes."""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from . import spec as _spec
from .derive import derive
from .errors import CheckCostError, ClaimError, SymbpError

SPEC_HELP = "a spec file (TOML) or a bundled example's name (see `symbp examples`)"


def _progress(label: str):
    """A one-line progress display on stderr when it is a terminal; silent otherwise."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, what) -> None:
        end = "\n" if done + 1 == total else ""
        sys.stderr.write(f"\r{label} {done + 1}/{total}: {what}\033[K{end}")
        sys.stderr.flush()

    return show


def _cmd_examples(args: argparse.Namespace) -> int:
    names = _spec.bundled()
    width = max(map(len, names))
    for name, description in names.items():
        print(f"{name:<{width}}  {description}")
    return 0


CHECK_LIMIT_SECONDS = 120


def _cmd_check(args: argparse.Namespace) -> int:
    d = derive(_spec.load(args.spec))
    estimate = d.estimated_check_seconds()
    if estimate > CHECK_LIMIT_SECONDS and not args.force:
        raise CheckCostError(
            f"checking {d.net.name} ({len(d.gradients)} parameters) is estimated at "
            f"~{estimate:.0f} s, over the {CHECK_LIMIT_SECONDS} s limit; pass --force to run it"
        )
    report = d.check(progress=_progress("proving"))
    if args.json:
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "seconds": round(report.seconds, 3),
                    "identities": report.identities,
                    "activations": [
                        {"name": a.name, "ok": a.ok, "method": a.method} for a in report.activations
                    ],
                    "parameters": [
                        {"param": p.param.name, "ok": p.ok, "method": p.method}
                        for p in report.parameters
                    ],
                },
                indent=2,
            )
        )
        return 0 if report.ok else 1
    for a in report.activations:
        verdict = "proved" if a.ok else "NOT PROVED"
        print(f"{a.name}' = {a.textbook}: {verdict} ({a.method})")
    for g in report.general:
        verdict = "equals" if g.ok else "DIFFERS FROM"
        print(f"{g.equation} (general form) at layer {g.layer} {verdict} the derived expressions")
    cost = d.cost_symbol.name
    for p in report.parameters:
        verdict = "BP = direct differentiation" if p.ok else "BP != direct differentiation"
        print(f"d{cost}/d{p.param.name}: {verdict} ({p.method})")
    if report.identities:
        print("identities used: " + ", ".join(report.identities))
    n = len(report.parameters)
    status = "all proved" if report.ok else f"{len(report.failures)} NOT proved"
    print(f"{d.net.name}: {n} parameters, {status} in {report.seconds:.2f} s")
    return 0 if report.ok else 1


def _cmd_evaluate(args: argparse.Namespace) -> int:
    d = derive(_spec.load(args.spec))
    result = d.evaluate().as_json()
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"loss: {result['loss']:.9g}")
    for group in ("forward", "deltas", "gradients", "updated_params"):
        print(f"{group}:")
        for key, value in result[group].items():
            print(f"  {key} = {json.dumps(value)}")
    return 0


def bundled_documents(
    formats: Sequence[str] = ("tex", "md"), templates: str | None = None
) -> dict[str, str | bytes]:
    """Every bundled example's documents in every language, by file name (what output/ holds)."""
    from . import render

    out: dict[str, str | bytes] = {}
    for name in _spec.bundled():
        d = derive(_spec.load(name))
        for lang in render.LANGS:
            out.update(render.documents(d, list(formats), lang, templates))
    return out


def _check_writable(path: str) -> None:
    """Raise SymbpError if `path` is a folder or lies under a file (checked before any work)."""
    if os.path.isdir(path):
        raise SymbpError(f"{path}: is a folder, not a file name")
    parent = os.path.dirname(os.path.abspath(path))
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise SymbpError(f"{parent}: is not a folder (in the output path {path})")


def _write_files(files: dict[str, str | bytes]) -> list[str]:
    """Write every file or none: each goes to a temporary file beside it, then all are renamed.

    An error or an interrupt before the renames leaves no file behind.
    """
    for path in files:
        _check_writable(path)
    temps: list[tuple[str, str]] = []
    umask = os.umask(0)
    os.umask(umask)
    try:
        for path, data in files.items():
            folder = os.path.dirname(os.path.abspath(path))
            os.makedirs(folder, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".symbp-", suffix=".tmp")
            temps.append((tmp, path))
            with os.fdopen(fd, "wb") as f:
                f.write(data.encode("utf-8") if isinstance(data, str) else data)
            os.chmod(tmp, 0o666 & ~umask)
        for tmp, path in temps:
            os.replace(tmp, path)
    except OSError as e:
        where = e.filename if isinstance(e.filename, str) else next(iter(files), "")
        raise SymbpError(f"{where}: cannot write: {e.strerror or e}") from None
    finally:
        for tmp, _ in temps:
            if os.path.exists(tmp):
                os.remove(tmp)
    return list(files)


def _cmd_derive(args: argparse.Namespace) -> int:
    from . import render

    if args.view == "graph":
        return _cmd_derive_graph(args)
    if args.bundled and args.spec is not None:
        raise SymbpError("derive: give a SPEC or --bundled, not both")
    if args.bundled:
        formats = render.parse_formats(args.format or "tex,md")
        docs = bundled_documents(formats, args.templates)
    else:
        formats = render.parse_formats(args.format, args.lang)
        d = derive(_spec.load(args.spec or "mazur"))
        docs = render.documents(d, formats, args.lang, args.templates)
    for path in _write_files({os.path.join(args.output, f): data for f, data in docs.items()}):
        print(path)
    return 0


def _cmd_compile(args: argparse.Namespace) -> int:
    from .compile import compile as compile_model

    if args.bundled == (args.spec is not None):
        raise SymbpError("give either SPEC or --bundled")
    if args.bundled:
        folder = Path(args.output or "output")
        texts = {
            folder / f"{name}.py": compile_model(_spec.load(name)).module_source()
            for name in _spec.bundled()
        }
        for path in _write_files({str(path): text for path, text in texts.items()}):
            print(path)
        return 0
    if args.output:
        _check_writable(args.output)
    text = compile_model(_spec.load(args.spec)).module_source()
    if args.output:
        _write_files({args.output: text})
    else:
        sys.stdout.write(text)
    return 0


def _train_bar(total: int):
    """A progress bar with the loss on stderr: redrawn on a terminal, ten lines otherwise."""
    tty = sys.stderr.isatty()
    every = max(1, total // (200 if tty else 10))

    def show(epoch: int, total: int, loss: float) -> None:
        if epoch % every and epoch != total:
            return
        filled = 30 * epoch // total
        line = f"[{'#' * filled}{'-' * (30 - filled)}] epoch {epoch}/{total} loss {loss:.6g}"
        sys.stderr.write(f"\r{line}\033[K" if tty else line + "\n")
        if tty and epoch == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def _plot_png(history: list[float], title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(1, len(history) + 1), history)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.set_yscale("log" if min(history) > 0 else "linear")
    ax.set_title(title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _cmd_train(args: argparse.Namespace) -> int:
    from .compile import compile as compile_model
    from .compile.train import read_csv, train

    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise SymbpError(
                "--plot needs matplotlib: pip install 'symbp[plot]' (or drop --plot)"
            ) from None
    history_path = args.history or (str(Path(args.plot).with_suffix(".csv")) if args.plot else None)
    for path in (args.plot, history_path, args.save):
        if path:
            _check_writable(path)
    net = _spec.load(args.spec)
    if args.data:
        try:
            text = Path(args.data).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise SymbpError(f"{args.data}: cannot read: {getattr(e, 'strerror', None) or e}")
        X, Y = read_csv(text, net.inputs, net.sizes[-1], args.data)
    elif net.example is not None:
        X, Y = net.example.X, net.example.Y
    else:
        raise SymbpError(f"{net.name} has no [example] table; give the samples with --data")
    lr = args.lr if args.lr is not None else (net.example.learning_rate if net.example else 0.1)
    model = compile_model(net)
    params, history = train(
        model,
        model.init_params(args.seed),
        X,
        Y,
        epochs=args.epochs,
        learning_rate=lr,
        batch_size=args.batch_size,
        seed=args.seed,
        progress=_train_bar(args.epochs),
    )
    files = {}
    if history_path:
        rows = "".join(f"{i},{v!r}\n" for i, v in enumerate(history, start=1))
        files[history_path] = ("epoch,loss\n" + rows).encode()
    if args.save:
        saved = {k: v.tolist() for k, v in params.items()}
        files[args.save] = (json.dumps(saved, indent=2) + "\n").encode()
    if args.plot:
        files[args.plot] = _plot_png(history, f"{net.name}: lr {lr}, batch {args.batch_size}")
    _write_files(files)
    final = history[-1]
    print(
        f"{net.name}: loss {final:.6g} after {len(history)} epochs "
        f"(samples {len(X)}, batch {args.batch_size}, lr {lr:g}, seed {args.seed})"
    )
    if not math.isfinite(final):
        print("symbp: training diverged; try a smaller --lr", file=sys.stderr)
        return 1
    return 0


def _cmd_graph(args: argparse.Namespace) -> int:
    from . import graph
    from .graph.document import documents
    from .render import tex

    try:
        at = graph.parse_at(args.at)
    except ClaimError as e:
        raise SymbpError(f"--at, {e}") from None
    g = graph.build(args.expr, at)
    docs = {}
    if args.output:
        formats = [f.strip() for f in (args.format or "md,tex").split(",") if f.strip()]
        docs = documents(g, formats, args.lang, tex, args.name, args.templates)
    if args.json:
        print(json.dumps(g.as_json(), indent=2, ensure_ascii=False))
    written = _write_files({os.path.join(args.output, f): t for f, t in docs.items()})
    if not args.json:
        for path in written:
            print(path)
    if args.json or args.output:
        return 0
    ids = g.ids()
    print(f"value = {graph.decimal(g.value)}")
    for name, grad in g.gradients().items():
        print(f"d/d{name} = {graph.decimal(grad)}")
    for n in g.nodes:
        inputs = ", ".join(f"#{ids[id(i)]}" for i in n.inputs)
        head = f"#{ids[id(n)]} {n.label}" + (f"({inputs})" if inputs else "")
        local = ", ".join(graph.decimal(v) for v in n.local)
        sends = ", ".join(graph.decimal(v) for v in n.sends())
        line = f"{head}: value {graph.decimal(n.value)}, grad {graph.decimal(n.grad)}"
        print(line + (f", local [{local}], sends [{sends}]" if n.inputs else ""))
    return 0


def _cmd_derive_graph(args: argparse.Namespace) -> int:
    from .graph.view import view_documents
    from .render import tex

    if args.bundled:
        raise SymbpError("--view graph: give a SPEC; --bundled is not supported")
    formats = [f.strip() for f in (args.format or "md,tex").split(",") if f.strip()]
    net = _spec.load(args.spec or "mazur")
    worked = None
    if net.example is not None:
        w = derive(net).evaluate()
        worked = (w.params, w.forward)
    docs = view_documents(net, formats, args.lang, tex, worked, args.templates)
    for path in _write_files({os.path.join(args.output, f): t for f, t in docs.items()}):
        print(path)
    return 0


def _int_at_least(lowest: int):
    """An argparse type: an integer no smaller than `lowest`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
        if value < lowest:
            raise argparse.ArgumentTypeError(f"must be at least {lowest}, got {value}")
        return value

    return parse


_positive_int = _int_at_least(1)
_seed = _int_at_least(0)


def _learning_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _cmd_verify(args: argparse.Namespace) -> int:
    from .verify import report
    from .verify.claims import Checker, verify_file

    if args.claims and (args.quantity or args.claim):
        raise SymbpError("give either --claims FILE or --quantity with --claim, not both")
    if not args.claims and not (args.quantity and args.claim):
        raise SymbpError("give --quantity Q and --claim EXPR, or --claims FILE.toml")
    if args.report and not args.claims:
        raise SymbpError("--report needs --claims FILE.toml")
    if args.report:
        _check_writable(args.report)
    d = derive(_spec.load(args.spec))
    checker = Checker(d, seed=args.seed)
    if args.claims:
        verdicts = verify_file(checker, args.claims)
    else:
        verdicts = [checker.verify(args.quantity, args.claim)]
    markdown = None
    if args.report:
        from .render.printer import tex

        title = d.net.name
        math = lambda expr: tex(expr, d.names.tex)  # noqa: E731
        markdown = report.markdown(verdicts, title, args.lang, math)
    if args.json:
        data = [report.as_json(v, args.lang) for v in verdicts]
        ok = all(v.ok for v in verdicts)
        print(json.dumps(data[0] if not args.claims else {"ok": ok, "claims": data}, indent=2))
    else:
        sys.stdout.write(report.text(verdicts, args.lang))
    if markdown is not None:
        _write_files({args.report: markdown})
    statuses = {v.status for v in verdicts}
    if statuses & {"not_equal", "unreadable"}:
        return 1
    return 3 if "undecided" in statuses else 0


def _cmd_verify_code(args: argparse.Namespace) -> int:
    from .verify import report
    from .verify.code import check_gradients, load_function

    d = derive(_spec.load(args.spec))
    fn, name = load_function(args.target)
    result = check_gradients(
        d, fn, name, points=args.points, samples=args.samples, seed=args.seed, layout=args.layout
    )
    if args.json:
        print(json.dumps(report.code_json(result), indent=2))
    else:
        sys.stdout.write(report.code_text(result, name, d.net.name, args.lang))
    return 0 if result.ok else 1


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error that says where to look, instead of the usage block."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="symbp",
        description="Backpropagation derived by sympy: proven BP1-BP4, documents, "
        "compiled NumPy trainers and checked hand derivations.",
        epilog="Exit status: 0 success, 1 a check or claim does not hold, 2 bad input.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("examples", help="list the bundled example networks")
    p.set_defaults(func=_cmd_examples)

    p = sub.add_parser(
        "check",
        help="prove BP1-BP4 equal direct differentiation, for every parameter",
        description="Prove, for every parameter, that the backpropagated gradient equals "
        "sympy's direct differentiation of the fully expanded cost.",
    )
    p.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument(
        "--force",
        action="store_true",
        help=f"run even when the estimated time is over {CHECK_LIMIT_SECONDS} s",
    )
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser(
        "evaluate",
        help="the worked example's numbers (forward, deltas, gradients, one step)",
    )
    p.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser(
        "derive",
        help="the derivation document: LaTeX, Markdown, PDF",
        description="Write the derivation document (network diagram, forward pass, BP1-BP4 in "
        "vector and index form and layer by layer, chain rules, worked example) as .tex, .md "
        "and, when a TeX engine is present, .pdf.",
    )
    p.add_argument(
        "spec", metavar="SPEC", nargs="?", help=SPEC_HELP + " (default: the bundled mazur)"
    )
    p.add_argument("-o", "--output", metavar="DIR", default="output", help="default ./output")
    p.add_argument(
        "--format",
        metavar="FORMATS",
        help="comma-separated tex, md, pdf (default: tex,md, plus pdf when a TeX engine is found)",
    )
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the prose")
    p.add_argument(
        "--templates", metavar="DIR", help="your template directory, searched before symbp's"
    )
    p.add_argument(
        "--bundled",
        action="store_true",
        help="every bundled example in every language (regenerates output/)",
    )
    p.add_argument(
        "--view",
        choices=("derivation", "graph"),
        default="derivation",
        help="graph: the layers as computational-graph nodes (Affine, ReLU, Sigmoid, "
        "SoftmaxWithLoss) with their derived backward rules, as NAME.graph.md/.svg/.tex",
    )
    p.set_defaults(func=_cmd_derive)

    p = sub.add_parser(
        "compile",
        help="a standalone NumPy module generated from the derivation",
        description="Write a NumPy module (forward, loss, gradients, sgd_step) generated "
        "from the derived equations; it imports NumPy alone.",
    )
    p.add_argument("spec", metavar="SPEC", nargs="?", help=SPEC_HELP)
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE.py",
        help="write here (default: stdout); with --bundled, a folder (default: output)",
    )
    p.add_argument("--bundled", action="store_true", help="every bundled example, as DIR/NAME.py")
    p.set_defaults(func=_cmd_compile)

    p = sub.add_parser(
        "train",
        help="mini-batch SGD with the compiled model",
        description="Train with shuffled mini-batches from the spec's example or a CSV file "
        "(input columns, then target columns); the loss after each epoch is the history.",
    )
    p.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    p.add_argument("--data", metavar="FILE.csv", help="samples: inputs, then targets")
    p.add_argument("--epochs", type=_positive_int, default=10000, help="default 10000")
    p.add_argument(
        "--lr", type=_learning_rate, help="learning rate (default: the example's, else 0.1)"
    )
    p.add_argument("--batch-size", type=_positive_int, default=32, help="default 32")
    p.add_argument("--seed", type=_seed, default=0, help="initial weights and shuffling")
    p.add_argument("--plot", metavar="FILE.png", help="draw the loss curve (needs matplotlib)")
    p.add_argument(
        "--history", metavar="FILE.csv", help="epoch,loss (default: next to --plot, if given)"
    )
    p.add_argument("--save", metavar="FILE.json", help="write the trained parameters")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser(
        "verify",
        help="check a hand-derived formula: proved, or what is wrong with it",
        description="Check a claim such as dE/dw5 = (out_o1 - target_o1)*out_h1 against the "
        "derivation: proved equal symbolically, or not equal with a diagnosis (sign, constant, "
        "wrong index, missing or extra factor) and a numeric counterexample. Claims are parsed, "
        "never run; plain text or LaTeX, Nielsen or Mazur notation.",
    )
    p.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    p.add_argument("--quantity", metavar="Q", help="e.g. dE/dw5, dC/dw^2_{12}, delta^2_1")
    p.add_argument("--claim", metavar="EXPR", help="the formula claimed for the quantity")
    p.add_argument(
        "--claims", metavar="FILE.toml", help='many claims at once: one line `"Q" = "EXPR"` each'
    )
    p.add_argument("--report", metavar="FILE.md", help="also write a Markdown report (--claims)")
    p.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the prose")
    p.add_argument("--seed", type=_seed, default=0, help="seed of the random check points")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser(
        "verify-code",
        help="check a hand-written gradient function against the derivation",
        description="Call FUNCTION(params, X, Y) -> grads from FILE.py (this runs that file, as "
        "importing it would) at random, non-symmetric points and compare every entry with the "
        "derived gradients and with finite differences.",
    )
    p.add_argument("spec", metavar="SPEC", help=SPEC_HELP)
    p.add_argument("target", metavar="FILE.py:FUNCTION", help="your gradient function")
    p.add_argument(
        "--layout",
        choices=("columns", "rows"),
        default="columns",
        help="columns: W is out x in (z = W a); rows: W is in x out (z = x @ W), as in Deep "
        "Learning from Scratch",
    )
    p.add_argument("--points", type=_positive_int, default=3, help="random points (default 3)")
    p.add_argument("--samples", type=_positive_int, default=3, help="batch size (default 3)")
    p.add_argument("--seed", type=_seed, default=0, help="seed of the random points")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the prose")
    p.set_defaults(func=_cmd_verify_code)

    p = sub.add_parser(
        "graph",
        help="an expression's computational graph, node by node, forward and backward",
        description="Split an expression into nodes (one per operation as written), run it "
        "forward at the given values and backward from the output: every node's value, "
        "upstream gradient and local gradients (derived by sympy).",
    )
    p.add_argument("expr", metavar="EXPR", help="e.g. '(x + y)*z' or '1/(1 + exp(-(w0*x0 + w1))'")
    p.add_argument(
        "--at", metavar="NAME=VALUE,...", required=True, help="the inputs, e.g. x=-2,y=5,z=-4"
    )
    p.add_argument("--json", action="store_true", help="print value, gradients and nodes as JSON")
    p.add_argument("-o", "--output", metavar="DIR", help="write the documents into DIR")
    p.add_argument("--format", metavar="FORMATS", help="comma-separated md, tex (default: md,tex)")
    p.add_argument("--lang", choices=("en", "zh"), default="en", help="language of the prose")
    p.add_argument("--name", default="graph", help="file stem of the documents (default: graph)")
    p.add_argument(
        "--templates", metavar="DIR", help="your template directory, searched before symbp's"
    )
    p.set_defaults(func=_cmd_graph)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 does not hold, 2 bad input)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)
    try:
        return args.func(args)
    except SymbpError as e:
        print(f"symbp: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")  # the reader went away (e.g. `| head`); not an error
        return 0
    except KeyboardInterrupt:
        print("symbp: interrupted; nothing was written", file=sys.stderr)
        return 130
