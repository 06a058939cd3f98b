"""Evaluate an index-form expression (layer.py's rules) on arrays, one axis per free index.

Indexed quantities are arrays whose axes follow their indices (W[q, j]: axis 0 is q); a sum over
an index is a contraction (einsum), functions apply elementwise. The expression is the derived
one, walked node by node; nothing is generated as text.
"""

from __future__ import annotations

import string

import numpy as np
import sympy as sp

from ..activations import ActivationBase, numeric_namespace
from ..kernels import _log_softmax


class Tensor:
    """An array and the index symbol of each of its axes."""

    def __init__(self, value, indices: tuple[sp.Symbol, ...]):
        self.value, self.indices = value, indices

    def aligned(self, order: tuple[sp.Symbol, ...]):
        """The array with axes in `order`, size-1 axes for indices it lacks."""
        v = np.asarray(self.value)
        if not self.indices:
            return v
        perm = [self.indices.index(i) for i in order if i in self.indices]
        v = np.transpose(v, perm)
        shape = []
        it = iter(v.shape)
        for i in order:
            shape.append(next(it) if i in self.indices else 1)
        return v.reshape(shape)


class Evaluator:
    """Values of index expressions given `env` (IndexedBase or Symbol -> array or number).

    `functions` maps sympy function class names to elementwise callables (NumPy by default);
    `logsumexp(x, axis)` evaluates log(sum(exp(x))) along an axis without overflow, and
    `log_softmax(x)` x - logsumexp(x) along the last axis (by default through logsumexp; NumPy's
    keeps a confident sample's digits); `at` pins free indices to one position each (one entry
    of a gradient, without the whole matrix).
    """

    def __init__(
        self,
        env: dict,
        functions: dict | None = None,
        logsumexp=None,
        number=float,
        at=None,
        log_softmax=None,
    ):
        self.env = env
        self.at = at or {}  # free index -> the one position to evaluate it at
        self.functions = functions or {**numeric_namespace(), "exp": np.exp, "log": np.log}
        self.logsumexp = logsumexp or _np_logsumexp
        if log_softmax is None:
            log_softmax = _log_softmax if logsumexp is None else self._through_logsumexp
        self.log_softmax = log_softmax
        self.number = number

    def _through_logsumexp(self, x):
        return x - np.expand_dims(self.logsumexp(x, -1), -1)

    def __call__(self, e: sp.Expr, order: tuple[sp.Symbol, ...]):
        """The value of `e` with axes in `order` (its free indices)."""
        return self.tensor(e).aligned(order)

    def tensor(self, e: sp.Expr) -> Tensor:
        if isinstance(e, sp.Indexed):
            if len(set(e.indices)) != len(e.indices) or not all(i.is_Symbol for i in e.indices):
                raise ValueError(f"cannot evaluate {e}: indices must be distinct symbols")
            value = self.env[e.base]
            for axis, i in enumerate(e.indices):
                if i in self.at:
                    value = np.take(np.asarray(value), [self.at[i]], axis=axis)
            return Tensor(value, tuple(e.indices))
        if e.is_Symbol:
            return Tensor(self.env[e], ())
        if e.is_Number:
            return Tensor(self.number(e), ())
        if isinstance(e, sp.Sum):
            return self._sum(e)
        if e.is_Mul and _softmax_factors(e):
            return self._softmax(e)
        if e.is_Add and _log_softmax_parts(e):
            return self._log_softmax(*_log_softmax_parts(e))
        if e.is_Add or e.is_Mul:
            parts = [self.tensor(t) for t in e.args]
            order = _union(parts)
            values = [t.aligned(order) for t in parts]
            out = values[0]
            for v in values[1:]:
                out = out + v if e.is_Add else out * v
            return Tensor(out, order)
        if e.is_Pow:
            base, exp = self.tensor(e.base), self.tensor(e.exp)
            order = _union([base, exp])
            return Tensor(base.aligned(order) ** exp.aligned(order), order)
        if isinstance(e, sp.log) and isinstance(e.args[0], sp.Sum):
            inner = e.args[0]
            if len(inner.limits) == 1 and isinstance(inner.function, sp.exp):
                x = self.tensor(inner.function.args[0])
                var = inner.limits[0][0]
                rest = tuple(i for i in x.indices if i != var)
                return Tensor(self.logsumexp(x.aligned((*rest, var)), -1), rest)
        if isinstance(e, (ActivationBase, sp.Function)):
            args = [self.tensor(x) for x in e.args]
            order = _union(args)
            f = self.functions[type(e).__name__]
            return Tensor(f(*[x.aligned(order) for x in args]), order)
        raise ValueError(f"cannot evaluate {type(e).__name__} on arrays")

    def _softmax(self, e: sp.Mul) -> Tensor:
        """exp(x) / sum_q exp(u_q) as exp(x - log sum_q exp(u_q)): the same number, no overflow."""
        num, den = _softmax_factors(e)
        rest = [f for f in e.args if f not in (num, den)]
        lse = sp.log(den.base)
        parts = [self.tensor(num.args[0]), self.tensor(lse)]
        order = _union(parts)
        shifted = parts[0].aligned(order) - parts[1].aligned(order)
        value = Tensor(self.functions["exp"](shifted), order)
        if not rest:
            return value
        other = self.tensor(sp.Mul(*rest))
        order = _union([value, other])
        return Tensor(value.aligned(order) * other.aligned(order), order)

    def _log_softmax(self, u: sp.Expr, q: sp.Symbol, i: sp.Symbol) -> Tensor:
        """u_i - log sum_q exp(u_q) through `log_softmax` over the axis of q, then named i."""
        t = self.tensor(u)
        rest = tuple(x for x in t.indices if x != q)
        value = self.log_softmax(t.aligned((*rest, q)))
        if i in self.at:
            value = np.take(value, [self.at[i]], axis=-1)
        return Tensor(value, (*rest, i))

    def _sum(self, e: sp.Sum) -> Tensor:
        summed = [lim[0] for lim in e.limits]
        factors = sp.Mul.make_args(e.function)
        parts = [self.tensor(f) for f in factors]
        order = _union(parts)
        keep = tuple(i for i in order if i not in summed)
        letters = dict(zip(order, string.ascii_letters))
        spec = ",".join("".join(letters[i] for i in t.indices) for t in parts)
        spec += "->" + "".join(letters[i] for i in keep)
        values = [np.asarray(t.value) for t in parts]
        out = np.einsum(spec, *values, optimize=len(values) > 2)
        for i in summed:
            if i not in order:
                raise ValueError(f"cannot evaluate {e}: the summand does not use {i}")
        return Tensor(out, keep)


def _softmax_factors(e: sp.Mul):
    """The factors exp(x) and (sum_q exp(u_q))**-1 of `e`, or None."""
    num = next((f for f in e.args if isinstance(f, sp.exp)), None)
    den = next(
        (
            f
            for f in e.args
            if f.is_Pow
            and f.exp == -1
            and isinstance(f.base, sp.Sum)
            and isinstance(f.base.function, sp.exp)
        ),
        None,
    )
    return (num, den) if num is not None and den is not None else None


def _log_softmax_parts(e: sp.Add):
    """(u, q, i) when `e` is u_i - log(sum_q exp(u_q)) (u written in q, i an index), or None."""
    if len(e.args) != 2:
        return None
    for lse, x in (e.args, e.args[::-1]):
        inner = (-lse).args[0] if isinstance(-lse, sp.log) else None
        if not isinstance(inner, sp.Sum) or len(inner.limits) != 1:
            continue
        if not isinstance(inner.function, sp.exp):
            continue
        q, u = inner.limits[0][0], inner.function.args[0]
        if not u.has(q):
            continue
        for i in sorted(x.free_symbols - u.free_symbols, key=str):
            if u.xreplace({q: i}) == x:
                return u, q, i
    return None


def _union(parts: list[Tensor]) -> tuple[sp.Symbol, ...]:
    order: list[sp.Symbol] = []
    for t in parts:
        order += [i for i in t.indices if i not in order]
    return tuple(order)


def _np_logsumexp(x, axis):
    top = np.max(x, axis=axis, keepdims=True)
    return np.squeeze(top, axis) + np.log(np.exp(x - top).sum(axis=axis))
