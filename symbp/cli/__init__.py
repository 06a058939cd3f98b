"""Command line: argparse in, library calls, output out. One module per command, each with
`register(sub)` and `run(args)`; `main` maps every outcome to the exit status CONTRACT.md names."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

REPORT_TO = "the symbp issue tracker, with the command line and this message"
EXIT_OK, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 2, 70, 130
COMMANDS = (
    "examples",
    "check",
    "evaluate",
    "derive",
    "compile",
    "train",
    "verify",
    "verify_code",
    "graph",
)


class _Formatter(argparse.HelpFormatter):
    """Help that shows each option's default when it has a meaningful one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        shown = default is not None and default is not False and default != argparse.SUPPRESS
        if shown and "default" not in text:
            text += " (default: %(default)s)"
        return text


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error that says where to look, instead of the usage block."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("symbp")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: every command's module registers its own subparser."""
    from importlib import import_module

    parser = _Parser(
        prog="symbp",
        description="Backpropagation derived by sympy: proven BP1-BP4, documents, "
        "compiled NumPy trainers and checked hand derivations.",
        epilog="Exit status: 0 success; 1 a check or claim does not hold (train: the loss "
        "diverged); 2 bad input; 3 a claim equal at every check point but neither proved nor "
        f"refuted; 70 an internal error (please report it to {REPORT_TO}); 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"symbp {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMANDS:
        import_module(f".{name}", __name__).register(sub)
    return parser


def _utf8_streams() -> None:
    """Write UTF-8 whatever the locale (LC_ALL=C must still print zh text and ×)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if reconfigure is not None and encoding != "utf8":
            reconfigure(encoding="utf-8", errors="backslashreplace")


def _say(message: str) -> None:
    try:
        print(f"symbp: {message}", file=sys.stderr, flush=True)
    except (OSError, ValueError, AttributeError):
        pass  # stderr itself is gone: the exit status is all that is left


def _flush_stdout() -> str | None:
    """Flush stdout; the reason it failed (full device, closed), or None."""
    if sys.stdout is None:
        return "standard output is closed"
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return None
    except (OSError, ValueError) as e:
        return f"cannot write to standard output: {getattr(e, 'strerror', None) or e}"
    return None


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so that the interpreter's last flush cannot fail again."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)
        sys.stdout = open(os.devnull, "w")
    except OSError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (see `symbp --help`)."""
    import signal

    from .. import _loading

    if signal.getsignal(signal.SIGINT) is _loading._interrupted:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # see symbp/_loading.py
    try:
        return _main(argv)
    except KeyboardInterrupt:
        _say("interrupted; nothing was written")
        return EXIT_INTERRUPTED


def _main(argv: Sequence[str] | None) -> int:
    from ..errors import SymbpError

    _utf8_streams()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else EXIT_BAD_INPUT
        reason = _flush_stdout()
        if reason:
            _silence_stdout()
            _say(f"error: {reason}")
            return EXIT_BAD_INPUT
        return code
    if sys.stdout is None:
        _say("error: standard output is closed; run with stdout open (e.g. > out.txt)")
        return EXIT_BAD_INPUT
    try:
        status = args.run(args)
    except SymbpError as e:
        _say(f"error: {e}")
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        _silence_stdout()  # the reader went away (e.g. `| head`); not an error
        return EXIT_OK
    except OSError as e:  # files are written through files.write_files: this is stdout
        _silence_stdout()
        _say(f"error: cannot write to standard output: {e.strerror or e}")
        return EXIT_BAD_INPUT
    except RecursionError:
        _say("error: the input is nested too deeply for symbp to follow; simplify it")
        return EXIT_BAD_INPUT
    except MemoryError:
        _say("error: out of memory; the input asks for more work than this machine can hold")
        return EXIT_BAD_INPUT
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as e:  # a bug in symbp: one line, never a traceback, never status 1
        where = _origin(e)
        _say(
            f"internal error: {type(e).__name__}: {str(e)[:200]}{where}; this is a bug in "
            f"symbp; please report it to {REPORT_TO}"
        )
        return EXIT_INTERNAL
    reason = _flush_stdout()
    if reason:
        _silence_stdout()
        _say(f"error: {reason}")
        return EXIT_BAD_INPUT
    return status


def _origin(e: BaseException) -> str:
    """` (at file:line)` of the innermost frame in symbp, if any."""
    tb, found = e.__traceback__, ""
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if f"{os.sep}symbp{os.sep}" in name:
            found = f" (at {name.rsplit(os.sep + 'symbp' + os.sep, 1)[1]}:{tb.tb_lineno})"
        tb = tb.tb_next
    return found


def __getattr__(name: str):
    if name == "bundled_documents":  # for the tests and output/'s update command
        from .derive import bundled_documents

        return bundled_documents
    raise AttributeError(name)
