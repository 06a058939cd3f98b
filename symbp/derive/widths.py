"""`check` for every width: the layer rules proved at symbolic widths, tied to the per-parameter
proof on a reduced-width copy of the same stack, then spot-checked at the real width.

What is proved, and how:
1. Symbolically, for every width: each rule is sympy's derivative of the layer's definitions
   with the widths as symbols (layer.py), and its displayed form (delta in the outputs a) is
   proved equal to that raw derivative: outputs replaced by their definitions, sums normalised,
   the difference cancels to 0.
2. The chain rule composes them: C depends on z^l only through z^{l+1} = W^{l+1} a^l + b^{l+1},
   so dC/dz^l is layer l's Jacobian-vector product of g^l = dC/da^l = (W^{l+1})^T delta^{l+1},
   which is exactly BP2; BP1 starts it from the cost, and BP3/BP4 read dC/db, dC/dW off
   delta^l. That argument is not re-proved here; it is checked by 3 and 4.
3. On a copy of the stack with each width cut to at most 3, every rule instantiated with that
   copy's symbols equals the per-unit BP expressions, and each of those is proved equal to
   sympy's direct differentiation of the whole cost (the per-parameter proof).
4. At the real width, sampled parameters' gradients from the rules, in 40-digit mpmath, agree
   with central finite differences of the cost computed from the forward definitions alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import singledispatch

import mpmath
import numpy as np
import sympy as sp

from .. import activations
from ..keys import ParamKey
from ..network import Layer, Network
from . import batch
from . import layer as R
from .tensor import Evaluator

REDUCED_WIDTH = 3
DIGITS = 40
STEP = mpmath.mpf(10) ** -15
TOLERANCE = mpmath.mpf(10) ** -20  # relative to max(1, |gradient|); the step's error is ~1e-30
SAMPLES_PER_KEY = 2


@dataclass(frozen=True)
class Obligation:
    """One statement of the proof, how it was shown, and whether it held."""

    statement: str
    method: str
    ok: bool


# 1. every width ----------------------------------------------------------------------------


def _split_sums(e: sp.Expr) -> sp.Expr:
    """Sums of sums split into sums of terms, constants pulled out, dummies renamed to one."""
    I = sp.Symbol("i_", integer=True, positive=True)

    def split(x: sp.Sum) -> sp.Expr:
        (var, lo, hi) = x.limits[0]
        body = x.function.xreplace({var: I})
        terms = []
        for t in sp.Add.make_args(sp.expand(body)):
            inside = [f for f in sp.Mul.make_args(t) if f.has(I)]
            outside = [f for f in sp.Mul.make_args(t) if not f.has(I)]
            terms.append(sp.Mul(*outside) * sp.Sum(sp.Mul(*inside), (I, lo, hi)))
        return sp.Add(*terms)

    return sp.expand(e.replace(lambda x: isinstance(x, sp.Sum) and len(x.limits) == 1, split))


def _definitions(e: sp.Expr, rule: R.LayerRule) -> sp.Expr:
    """`e` with each output a[s, i] replaced by its definition, a softmax normaliser by S."""
    S = sp.Symbol("S_normaliser", positive=True)
    normaliser = lambda x: (  # noqa: E731
        isinstance(x, sp.Sum) and isinstance(x.function, sp.exp) and x.function.has(R.z)
    )
    e = e.replace(normaliser, lambda x: S)
    return e.replace(
        lambda x: isinstance(x, sp.Indexed) and x.base == R.a,
        lambda x: _output(rule.activation, rule, x, S),
    )


@singledispatch
def _output(activation: activations.Activation, rule: R.LayerRule, a: sp.Indexed, S) -> sp.Expr:
    """The definition of the output `a` = a[s, i]: the layer's a^l_j at j = i."""
    return rule.a.rhs.xreplace({R.j: a.indices[1]})


@_output.register
def _(activation: activations.VectorActivation, rule: R.LayerRule, a: sp.Indexed, S) -> sp.Expr:
    return sp.exp(R.z[a.indices]) / S


def prove_rule(rule: R.LayerRule, l: int) -> Obligation:
    """The displayed delta of layer `l`'s rule equals sympy's raw derivative, for every width."""
    (raw,) = rule.delta.steps
    shown, raw = (_split_sums(_definitions(e, rule)) for e in (rule.delta.rhs, raw))
    diff = sp.cancel(sp.together(shown - raw))
    if rule.identities:
        I = sp.Symbol("i_", integer=True, positive=True)
        diff = sp.cancel(diff.xreplace({sp.Sum(R.y[R.s, I], (I, 1, R.n)): 1}))
    name = "BP1" if rule.output else "BP2"
    return Obligation(
        f"layer {l} ({rule.activation.name}): {name}'s delta is the derivative of the layer's "
        "definitions",
        "symbolic, every width",
        diff == 0,
    )


# 3. reduced width --------------------------------------------------------------------------


def reduced(net: Network) -> Network:
    """The same stack (activations, biases, loss) with each width cut to at most 3."""
    layers = tuple(
        Layer(min(layer.units, REDUCED_WIDTH), layer.activation, layer.bias, layer.alpha)
        for layer in net.layers
    )
    return Network(min(net.inputs, REDUCED_WIDTH), layers, net.loss, net.notation, net.name)


SPECIALS = (activations.NormalCdf, activations.NormalPdf)  # functions derivatives may bring in


def _elementwise(f):
    return lambda *xs: np.frompyfunc(f, len(xs), 1)(*xs)


def _symbolic(env: dict, alpha) -> Evaluator:
    """An evaluator whose arrays hold sympy expressions: the rules instantiated symbolically."""
    functions = {e.cls.__name__: _elementwise(e.cls) for e in activations.REGISTRY.values()}
    functions.update(
        exp=_elementwise(sp.exp), log=_elementwise(sp.log), Heaviside=_elementwise(sp.Heaviside)
    )
    functions.update({f.__name__: _elementwise(f) for f in SPECIALS})
    return Evaluator({**env, R.alpha: alpha}, functions, number=sp.sympify)


def _row(symbols) -> np.ndarray:
    return np.array([list(symbols)], dtype=object)


def prove_instances(small) -> list[Obligation]:
    """Every rule instantiated with the reduced copy's symbols equals its per-unit BP forms."""
    fixed = small.identity_substitution()
    outputs = {a: ad for lf in small.layers for a, ad in zip(lf.a, lf.a_def)}  # a = act(z)

    def same(u, v) -> bool:
        return sp.cancel(sp.expand((sp.sympify(u) - v).xreplace(outputs).xreplace(fixed))) == 0

    out = []
    last = len(small.layers) - 1
    for pos, (rule, lf, lb) in enumerate(zip(small.rules, small.layers, small.backward)):
        env = {R.z: _row(lf.z), R.a: _row(lf.a), R.y: _row(small.targets)}
        if pos < last:
            nxt = small.layers[pos + 1]
            env[R.W_next] = np.array(nxt.weights, dtype=object)
            env[R.delta_next] = _row(small.delta_symbols[pos + 1])
        ev = _symbolic(env, lf.alpha)
        g = ev(rule.upstream.rhs, (R.s, R.j))[0]
        env[R.g] = g.reshape(1, -1)
        delta = _symbolic(env, lf.alpha)(rule.delta.rhs, (R.s, R.j))[0]
        ok = all(same(u, v) for u, v in zip(g, lb.dC_da))
        ok = ok and all(same(u, v) for u, v in zip(delta, lb.delta))
        prev = small.layers[pos - 1].a if pos else small.inputs
        genv = {R.delta: _row(small.delta_symbols[pos]), R.a_prev: _row(prev), R.m: 1}
        gev = _symbolic(genv, lf.alpha)
        grad_w = gev(rule.grad_w.rhs, (R.j, R.k))
        ok = ok and all(
            same(grad_w[j, k], lb.grad_w[j][k]) for j in range(len(lf.z)) for k in range(len(prev))
        )
        if rule.grad_b is not None:
            order = rule.bias_mode.index(R.j)
            grad_b = np.reshape(gev(rule.grad_b.rhs, order), -1)
            ok = ok and all(same(u, v) for u, v in zip(grad_b, lb.grad_b))
        out.append(
            Obligation(
                f"layer {lf.index}: the rules at widths {small.net.sizes} equal the per-unit "
                "BP expressions",
                f"symbolic, widths {'-'.join(map(str, small.net.sizes))}",
                ok,
            )
        )
    return out


# 4. real width -----------------------------------------------------------------------------


def _mp_functions() -> dict:
    def vec(f):
        return np.frompyfunc(f, 1, 1)

    z, alpha = sp.Symbol("z"), sp.Symbol("alpha")
    table = {}
    for entry in activations.REGISTRY.values():
        table.update(_mp_function(entry, z, alpha))
    for special in SPECIALS:
        table[special.__name__] = vec(sp.lambdify([z], special.definition(z), modules="mpmath"))
    table.update(
        exp=vec(mpmath.exp),
        log=vec(mpmath.log),
        Heaviside=np.frompyfunc(lambda v, h0=0: mpmath.mpf(1 if v > 0 else 0), 2, 1),
    )
    return table


@singledispatch
def _mp_function(entry: activations.Activation, z: sp.Symbol, alpha: sp.Symbol) -> dict:
    """The entry's definition in mpmath, by its sympy class name."""
    args = [z, alpha][: 1 + len(entry.params)]
    f = sp.lambdify(args, entry.cls.definition(*args), modules="mpmath")
    return {entry.cls.__name__: np.frompyfunc(f, len(args), 1)}


@_mp_function.register
def _(entry: activations.VectorActivation, z: sp.Symbol, alpha: sp.Symbol) -> dict:
    return {}  # its layer rule is written in exp and a sum, never in its class


def _mp_logsumexp(x, axis):
    top = np.max(x, axis=axis, keepdims=True)
    e = np.frompyfunc(mpmath.exp, 1, 1)(x - top)
    return np.squeeze(top, axis) + np.frompyfunc(mpmath.log, 1, 1)(e.sum(axis=axis))


def _mp(value) -> np.ndarray:
    return np.frompyfunc(mpmath.mpf, 1, 1)(np.asarray(value, dtype=float))


class _MpEvaluator(Evaluator):
    def __init__(self, env: dict, at=None):
        super().__init__(env, _mp_functions(), _mp_logsumexp, _mp_number, at)


def _mp_number(e: sp.Number) -> mpmath.mpf:
    return mpmath.mpf(int(e.p)) / int(e.q) if e.is_Rational else mpmath.mpf(e.evalf(DIGITS))


def _derived_delta(rule: R.LayerRule) -> sp.Expr:
    return rule.delta.rhs


def spot_check(d, seed: int = 0) -> list[Obligation]:
    """Sampled parameters' rule gradients vs central finite differences, 40-digit mpmath."""
    net = d.net
    rng = np.random.default_rng(seed)
    shapes = net.parameter_shapes()
    with mpmath.workdps(DIGITS):
        params = {
            k: _mp(rng.normal(0, 1 / np.sqrt(s[-1] if len(s) == 2 else 1), size=s))
            for k, s in shapes.items()
        }
        X = _mp(rng.uniform(-1, 1, size=(1, net.inputs)))
        Y = _mp(rng.uniform(0.05, 1, size=(1, net.sizes[-1])))
        if net.loss == "cross_entropy":
            Y = Y / Y.sum()  # in 40 digits, so that sum_j y_j = 1 holds to them
        method = (
            f"numeric at widths {'-'.join(map(str, net.sizes))} "
            f"({DIGITS}-digit mpmath, central difference)"
        )
        try:
            one = batch.run(d.rules, net, params, X, Y, _MpEvaluator, _derived_delta)
        except (ValueError, IndexError) as e:
            return [Obligation(f"the rules apply at the real widths ({e})", method, False)]
        out = []
        for key, shape in shapes.items():
            for _ in range(SAMPLES_PER_KEY if shape else 1):
                idx = tuple(int(rng.integers(0, n)) for n in shape)
                where = f"{key}[{']['.join(map(str, idx))}]" if idx else key
                statement = f"dC/d{where} from the rules equals the cost's finite difference"
                try:
                    bp = _rule_entry(d, one, X, key, idx)
                except (ValueError, IndexError):
                    out.append(Obligation(statement, method, False))
                    continue
                fd = _difference(d, one, params, X, Y, key, idx)
                ok = abs(bp - fd) <= TOLERANCE * max(1, abs(bp))
                out.append(Obligation(statement, method, bool(ok)))
    return out


def _rule_entry(d, one: batch.Pass, X, key: ParamKey, idx: tuple) -> mpmath.mpf:
    """One entry of the rule's gradient, the rule evaluated at that index only."""
    pos = key.layer - 1
    rule = d.rules[pos]
    env = {R.delta: one.D[pos], R.a_prev: one.A[pos - 1] if pos else X, R.m: X.shape[0]}
    if key.is_weight:
        at = {R.j: idx[0], R.k: idx[1]}
        return _MpEvaluator(env, at)(rule.grad_w.rhs, (R.j, R.k))[0, 0]
    if idx:
        return _MpEvaluator(env, {R.j: idx[0]})(rule.grad_b.rhs, (R.j,))[0]
    return _MpEvaluator(env)(rule.grad_b.rhs, ())[()]


def _difference(d, one: batch.Pass, params, X, Y, key: ParamKey, idx: tuple) -> mpmath.mpf:
    """(C(p + h) - C(p - h)) / 2h, the forward pass redone from the parameter's layer up."""
    pos = key.layer - 1
    prev = one.A[pos - 1] if pos else X
    dz = np.zeros_like(one.Z[pos])
    dz[...] = mpmath.mpf(0)
    if key.is_weight:
        dz[:, idx[0]] = prev[:, idx[1]]
    elif idx:
        dz[:, idx[0]] = mpmath.mpf(1)
    else:
        dz[...] = mpmath.mpf(1)
    costs = []
    for h in (STEP, -STEP):
        costs.append(_cost_from(d, params, pos, one.Z[pos] + h * dz, Y))
    return (costs[0] - costs[1]) / (2 * STEP)


def _cost_from(d, params, pos: int, Z, Y) -> mpmath.mpf:
    """The batch-mean cost with layer `pos`'s pre-activations Z, the layers above recomputed."""
    net = d.net
    rule, layer = d.rules[pos], net.layers[pos]
    A = _MpEvaluator({R.z: Z, R.alpha: layer.alpha})(rule.a.rhs, (R.s, R.j))
    for l in range(pos + 1, len(d.rules)):
        rule, layer = d.rules[l], net.layers[l]
        env = {R.W: params[ParamKey.weight(l + 1)], R.a_prev: A}
        if rule.bias_mode.per_unit:
            env[R.b] = params[ParamKey.bias(l + 1)]
        elif rule.bias_mode.shared:
            env[R.beta] = np.asarray(params[ParamKey.bias(l + 1)]).reshape(())[()]
        Z = _MpEvaluator(env)(rule.z.rhs, (R.s, R.j))
        A = _MpEvaluator({R.z: Z, R.alpha: layer.alpha})(rule.a.rhs, (R.s, R.j))
    costs = _MpEvaluator({R.z: Z, R.y: Y, R.alpha: layer.alpha})(
        batch.cost_form(d.rules[-1], net.loss), (R.s,)
    )
    return sum(costs) / len(costs)
