"""The derivation: sympy expressions for the forward pass, BP1-BP4 and every parameter's chain."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import sympy as sp

from .. import activations, losses
from ..errors import SymbpError
from ..keys import ParamKey
from ..network import Network
from ..notation import Notation
from . import example as _example
from . import proof as _proof
from . import widths as _widths
from .bp import LayerBackward, backward
from .chain import Chain, chains
from .forward import LayerForward, build_layers, expansion
from .general import (
    Equation,
    GeneralForm,
    InstanceProof,
    general_form,
    output_delta,
    prove_instances,
)
from .layer import LayerRule
from .layer import rules as layer_rules

__all__ = ["Derivation", "derive", "CheckReport"]

EAGER_PARAMETERS = 2000  # up to this many, per-unit expressions are built with the derivation
FULL_CHECK_PARAMETERS = 150  # above this many, `check` proves the layer rules for every width


@dataclass
class CheckReport:
    """What `check` showed and how.

    scope "this network": the proof for every parameter, the activation-derivative proofs, and
    BP1-BP4's general index forms instantiated at every layer and compared with the concrete
    expressions. scope "every width": `obligations` (widths.py: the layer rules at symbolic
    widths, instantiated at a reduced copy, and spot-checked at the real width) plus `reduced`,
    the full per-parameter check of the reduced copy.
    """

    parameters: list[_proof.ParameterProof]
    activations: list[activations.DerivativeProof]
    general: list[InstanceProof]
    identities: list[sp.Eq]
    seconds: float
    scope: str = "this network"
    obligations: list[_widths.Obligation] = field(default_factory=list)
    reduced: CheckReport | None = None

    @property
    def ok(self) -> bool:
        parts = (self.parameters, self.activations, self.general, self.obligations)
        own = all(p.ok for part in parts for p in part)
        return own and (self.reduced is None or self.reduced.ok)

    @property
    def failures(self) -> list[_proof.ParameterProof]:
        return [p for p in self.parameters if not p.ok]

    def counts(self) -> dict[str, int]:
        """How many statements each method showed (including the reduced copy's proofs)."""
        out: dict[str, int] = {}
        items = [*self.parameters, *self.activations, *self.obligations]
        for item in items:
            out[item.method] = out.get(item.method, 0) + 1
        if self.general:
            out["general form instantiated"] = len(self.general)
        if self.reduced is not None:
            for method, count in self.reduced.counts().items():
                key = f"{method} (reduced copy)"
                out[key] = out.get(key, 0) + count
        return out


@dataclass(repr=False)
class Derivation:
    """A network's backpropagation as sympy expressions, derived from its layer definitions.

    `rules` holds each layer's BP1-BP4 at symbolic widths (layer.py), built at once; the
    per-unit and per-parameter expressions (`layers`, `backward`, `gradients`, `chains`) are
    built on first use, for networks small enough to show or prove weight by weight.
    """

    net: Network
    names: Notation
    rules: list[LayerRule]
    general: GeneralForm
    output_delta_general: Equation | None = None

    def __repr__(self) -> str:
        acts = "/".join(layer.activation for layer in self.net.layers)
        sizes = "-".join(map(str, self.net.sizes))
        return (
            f"<Derivation {self.net.name}: {sizes}, {acts}, {self.net.loss}, "
            f"{self.parameter_count} parameters>"
        )

    @cached_property
    def inputs(self) -> list[sp.Symbol]:
        return [self.names.x(k) for k in range(1, self.net.inputs + 1)]

    @cached_property
    def targets(self) -> list[sp.Symbol]:
        return [self.names.y(j) for j in range(1, self.net.sizes[-1] + 1)]

    @property
    def cost_symbol(self) -> sp.Symbol:
        return self.names.cost()

    @cached_property
    def layers(self) -> list[LayerForward]:
        return build_layers(self.net, self.names)

    @cached_property
    def cost(self) -> sp.Expr:
        return self.loss.cost(self.layers[-1].a, self.targets)

    @cached_property
    def delta_symbols(self) -> list[list[sp.Symbol]]:
        return [
            [self.names.delta(lf.index, j) for j in range(1, len(lf.z) + 1)] for lf in self.layers
        ]

    @cached_property
    def backward(self) -> list[LayerBackward]:
        return backward(
            self.layers, self.cost, self.targets, self.loss, self.delta_symbols, self.inputs
        )

    @cached_property
    def _per_parameter(self) -> tuple[dict, dict]:
        gradients: dict[sp.Symbol, sp.Expr] = {}
        index: dict[sp.Symbol, tuple[ParamKey, tuple[int, ...]]] = {}
        for lf, lb in zip(self.layers, self.backward):
            for j, row in enumerate(lf.weights):
                for k, w in enumerate(row):
                    gradients[w] = lb.grad_w[j][k]
                    index[w] = (ParamKey.weight(lf.index), (j, k))
            for j, b in enumerate(lf.biases):
                gradients[b] = lb.grad_b[j]
                index[b] = (ParamKey.bias(lf.index), lf.bias_mode.index(j))
        return gradients, index

    @property
    def gradients(self) -> dict[sp.Symbol, sp.Expr]:
        """Each parameter's BP gradient in intermediate symbols (built on first use)."""
        return self._per_parameter[0]

    @property
    def param_index(self) -> dict[sp.Symbol, tuple[str, tuple[int, ...]]]:
        """Each parameter symbol's key and index in `[example.params]`."""
        return self._per_parameter[1]

    @cached_property
    def chains(self) -> dict[sp.Symbol, Chain]:
        return chains(self.cost_symbol, self.layers, self.backward, self.inputs)

    @property
    def parameter_count(self) -> int:
        return sum(int(np.prod(shape)) for shape in self.net.parameter_shapes().values())

    @property
    def loss(self) -> losses.Loss:
        return losses.get(self.net.loss)

    @property
    def params(self) -> list[sp.Symbol]:
        return list(self.gradients)

    @property
    def identities(self) -> list[sp.Eq]:
        return [i for lb in self.backward for i in lb.identities]

    @cached_property
    def forward_expansion(self) -> dict[sp.Symbol, sp.Expr]:
        return expansion(self.layers)

    @cached_property
    def full(self) -> dict[sp.Symbol, sp.Expr]:
        """Every intermediate symbol (z, a, delta) in terms of inputs, targets and parameters."""
        full = dict(self.forward_expansion)
        for ds, lb in reversed(list(zip(self.delta_symbols, self.backward))):
            full.update((s, e.xreplace(full)) for s, e in zip(ds, lb.delta))
        return full

    def expand(self, expr: sp.Expr) -> sp.Expr:
        """`expr` with every intermediate symbol replaced by its expression in the parameters."""
        return expr.xreplace(self.full)

    @cached_property
    def logit_cost(self) -> sp.Expr:
        """The cost in the output pre-activations z^L, with log(sigmoid), log(1 - sigmoid) and
        log(softmax) written through softplus and log-sum-exp: finite for any z."""
        out = self.layers[-1]
        return activations.logit_form(self.cost.xreplace(dict(zip(out.a, out.a_def))))

    @cached_property
    def expanded_cost(self) -> sp.Expr:
        return self.expand(self.cost)

    def direct_gradient(self, param: sp.Symbol) -> sp.Expr:
        """sympy's own derivative of the fully expanded cost with respect to `param`."""
        return sp.diff(self.expanded_cost, param)

    @cached_property
    def representative(self) -> Derivation:
        """The derivation whose per-unit forms stand for this one's: itself when small, else
        that of the same stack at widths of at most 3 (whose rules are this one's)."""
        if self.parameter_count <= EAGER_PARAMETERS:
            return self
        return derive(_widths.reduced(self.net))

    @property
    def checks_every_width(self) -> bool:
        """Whether `check` proves the layer rules for every width (the per-parameter proof of
        this network itself would be too costly)."""
        return self.parameter_count > FULL_CHECK_PARAMETERS

    def estimated_check_seconds(self) -> float:
        """A rough, deliberately pessimistic estimate of `check()` on this machine class.

        Per-parameter proof, calibrated on 2 cores: parameters x nodes of the expanded cost x
        1.3e-4 s (2-8-8-2: 114 x 1511 nodes, estimate 22 s, measured 12 s). Every width: the
        reduced copy's estimate, plus 2e-5 s per parameter for the mpmath spot check.
        """
        if self.checks_every_width:
            small = derive(_widths.reduced(self.net))
            return small.estimated_check_seconds() + 2e-5 * self.parameter_count
        nodes = sum(1 for _ in sp.preorder_traversal(self.expanded_cost))
        return 1.3e-4 * len(self.gradients) * nodes

    def identity_substitution(self) -> dict[sp.Symbol, sp.Expr]:
        """The identities the derivation may use, as substitutions (y_n = 1 - sum of the rest)."""
        if self.loss.targets_sum_to_one and self.identities:
            return {self.targets[-1]: 1 - sp.Add(*self.targets[:-1])}
        return {}

    def check(self, progress: Callable[[int, int, sp.Symbol], None] | None = None) -> CheckReport:
        """Prove BP equal to direct differentiation of the cost: for every parameter of this
        network, or (large networks) for every width, as widths.py describes."""
        start = time.perf_counter()
        rules = [_widths.prove_rule(r, l) for l, r in enumerate(self.rules, start=1)]
        if not self.checks_every_width:
            report = self._check_parameters(progress)
            report.obligations = rules + _widths.prove_instances(self)
            report.seconds = time.perf_counter() - start
            return report
        small = derive(_widths.reduced(self.net))
        obligations = rules + _widths.prove_instances(small)
        reduced = small._check_parameters(progress)
        obligations += _widths.spot_check(self)
        identities = list(dict.fromkeys(i for r in self.rules for i in r.identities))
        seconds = time.perf_counter() - start
        return CheckReport([], [], [], identities, seconds, "every width", obligations, reduced)

    def _check_parameters(self, progress) -> CheckReport:
        """The per-parameter proof, the activation derivatives and the general forms."""
        start = time.perf_counter()
        fixed = self.identity_substitution()
        results = []
        for n, (p, g) in enumerate(self.gradients.items()):
            if progress:
                progress(n, len(self.gradients), p)
            results.append(_proof.prove(self.direct_gradient(p), self.expand(g), fixed, p, n))
        used = {a.activation.name for a in self.layers}
        acts = [activations.prove_derivative(activations.get(name)) for name in sorted(used)]
        general = prove_instances(self)
        seconds = time.perf_counter() - start
        return CheckReport(results, acts, general, self.identities, seconds)

    def evaluate(self, example=None) -> _example.WorkedExample:
        """The worked example's numbers (the spec's example unless one is given)."""
        example = example or self.net.example
        if example is None:
            raise SymbpError(f"the spec {self.net.name!r} has no [example] table")
        return _example.run(self, example)


def derive(net: Network) -> Derivation:
    """Derive each layer's BP1-BP4 at symbolic widths; per-unit forms follow on demand."""
    loss = losses.get(net.loss)
    last = activations.get(net.layers[-1].activation)
    d = Derivation(
        net=net,
        names=Notation(net.notation, net.sizes, net.bias_modes),
        rules=layer_rules(net),
        general=general_form(loss),
        output_delta_general=output_delta(loss, last),
    )
    if d.parameter_count <= EAGER_PARAMETERS:
        # Small networks get every per-unit symbol now, so `names.names()` lists them all.
        d.inputs, d.layers, d.targets, d.delta_symbols, d.backward
        d.cost_symbol, d.chains
    return d
