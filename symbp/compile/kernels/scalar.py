"""The scalar kernels: `symbp.kernels` for one Python float at a time, with the math module.

The straight-line code of small networks calls these on single numbers, where a NumPy call
would cost a microsecond. Each keeps its NumPy twin's numerics (exp of a non-positive number
only, so math.exp never overflows), and the vector activations take the layer's
pre-activations as arguments after the index k of the output they return. Comparisons are
with float literals (Python compares two floats faster than a float and an int).
"""

from __future__ import annotations

import math


def _scalar_sigmoid(z):
    """1 / (1 + exp(-z)) through e = exp(-|z|) <= 1: full relative accuracy, never overflows."""
    e = math.exp(-abs(z))
    return (1.0 if z >= 0.0 else e) / (1.0 + e)


def _scalar_tanh(z):
    """tanh(z)."""
    return math.tanh(z)


def _scalar_relu(z):
    """max(z, 0)."""
    return z if z > 0.0 else 0.0


def _scalar_leaky_relu(z, alpha):
    """z for z > 0, alpha z otherwise."""
    return z if z > 0.0 else alpha * z


def _scalar_elu(z, alpha):
    """z for z > 0, alpha (exp(z) - 1) otherwise."""
    return z if z > 0.0 else alpha * math.expm1(z)


def _scalar_normal_cdf(z):
    """Phi(z) = erfc(-z / sqrt 2) / 2: erfc keeps full relative accuracy for z < 0."""
    return 0.5 * math.erfc(-z * 0.7071067811865476)


def _scalar_normal_pdf(z):
    """phi(z) = exp(-z^2 / 2) / sqrt(2 pi)."""
    return 0.3989422804014327 * math.exp(-0.5 * z * z)


def _scalar_gelu(z):
    """z Phi(z), the exact GELU."""
    return z * _scalar_normal_cdf(z)


def _scalar_softplus(z):
    """log(1 + exp(z)) computed as max(z, 0) + log(1 + exp(-|z|)), which never overflows."""
    return (z if z > 0.0 else 0.0) + math.log1p(math.exp(-abs(z)))


def _scalar_softmax(k, *z):
    """The k-th softmax output of z_1..z_n (k from 1), after subtracting the maximum."""
    top = max(z)
    e = [math.exp(v - top) for v in z]
    return e[k - 1] / math.fsum(e)


def _scalar_log_softmax(k, *z):
    """log softmax_k(z) as (z_k - top) - log1p(the other terms), top the maximum of z."""
    top = max(z)
    others = math.fsum(math.exp(v - top) for v in z if v < top)
    ties = sum(1 for v in z if v == top) - 1.0
    return (z[k - 1] - top) - math.log1p(others + ties)


def _scalar_sigmoid_prime(z):
    """sigma'(z) = e / (1 + e)^2 with e = exp(-|z|), from z (a (1 - a) loses it once a is 1)."""
    e = math.exp(-abs(z))
    return e / (1.0 + e) ** 2


def _scalar_sigmoid_minus(z, y):
    """sigma(z) - y, through 1 - sigma(z) = sigma(-z) for z >= 0 (a confident output)."""
    return (1.0 - y) - _scalar_sigmoid(-z) if z >= 0.0 else _scalar_sigmoid(z) - y


def _scalar_tanh_prime(z):
    """tanh'(z) = 4 e / (1 + e)^2 with e = exp(-2|z|), from z (1 - tanh^2 is 0 for |z| > 19)."""
    e = math.exp(-2.0 * abs(z))
    return 4.0 * e / (1.0 + e) ** 2


def _scalar_elu_prime(z, alpha):
    """ELU'(z): 1 for z > 0, alpha exp(z) otherwise, from z."""
    return 1.0 if z > 0.0 else alpha * math.exp(z)


def _scalar_softmax_minus(k, *zy):
    """softmax_k(z_1..z_n) - y (the last argument); an output above 1/2 is written (1 - y) minus
    the other outputs, so a confident output keeps its digits."""
    *z, y = zy
    top = max(z)
    e = [math.exp(v - top) for v in z]
    total = math.fsum(e)
    a = e[k - 1] / total
    if a > 0.5:
        return (1.0 - y) - math.fsum(v for i, v in enumerate(e) if i != k - 1) / total
    return a - y


def _scalar_softmax_jvp(k, *ag):
    """Entry k of softmax's Jacobian times g, a_k (g_k - sum a_i g_i), for a_1..a_n, g_1..g_n,
    written with d = g - g_t (t the largest output) as a_k (d_k - sum a_i d_i): no cancellation
    once a_t rounds to 1."""
    n = len(ag) // 2
    a, g = ag[:n], ag[n:]
    top = g[max(range(n), key=a.__getitem__)]
    d = [v - top for v in g]
    return a[k - 1] * (d[k - 1] - math.fsum(x * v for x, v in zip(a, d)))
