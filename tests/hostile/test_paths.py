"""Output paths: every file written lies inside the output folder or is exactly the file an
option names; only regular files are replaced; two outputs never share a path."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from hostile._run import files_under, refused, run

MAZUR = (
    'inputs = 2\nloss = "squared_error"\n{name}\n'
    '[[layers]]\nunits = 2\nactivation = "sigmoid"\n'
    '[[layers]]\nunits = 1\nactivation = "sigmoid"\n'
    "[example]\nx = [0.05, 0.10]\ny = [0.01]\n"
)

# (id, the TOML `name = ...` line): each must land inside the output folder
NAMES = [
    ("parent", 'name = "../escaped"'),
    ("parent-twice", 'name = "../../escaped"'),
    ("absolute", 'name = "/abs/ESCAPED"'),
    ("dot", 'name = "."'),
    ("dotdot", 'name = ".."'),
    ("hidden", 'name = ".hidden"'),
    ("nul", 'name = "a\\u0000b"'),
    ("300-chars", 'name = "' + "n" * 300 + '"'),
    ("slashes", 'name = "a/b/c"'),
    ("backslashes", 'name = "a\\\\..\\\\b"'),
    ("newline", 'name = "two\\nlines"'),
    ("spaces-and-shell", 'name = "$(touch x); rm -rf ~"'),
    ("tilde", 'name = "~/escaped"'),
]


def spec(tmp_path, line: str) -> str:
    path = tmp_path / "net.toml"
    path.write_text(MAZUR.format(name=line), encoding="utf-8")
    return str(path)


def assert_inside(tmp_path, out) -> None:
    """Everything written is under `out`, with a visible, short, NUL-free stem."""
    outside = (
        files_under(tmp_path)
        - {"net.toml", "out"}
        - {os.path.join("out", p) for p in files_under(out)}
    )
    assert outside == set()
    assert not os.path.exists("/abs/ESCAPED.md")
    for name in files_under(out):
        assert not name.startswith("."), name
        assert "\0" not in name and len(name) < 120 and os.sep not in name


@pytest.mark.parametrize("line", [n[1] for n in NAMES], ids=[n[0] for n in NAMES])
def test_a_spec_name_never_leaves_the_derive_folder(tmp_path, capsys, line):
    out = tmp_path / "out"
    code, stdout, err = run(capsys, ["derive", spec(tmp_path, line), "-o", out, "--format", "md"])
    assert code == 0, err
    assert len(stdout.splitlines()) == 1 and os.path.dirname(stdout.strip()) == str(out)
    assert_inside(tmp_path, out)


@pytest.mark.parametrize("line", [n[1] for n in NAMES[:9]], ids=[n[0] for n in NAMES[:9]])
def test_a_spec_name_never_leaves_the_graph_view_folder(tmp_path, capsys, line):
    out = tmp_path / "out"
    argv = ["derive", spec(tmp_path, line), "--view", "graph", "-o", out, "--format", "md"]
    code, _, err = run(capsys, argv)
    assert code == 0, err
    assert_inside(tmp_path, out)


@pytest.mark.parametrize("line", [n[1] for n in NAMES[:9]], ids=[n[0] for n in NAMES[:9]])
def test_a_spec_name_gives_a_module_that_imports(tmp_path, capsys, line):
    target = tmp_path / "m.py"
    code, _, err = run(capsys, ["compile", spec(tmp_path, line), "-o", target])
    assert code == 0, err
    probe = subprocess.run([sys.executable, "-c", f"import runpy; runpy.run_path({str(target)!r})"])
    assert probe.returncode == 0


def test_an_empty_spec_name_is_refused_and_nothing_written(tmp_path, capsys):
    refused(capsys, ["derive", spec(tmp_path, 'name = ""'), "-o", tmp_path / "out"], "name")
    assert files_under(tmp_path) == {"net.toml"}


GRAPH_NAMES = ["../escaped", "/abs/ESCAPED", "", "a\0b", "x" * 300, "..", ".hidden", "a/b"]


@pytest.mark.parametrize("name", GRAPH_NAMES, ids=[f"graph-name-{i}" for i in range(8)])
def test_graph_name_never_leaves_the_folder(tmp_path, capsys, name):
    out = tmp_path / "out"
    argv = ["graph", "x*y", "--at", "x=2,y=3", "-o", out, "--format", "md", "--name", name]
    code, _, err = run(capsys, argv)
    assert code == 0, err
    assert files_under(tmp_path) == {"out"} | {os.path.join("out", p) for p in files_under(out)}
    assert all(not p.startswith(".") and len(p) < 120 for p in files_under(out))


def _fifo(tmp_path):
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


def _null_copy(tmp_path):
    """A character device like /dev/null under another name (needs root to create)."""
    path = tmp_path / "null"
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root")
    return path


NODES = {"fifo": _fifo, "null-copy": _null_copy, "dev-full": lambda tmp_path: "/dev/full"}
WRITERS = {
    "compile-o": lambda t: ["compile", "mazur", "-o", t],
    "train-save": lambda t: ["train", "xor", "--epochs", "1", "--save", t],
    "train-history": lambda t: ["train", "xor", "--epochs", "1", "--history", t],
    "verify-report": lambda t: [
        "verify",
        "mazur",
        "--claims",
        "{claims}",
        "--report",
        t,
    ],
}


@pytest.mark.parametrize("node", list(NODES))
@pytest.mark.parametrize("writer", list(WRITERS))
def test_only_regular_files_are_replaced(tmp_path, capsys, node, writer):
    target = NODES[node](tmp_path)
    claims = tmp_path / "claims.toml"
    claims.write_text('"dE/dw5" = "(out_o1 - target_o1)*out_o1*(1 - out_o1)*out_h1"\n')
    before = os.stat(target)
    argv = [str(a).replace("{claims}", str(claims)) for a in WRITERS[writer](str(target))]
    err = refused(capsys, argv, f"{target}: is a ")
    assert "regular file" in err
    after = os.stat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)


def test_derive_into_a_device_is_refused(tmp_path, capsys):
    refused(capsys, ["derive", "mazur", "-o", "/dev/full"], "/dev/full")


# (id, options given to train, the option named second in the message)
COLLISIONS = [
    ("save-is-history", ["--save", "{t}/a", "--history", "{t}/a"], "--save"),
    ("save-is-plot", ["--save", "{t}/a.png", "--plot", "{t}/a.png"], "--save"),
    ("plot-csv-beside-its-history", ["--plot", "{t}/loss.csv"], "history"),
    ("history-is-plot", ["--history", "{t}/p.png", "--plot", "{t}/p.png"], "--history"),
    ("same-file-two-spellings", ["--save", "{t}/a", "--history", "{t}/./a"], "--save"),
    ("same-file-through-a-link", ["--save", "{t}/a", "--history", "{t}/link"], "--save"),
]


@pytest.mark.parametrize(
    "opts,fragment", [c[1:] for c in COLLISIONS], ids=[c[0] for c in COLLISIONS]
)
def test_two_outputs_never_share_a_path(tmp_path, capsys, opts, fragment):
    pytest.importorskip("matplotlib")
    os.symlink(tmp_path / "a", tmp_path / "link")
    argv = ["train", "xor", "--epochs", "1"] + [o.replace("{t}", str(tmp_path)) for o in opts]
    err = refused(capsys, argv, "named by both")
    assert fragment in err
    assert files_under(tmp_path) == {"link"}


def test_an_unwritable_folder_is_one_line_naming_the_target(tmp_path, capsys, monkeypatch):
    import tempfile

    def read_only(*args, dir=None, **kwargs):
        raise PermissionError(13, "Permission denied", os.path.join(dir, ".symbp-x.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    out = tmp_path / "out"
    err = refused(capsys, ["derive", "mazur", "-o", out, "--format", "tex,md"], str(out / "mazur"))
    assert ".symbp-" not in err and "read-only" in err


def test_a_failing_rename_names_the_target_not_the_temporary(tmp_path, capsys, monkeypatch):
    def full(src, dst):
        raise OSError(28, "No space left on device", src)

    monkeypatch.setattr(os, "replace", full)
    target = tmp_path / "m.py"
    err = refused(capsys, ["compile", "mazur", "-o", target], f"{target}: cannot write")
    assert ".symbp-" not in err
    assert files_under(tmp_path) == set()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_named(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    refused(capsys, ["compile", "mazur", "-o", folder / "m.py"], "read-only")


@pytest.mark.parametrize(
    "argv",
    [
        ["derive", "mazur", "-o", ""],
        ["compile", "mazur", "-o", ""],
        ["train", "xor", "--epochs", "1", "--save", ""],
    ],
    ids=["derive", "compile", "train"],
)
def test_an_empty_output_name_is_refused(tmp_path, capsys, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    refused(capsys, argv, "empty")
    assert files_under(tmp_path) == set()


@pytest.mark.parametrize(
    "argv",
    [
        ["derive", "mazur", "-o", "{t}/afile"],
        ["derive", "mazur", "--view", "graph", "-o", "{t}/afile"],
        ["graph", "x", "--at", "x=1", "-o", "{t}/afile"],
        ["derive", "mazur", "-o", "/dev/full"],
    ],
    ids=["derive", "graph-view", "graph", "device"],
)
def test_an_output_folder_that_is_a_file_is_refused_before_any_work(
    tmp_path, capsys, monkeypatch, argv
):
    import importlib

    def work(*args, **kwargs):
        raise AssertionError("work began before the output folder was checked")

    monkeypatch.setattr(importlib.import_module("symbp.derive"), "derive", work)
    monkeypatch.setattr(importlib.import_module("symbp.graph"), "build", work)
    (tmp_path / "afile").write_text("keep")
    refused(capsys, [a.replace("{t}", str(tmp_path)) for a in argv], "not a folder")
    assert (tmp_path / "afile").read_text() == "keep"
