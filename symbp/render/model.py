"""The data model the derivation templates read: typed, finished values (sympy expressions,
numbers, strings), never the derivation or the network themselves."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..derive.general import Equation, GeneralForm
from ..keys import BiasMode


@dataclass
class Line:
    """lhs = parts[0] = parts[1] = ...; each part an expression, an `At`, or a number."""

    lhs: object
    parts: list = field(default_factory=list)


@dataclass(frozen=True)
class Summary:
    """What the text says about the network as a whole."""

    name: str
    description: str
    inputs: int
    batch: bool  # the example has more than one sample
    mazur: bool = False  # Mazur's notation: the document follows his post (seeds/002)


@dataclass(frozen=True)
class LayerEquations:
    """One layer's forward equations: z_j = z_def[j], a_j = a_def[j]."""

    z: list
    a: list
    z_def: list
    a_def: list
    activation: str
    bias_mode: BiasMode


@dataclass(frozen=True)
class VectorForms:
    """BP1-BP4 as sympy matrix expressions (lhs, rhs), their LaTeX names and their symbols by
    name (for substituting a concrete network's vectors and matrices)."""

    names: dict
    symbols: dict
    grad: sp.MatrixSymbol
    bp1: tuple
    bp2: tuple
    bp3: tuple
    bp4: tuple


@dataclass(frozen=True)
class Node:
    id: str
    x: float
    y: float
    label: sp.Symbol
    kind: str  # "input", "unit" or "bias"
    bias: sp.Symbol | None  # a per-unit bias, written beside its unit


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    label: sp.Symbol | None  # a weight; None for a shared bias's arrow
    pos: float | None  # where along the arrow the label sits


@dataclass(frozen=True)
class Diagram:
    """Node positions (cm) and labelled edges of the network drawing."""

    nodes: list[Node]
    edges: list[Edge]
    dense: bool = False  # too many weights to label every arrow where labels cannot fan out


@dataclass(frozen=True)
class ActivationSteps:
    """f(z) = definition, and the steps from sympy's derivative to the textbook one."""

    name: str
    proof: object
    definition: Line
    lines: list[Line]
    elementwise: bool
    heaviside: bool


@dataclass(frozen=True)
class LayerBackward:
    """One layer's backward pass, unit by unit."""

    index: int
    output: bool
    activation: str
    jacobian: list[Line]
    jacobian_matrix: Line | None
    dC_da: list[Line]
    deltas: list[Line]
    identities: list
    grads_w: list[Line]
    grads_b: list[Line]
    bias_mode: BiasMode


@dataclass(frozen=True)
class Chain:
    """The chain rule for one parameter: its factors and their product."""

    param: sp.Symbol
    symbols: object
    factors: list[Line]
    product: Line
    per_output: bool = False  # dC/da is written as the sum over the cost's per-output terms


@dataclass(frozen=True)
class Update:
    """One trained parameter's SGD step: its line, and its row of the update table."""

    line: Line
    row: tuple  # (parameter, value, gradient, updated value)


@dataclass(frozen=True)
class DeadUnit:
    """A unit whose activation derivative is 0 at every sample: its delta is 0, and so are the
    gradients of its incoming weights and bias (`params`); `largest_z` is its largest z."""

    z: sp.Symbol
    largest_z: float
    params: list


@dataclass(frozen=True)
class WorkedLayer:
    """The worked example's backward pass through one layer, in Mazur's order: the chain rule for
    one of its weights, its errors, its gradients (with its dead units) and its parameters' step.
    `later` are the weights of the layer above, whose original values its errors use."""

    index: int
    output: bool
    chain: Chain | None
    deltas: list
    gradients: list[Line]
    updates: list[Update]
    products: bool  # each error is shown as the product of its two factors' numbers
    dead: list[DeadUnit] = field(default_factory=list)
    later: list = field(default_factory=list)
    jacobians: list[Line] = field(default_factory=list)  # da/dz at each sample (softmax)


@dataclass(frozen=True)
class Worked:
    """Every number of the worked example: one forward pass, backward pass and SGD step. One
    sample gives `Line`s with the numbers substituted; a batch gives (symbol, values) rows."""

    m: int
    single: bool
    learning_rate: float
    train_bias: bool
    params: list[Line]
    inputs: list
    layers: list[list]
    cost_terms: list
    cost: object
    loss: float
    backward: list[WorkedLayer]  # output layer first
    frozen: list[Line]  # parameters the example does not train
    update_table: bool  # many parameters: one table row each instead of three lines each
    rule: Line
    loss_after: float  # the cost at the updated parameters


@dataclass(frozen=True)
class Trained:
    """The example after `steps` gradient steps by symbp's compiled trainer."""

    steps: int
    loss: float
    outputs: list[float]


@dataclass(frozen=True)
class Document:
    """Everything a derivation template receives."""

    lang: str
    net: Summary
    layers: list[LayerEquations]
    cost: Line
    loss: str
    vector: VectorForms
    diagram: Diagram
    general: GeneralForm
    delta_def: Line
    output_delta: Equation
    elementwise_output: bool
    output_rule: Equation | None  # a non-elementwise output layer's BP1 (its layer rule)
    hidden_elementwise: bool  # there are hidden layers, all of them elementwise (BP2 is shown)
    hidden_layers: int  # none: BP2 has no use and is not shown
    activations: list[ActivationSteps]
    identity_used: bool
    backward: list[LayerBackward]
    chains: list[Chain]
    worked: Worked | None
    eta: sp.Symbol
    parameters: int
    key: list[tuple] = field(default_factory=list)  # (general symbol, this notation's symbol)
    trained: Trained | None = None
    compact: object = None  # compact.Compact for a large network, whose blocks replace the above
