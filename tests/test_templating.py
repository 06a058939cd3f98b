"""One environment for every document: one dialect, the user's template folder first (with the
defaults under `default/`), and a broken user template as a clean error."""

from __future__ import annotations

import pytest

from symbp import templating
from symbp.cli import main
from symbp.errors import SymbpError

APPLES = ["(apple*n + orange*m)*tax", "--at", "apple=100,n=2,orange=150,m=3,tax=1.1"]


def test_every_shipped_template_is_in_the_one_dialect():
    env = templating.environment()
    names = env.list_templates(filter_func=lambda n: n.endswith(".jinja2"))
    names = [n for n in names if not n.startswith("default/")]
    assert "numpy/module.py.jinja2" in names and "verify/en/report.md.jinja2" in names
    for name in names:
        text = (templating.template_root() / name).read_text(encoding="utf-8")
        env.parse(text)
        assert "{{" not in text and "{%" not in text, name


def test_user_folder_comes_first_and_defaults_stay_reachable(tmp_path):
    (tmp_path / "numpy").mkdir()
    (tmp_path / "numpy" / "module.py.jinja2").write_text("MINE\n")
    env = templating.environment(tmp_path)
    assert env.get_template("numpy/module.py.jinja2").render() == "MINE\n"
    source, _, _ = env.loader.get_source(env, "default/numpy/module.py.jinja2")
    assert "def forward" in source


def test_graph_documents_come_from_the_user_folder(tmp_path, capsys):
    default, mine = tmp_path / "default", tmp_path / "mine"
    assert main(["graph", *APPLES, "-o", str(default), "--format", "md"]) == 0
    (tmp_path / "t" / "graph").mkdir(parents=True)
    (tmp_path / "t" / "graph" / "graph.md.jinja2").write_text(
        'MY GRAPH << value >>\n<% include "default/graph/graph.md.jinja2" %>'
    )
    argv = ["graph", *APPLES, "-o", str(mine), "--format", "md", "--templates", str(tmp_path / "t")]
    assert main(argv) == 0
    want = "MY GRAPH 715\n" + (default / "graph.md").read_text(encoding="utf-8")
    assert (mine / "graph.md").read_text(encoding="utf-8") == want
    capsys.readouterr()


def test_layer_view_comes_from_the_user_folder(tmp_path):
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "layers.md.jinja2").write_text("LAYERS OF << net.name >>\n")
    out = tmp_path / "out"
    argv = ["derive", "mazur", "--view", "graph", "--format", "md", "-o", str(out)]
    assert main([*argv, "--templates", str(tmp_path)]) == 0
    assert (out / "mazur.graph.md").read_text(encoding="utf-8") == "LAYERS OF mazur\n"


def test_broken_user_graph_template_exits_2_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "graph").mkdir()
    (tmp_path / "graph" / "graph.tex.jinja2").write_text("<% for %>")
    out = tmp_path / "out"
    argv = ["graph", *APPLES, "-o", str(out), "--format", "tex", "--templates", str(tmp_path)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "graph.tex.jinja2:1: template error" in err and "Traceback" not in err
    assert not out.exists()


def test_a_template_folder_that_is_not_a_folder_is_refused(tmp_path):
    with pytest.raises(SymbpError, match="not a directory"):
        templating.environment(tmp_path / "nope")


def test_verify_report_extends_the_default_from_the_user_folder(tmp_path, capsys):
    claim = "(out_o1 - target_o1)*out_o1*(1 - out_o1)*out_h1"
    argv = ["verify", "mazur", "--quantity", "dE/dw5", "--claim", claim]
    assert main(argv) == 0
    default = capsys.readouterr().out
    (tmp_path / "verify" / "en").mkdir(parents=True)
    (tmp_path / "verify" / "en" / "report.txt.jinja2").write_text(
        'MY REPORT\n<% include "default/verify/en/report.txt.jinja2" %>'
    )
    assert main([*argv, "--templates", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "MY REPORT\n" + default


def test_compiled_module_extends_the_default_from_the_user_folder(tmp_path, capsys):
    (tmp_path / "numpy").mkdir()
    (tmp_path / "numpy" / "module.py.jinja2").write_text(
        '# MY MODULE\n<% include "default/numpy/module.py.jinja2" %>'
    )
    assert main(["compile", "logistic", "--templates", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert main(["compile", "logistic"]) == 0
    assert out == "# MY MODULE\n" + capsys.readouterr().out
