"""The JAX kernels, written like `symbp.kernels` with jax.numpy; each is pure and jit-able."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import jax.numpy
    import jax.scipy.special


def _exp_or_zero(d):
    """exp(d) for d <= 0, taken as exactly 0 below exp(-600) so no subnormal numbers arise."""
    return jax.numpy.exp(jax.numpy.maximum(d, -600.0)) * (d > -600.0)


def _sigmoid(z):
    """1 / (1 + exp(-z)) through e = exp(-|z|) <= 1: full relative accuracy, never overflows."""
    e = _exp_or_zero(-jax.numpy.abs(z))
    return jax.numpy.where(z >= 0, 1.0, e) / (1.0 + e)


def _sigmoid_prime(z):
    """sigma'(z) = sigma(z) sigma(-z) = e / (1 + e)^2 with e = exp(-|z|) <= 1, from z: full
    relative accuracy for any z."""
    e = _exp_or_zero(-jax.numpy.abs(z))
    return e / (1.0 + e) ** 2


def _sigmoid_minus(z, y):
    """sigma(z) - y, through 1 - sigma(z) = sigma(-z) for z >= 0."""
    return jax.numpy.where(z >= 0, (1.0 - y) - _sigmoid(-z), _sigmoid(z) - y)


def _tanh(z):
    """tanh(z)."""
    return jax.numpy.tanh(z)


def _tanh_prime(z):
    """tanh'(z) = sech(z)^2 = 4 e / (1 + e)^2 with e = exp(-2|z|) <= 1, from z."""
    e = _exp_or_zero(-2.0 * jax.numpy.abs(z))
    return 4.0 * e / (1.0 + e) ** 2


def _relu(z):
    """max(z, 0)."""
    return jax.numpy.maximum(z, 0.0)


def _leaky_relu(z, alpha):
    """z for z > 0, alpha z otherwise."""
    return jax.numpy.where(z > 0, z, alpha * z)


def _elu(z, alpha):
    """z for z > 0, alpha (exp(z) - 1) otherwise (expm1 of min(z, 0): no overflow)."""
    return jax.numpy.where(z > 0, z, alpha * jax.numpy.expm1(jax.numpy.minimum(z, 0.0)))


def _elu_prime(z, alpha):
    """ELU'(z): 1 for z > 0, alpha exp(z) otherwise, from z."""
    return jax.numpy.where(z > 0, 1.0, alpha * _exp_or_zero(jax.numpy.minimum(z, 0.0)))


def _normal_cdf(z):
    """Phi(z) = erfc(-z / sqrt 2) / 2: erfc keeps full relative accuracy for z < 0."""
    return 0.5 * jax.scipy.special.erfc(-z * 0.7071067811865476)


def _normal_pdf(z):
    """phi(z) = exp(-z^2 / 2) / sqrt(2 pi)."""
    return 0.3989422804014327 * _exp_or_zero(-0.5 * z * z)


def _gelu(z):
    """z Phi(z), the exact GELU."""
    return z * _normal_cdf(z)


def _softplus(z):
    """log(1 + exp(z)) computed as max(z, 0) + log(1 + exp(-|z|)), which never overflows."""
    return jax.numpy.maximum(z, 0.0) + jax.numpy.log1p(_exp_or_zero(-jax.numpy.abs(z)))


def _softmax(z):
    """Softmax over the last axis, after subtracting its maximum (no overflow)."""
    e = _exp_or_zero(z - jax.numpy.max(z, axis=-1, keepdims=True))
    return e / jax.numpy.sum(e, axis=-1, keepdims=True)


def _log_softmax(z):
    """log softmax over the last axis as (z - top) - log1p(the other terms), top its maximum."""
    shifted = z - jax.numpy.max(z, axis=-1, keepdims=True)
    ties = jax.numpy.sum(shifted == 0, axis=-1, keepdims=True) - 1.0
    others = jax.numpy.sum(_exp_or_zero(shifted) * (shifted < 0), axis=-1, keepdims=True)
    return shifted - jax.numpy.log1p(others + ties)


def _softmax_minus(z, y):
    """softmax(z) - y over the last axis; an output above 1/2 as (1 - y) - the other outputs."""
    shifted = z - jax.numpy.max(z, axis=-1, keepdims=True)
    e = _exp_or_zero(shifted)
    total = jax.numpy.sum(e, axis=-1, keepdims=True)
    others = jax.numpy.sum(e * (shifted < 0), axis=-1, keepdims=True) / total
    a = e / total
    return jax.numpy.where(a > 0.5, (1.0 - y) - others, a - y)


def _softmax_jvp(a, g):
    """a (g - sum(a g)) over the last axis, as a (d - sum(a d)) with d = g - g_t, t the top."""
    top = jax.numpy.take_along_axis(g, jax.numpy.argmax(a, axis=-1)[..., None], axis=-1)
    d = g - top
    return a * (d - jax.numpy.sum(a * d, axis=-1, keepdims=True))
