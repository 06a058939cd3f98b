"""Exit codes as CONTRACT.md names them: 2 bad input, 1 only a check that does not hold,
70 a bug (one line naming where to report it), 130 an interrupt at any moment; stdout that is
full or closed, and a locale without UTF-8, handled in one line."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import pytest
from hostile._run import files_under, refused, run

from symbp import cli
from symbp.cli import COMMANDS

SYMBP = [sys.executable, "-m", "symbp"]


def shell(argv, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(SYMBP + argv, capture_output=True, timeout=300, **kwargs)


BUGS = [ZeroDivisionError("x"), TypeError("t"), KeyError("k"), AssertionError(), IndexError()]


@pytest.mark.parametrize("bug", BUGS, ids=lambda b: type(b).__name__)
@pytest.mark.parametrize("command", ["examples", "check", "derive", "graph"])
def test_an_unexpected_exception_is_one_line_and_exit_70(capsys, monkeypatch, command, bug):
    module = importlib.import_module(f"symbp.cli.{command}")

    def broken(args):
        raise bug

    monkeypatch.setattr(module, "run", broken)
    argv = {"examples": [], "check": ["mazur"], "derive": [], "graph": ["x", "--at", "x=1"]}
    err = refused(capsys, [command, *argv[command]], "internal error", status=70)
    assert type(bug).__name__ in err and "report" in err


def test_exit_70_names_where_in_symbp_it_happened(capsys, monkeypatch):
    from symbp import spec

    monkeypatch.setattr(spec, "bundled", lambda: 1 / 0)
    err = refused(capsys, ["examples"], "internal error: ZeroDivisionError", status=70)
    assert "(at cli/examples.py:" in err or "(at " in err


INTERRUPT_POINTS = {
    "parsing-options": ("symbp.cli", "build_parser"),
    "loading-the-spec": ("symbp.spec", "load"),
    "deriving": ("symbp.derive", "derive"),
    "rendering": ("symbp.render", "documents"),
    "writing": ("symbp.files", "write_files"),
}


@pytest.mark.parametrize("point", list(INTERRUPT_POINTS))
def test_ctrl_c_at_any_moment_is_130_one_line_nothing_left(tmp_path, capsys, monkeypatch, point):
    module, name = INTERRUPT_POINTS[point]

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib.import_module(module), name, interrupted)
    err = refused(capsys, ["derive", "mazur", "-o", tmp_path / "out"], "interrupted", status=130)
    assert "nothing was written" in err
    assert files_under(tmp_path) <= {"out"} and not any((tmp_path / "out").glob("*"))


def test_ctrl_c_while_importing_a_command_is_130(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(importlib, "import_module", interrupted)
    refused(capsys, ["examples"], "interrupted", status=130)


def test_ctrl_c_in_the_users_gradient_function_is_130(tmp_path, capsys):
    (tmp_path / "g.py").write_text("def g(params, X, Y):\n    raise KeyboardInterrupt\n")
    refused(capsys, ["verify-code", "mazur", f"{tmp_path / 'g.py'}:g"], "interrupted", status=130)


ESCAPES = {
    "sys-exit-0": ("import sys\n", "sys.exit(0)", "called sys.exit(0)"),
    "sys-exit-1": ("import sys\n", "sys.exit(1)", "called sys.exit(1)"),
    "sys-exit-text": ("import sys\n", "sys.exit('bye')", "called sys.exit('bye')"),
    "base-exception": ("", "raise BaseException('boom')", "raised BaseException: boom"),
    "generator-exit": ("", "raise GeneratorExit", "raised GeneratorExit"),
    "exception": ("", "raise ValueError('nope')", "raised ValueError: nope"),
    "returns-none": ("", "return None", "returned NoneType"),
}


@pytest.mark.parametrize("case", list(ESCAPES))
def test_a_gradient_function_that_escapes_is_bad_input_never_success(tmp_path, capsys, case):
    head, body, fragment = ESCAPES[case]
    (tmp_path / "g.py").write_text(f"{head}def g(params, X, Y):\n    {body}\n")
    refused(capsys, ["verify-code", "mazur", f"{tmp_path / 'g.py'}:g", "--json"], fragment)


@pytest.mark.parametrize("where", ["at-import", "when-called"])
def test_sys_exit_in_the_users_module_is_reported(tmp_path, capsys, where):
    code = (
        "import sys\nsys.exit(0)\n"
        if where == "at-import"
        else "import sys\ndef g(params, X, Y):\n    sys.exit(0)\n"
    )
    (tmp_path / "g.py").write_text(code)
    refused(capsys, ["verify-code", "mazur", f"{tmp_path / 'g.py'}:g"], "sys.exit(0)")


@pytest.mark.parametrize("where", ["at-import", "when-called"])
def test_what_the_users_code_prints_never_corrupts_json(tmp_path, capsys, where):
    grads = "    return {k: 0 * v for k, v in params.items()}\n"
    code = (
        "print('loading {')\ndef g(params, X, Y):\n" + grads
        if where == "at-import"
        else "def g(params, X, Y):\n    print('[not json')\n" + grads
    )
    (tmp_path / "g.py").write_text(code)
    status, out, err = run(capsys, ["verify-code", "mazur", f"{tmp_path / 'g.py'}:g", "--json"])
    assert status == 1
    assert json.loads(out)["ok"] is False
    assert ("loading {" if where == "at-import" else "[not json") in err


def test_overflowing_gradients_give_valid_json_with_null(tmp_path, capsys):
    (tmp_path / "g.py").write_text(
        "def g(params, X, Y):\n    return {k: v * 1e308 * 1e308 for k, v in params.items()}\n"
    )
    spec = tmp_path / "id.toml"
    spec.write_text('inputs = 1\n[[layers]]\nunits = 1\nactivation = "identity"\n')
    status, out, err = run(capsys, ["verify-code", spec, f"{tmp_path / 'g.py'}:g", "--json"])
    assert status == 1 and "Warning" not in err
    data = json.loads(out)
    assert {e["got"] for e in data["wrong"]} == {None} and data["max_error"] is None
    assert "NaN" not in out and "Infinity" not in out


@pytest.mark.parametrize(
    "option,value", [("--samples", "10000000"), ("--points", "1000000"), ("--samples", "0")]
)
def test_absurd_verify_code_sizes_are_refused_at_once(tmp_path, capsys, option, value):
    (tmp_path / "g.py").write_text("def g(params, X, Y):\n    return {}\n")
    refused(capsys, ["verify-code", "mazur", f"{tmp_path / 'g.py'}:g", option, value], option)


def test_a_check_that_does_not_hold_is_1_and_bad_input_is_never_1(tmp_path, capsys):
    argv = ["verify", "mazur", "--quantity", "dE/dw5", "--claim", "w5"]
    assert run(capsys, argv)[0] == 1
    assert run(capsys, ["verify", "mazur", "--quantity", "dE/dw5", "--claim", "w5 +"])[0] == 2


@pytest.mark.parametrize("command", ["examples", "evaluate", "graph", "derive"])
def test_stdout_on_a_full_device_is_one_line(command, tmp_path):
    argv = {
        "examples": [],
        "evaluate": ["mazur", "--json"],
        "graph": ["x*y", "--at", "x=2,y=3"],
        "derive": ["mazur", "-o", str(tmp_path), "--format", "md"],
    }[command]
    with open("/dev/full", "w") as full:
        done = subprocess.run(SYMBP + [command, *argv], stdout=full, stderr=subprocess.PIPE)
    err = done.stderr.decode()
    assert done.returncode == 2 and err.count("\n") == 1, err
    assert "standard output" in err and "Traceback" not in err


def test_closed_stdout_is_one_line():
    done = subprocess.run(
        SYMBP + ["examples"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: os.close(1),
    )
    assert done.returncode == 2 and b"standard output is closed" in done.stderr
    assert done.stderr.count(b"\n") == 1


def test_a_closed_pipe_is_not_an_error():
    done = subprocess.run(
        f"{sys.executable} -m symbp evaluate mazur --json | head -c 1",
        shell=True,
        capture_output=True,
    )
    assert done.returncode == 0 and done.stderr == b""


LOCALES = [
    {"LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"},
    {"LC_ALL": "C", "PYTHONIOENCODING": "ascii"},
    {"LC_ALL": "POSIX", "PYTHONIOENCODING": "latin-1"},
]


@pytest.mark.parametrize("env", LOCALES, ids=["C", "ascii", "latin-1"])
@pytest.mark.parametrize(
    "argv,text",
    [
        (["verify", "mazur", "--quantity", "dE/dw5", "--claim", "w5", "--lang", "zh"], "不相等"),
        (["graph", "x*y", "--at", "x=2,y=3"], "×"),
    ],
    ids=["zh", "times"],
)
def test_output_is_utf8_whatever_the_locale(env, argv, text):
    done = shell(argv, env={**os.environ, **env})
    assert done.returncode in (0, 1), done.stderr
    assert text in done.stdout.decode("utf-8") and b"Traceback" not in done.stderr


def test_version_and_help():
    assert shell(["--version"]).stdout.decode().startswith("symbp ")


@pytest.mark.parametrize("command", [c.replace("_", "-") for c in COMMANDS])
def test_every_command_has_a_description_in_its_help(capsys, command):
    with pytest.raises(SystemExit) as exit:
        cli.build_parser().parse_args([command, "--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    description = out.split("\n\n")[1]
    assert len(description) > 40 and not description.startswith(("positional", "options"))


def test_ctrl_c_while_the_package_loads_under_the_symbp_command_is_130_one_line():
    # The console script's argv[0] is .../symbp: an interrupt during `import symbp` (seconds of
    # sympy) gets one line and 130, not a traceback. Sent here right after the import.
    code = (
        "import os, signal, sys; sys.argv = ['/usr/bin/symbp']; import symbp; "
        "os.kill(os.getpid(), signal.SIGINT); import time; time.sleep(5); print('not reached')"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert p.returncode == 130
    assert p.stderr.decode().splitlines() == ["symbp: interrupted; nothing was written"]
    assert b"not reached" not in p.stdout


def test_the_package_leaves_ctrl_c_alone_for_library_users():
    code = (
        "import signal, symbp; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120)
    assert p.stdout.decode().strip() == "True"
