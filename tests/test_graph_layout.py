"""Graph drawings: distinct places, parallel edges bent apart, edges clear of other nodes."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st
from test_graph import expressions

from symbp.graph import build, parse_at
from symbp.graph.document import documents
from symbp.graph.layout import RADIUS, layout
from symbp.render import tex

AT = {"x": parse_at("x=0.3")["x"], "y": parse_at("y=-1.2")["y"], "z": parse_at("z=2")["z"]}


@settings(max_examples=40, deadline=None)
@given(expressions())
def test_no_two_nodes_are_drawn_at_the_same_place(text):
    drawing = layout(build(text, AT))
    places = [(round(p.x), round(p.y)) for p in drawing.places]
    assert len(places) == len(set(places))


def test_the_two_edges_of_x_times_x_bend_apart():
    drawing = layout(build("x*x", parse_at("x=3")))
    first, second = [e for e in drawing.edges if e.target]
    assert first.bent and second.bent
    assert math.hypot(first.mx - second.mx, first.my - second.my) > 30  # room for two labels


def test_an_edge_passing_a_node_bends_around_it():
    # x_1 feeds the product and the difference; the straight edge to the difference would cross
    # the product's circle
    g = build("x_1*w_2 - x_1", parse_at("x_1=2,w_2=3"))
    drawing = layout(g)
    product = next(p for p in drawing.places if p.label == "×")
    detour = next(e for e in drawing.edges if e.source == 1 and e.target == 4)
    mid = (detour.x1 + detour.x2) / 4 + detour.cx / 2, (detour.y1 + detour.y2) / 4 + detour.cy / 2
    assert math.hypot(mid[0] - product.x, mid[1] - product.y) > RADIUS


def test_svg_drawing_is_well_formed_xml():
    g = build("1/(1 + exp(-(w0*x0 + w1*x1 + w2)))", parse_at("w0=2,x0=-1,w1=-3,x1=-2,w2=-3"))
    svg = documents(g, ["md"], "en", tex)["graph.svg"]
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "1/x" in texts and "exp" in texts and "0.7311" in texts


@settings(max_examples=20, deadline=None)
@given(st.sampled_from(["md", "tex"]), expressions())
def test_every_expression_renders_its_documents(fmt, text):
    out = documents(build(text, AT), [fmt], "zh", tex)
    assert f"graph.zh.{fmt}" in out
