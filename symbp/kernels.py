"""The NumPy kernels: the one implementation of each activation and cost helper.

`evaluate` calls these functions; the generated module includes the source text of each one
it calls (`source`), so both run the same code. Each kernel is written for arrays of any shape
(a scalar, a column of samples, or an (m, n) batch) and stays finite and warning-free at +-1000.
Kernels use only `numpy`, `math` and each other, so the generated module imports NumPy alone.
"""

from __future__ import annotations

import ast
import inspect
import math
import textwrap
from collections.abc import Callable
from functools import cache

import numpy

_BLAS: list = []  # scipy.linalg.blas once _scipy_blas has imported it (None without SciPy)


def _exp_or_zero(d):
    """exp(d) for d <= 0, taken as exactly 0 below exp(-600) so no subnormal numbers arise."""
    return numpy.exp(numpy.maximum(d, -600.0)) * (d > -600.0)


def _exp_or_zero_into(d, out):
    """_exp_or_zero(d) written into out (which may be d): a temporary only when some d is at or
    below -600."""
    if d.min() > -600.0:
        return numpy.exp(d, out=out)
    low = d <= -600.0
    numpy.exp(numpy.maximum(d, -600.0, out=out), out=out)
    out[low] = 0.0
    return out


def _sigmoid(z):
    """1 / (1 + exp(-z)) through e = exp(-|z|) <= 1: full relative accuracy, never overflows."""
    e = _exp_or_zero(-numpy.abs(z))
    return numpy.where(z >= 0, 1.0, e) / (1.0 + e)


def _sigmoid_prime(z):
    """sigma'(z) = sigma(z) sigma(-z) = e / (1 + e)^2 with e = exp(-|z|) <= 1, from z: full
    relative accuracy for any z (the textbook a (1 - a) loses it once a rounds to 1)."""
    e = _exp_or_zero(-numpy.abs(z))
    return e / (1.0 + e) ** 2


def _sigmoid_into(z, q, out):
    """sigma(z) written into out, and q = sigma(-|z|) <= 1/2 into q (for _times_sigmoid_prime):
    q = e / (1 + e) with e = exp(-|z|) as _exp_or_zero takes it, and sigma(z) = |H(z) - q|
    (1 - q for z >= 0, q below), without temporaries."""
    _exp_or_zero_into(numpy.copysign(z, -1.0, out=q), q)
    numpy.add(q, 1.0, out=out)
    numpy.divide(q, out, out=q)
    numpy.greater_equal(z, 0.0, out=out)
    numpy.subtract(out, q, out=out)
    return numpy.abs(out, out=out)


def _times_sigmoid_prime(d, q):
    """d sigma'(z) written into d, as d q (1 - q) with q = sigma(-|z|) from _sigmoid_into
    (sigma(z) sigma(-z), full relative accuracy); q is overwritten."""
    d *= q
    numpy.subtract(1.0, q, out=q)
    d *= q
    return d


def _scipy_blas():
    """SciPy's BLAS functions, imported at the first call (SciPy takes long to import), or
    None when SciPy is not installed."""
    if not _BLAS:
        try:
            from scipy.linalg import blas
        except ImportError:
            blas = None
        _BLAS.append(blas)
    return _BLAS[0]


def _blas_for(out, routine="gemm", size=None):
    """SciPy's BLAS routine (gemm, gemv) for out's type when SciPy is installed and out is a
    C-ordered float64 or float32 array (out.T is then Fortran-ordered, so the routine writes
    it in place), else None; None too for fewer than 1024 entries (`size`, else out's), where
    SciPy's argument conversion costs more than the product, which OpenBLAS then runs on the
    calling thread (so NumPy's threads are not woken either)."""
    blas = _scipy_blas()
    kind = {"d": "d", "f": "s"}.get(out.dtype.char) if out.flags.c_contiguous else None
    if blas is None or kind is None or (out.size if size is None else size) < 1024:
        return None
    return getattr(blas, kind + routine)


def _rows_dot_t_into(a, w, out):
    """out = a @ w.T, written into out: through SciPy's gemm when _blas_for finds one, as for
    _add_outer, so that every product of a step runs on one BLAS library (NumPy and SciPy
    ship one each, and two libraries' idle threads slow each other down), else NumPy's."""
    gemm = _blas_for(out)
    if gemm is None:
        return numpy.matmul(a, w.T, out=out)
    gemm(1.0, w.T, a.T, trans_a=1, c=out.T, overwrite_c=1)
    return out


def _rows_dot_into(d, w, out):
    """out = d @ w, written into out (SciPy's gemm as in _rows_dot_t_into, else NumPy's)."""
    gemm = _blas_for(out)
    if gemm is None:
        return numpy.matmul(d, w, out=out)
    gemm(1.0, w.T, d.T, c=out.T, overwrite_c=1)
    return out


def _add_column_sums(b, d):
    """b += the sum of each column of d (over the batch), in place: one gemv, d.T times a
    column of ones, when _blas_for finds one for b (in a step's BLAS library, and faster than
    NumPy's sum along the short axis), else NumPy's sum."""
    gemv = _blas_for(b, "gemv", d.size)
    if gemv is None or b.ndim != 1:
        b += numpy.sum(d, axis=0)
    else:
        gemv(1.0, d.T, numpy.ones(d.shape[0], b.dtype), 1.0, b, overwrite_y=1)
    return b


def _add_outer(w, d, a, buffer):
    """w += d.T @ a (the batch sum of d[i, j] a[i, k]), in place: one gemm accumulating into
    w (from _blas_for), else NumPy's product into buffer, then added."""
    gemm = _blas_for(w)
    if gemm is None:
        w += numpy.matmul(d.T, a, out=buffer)
    else:
        gemm(1.0, a.T, d.T, 1.0, w.T, trans_b=1, overwrite_c=1)
    return w


def _sigmoid_minus(z, y):
    """sigma(z) - y, through 1 - sigma(z) = sigma(-z) for z >= 0: a confident output keeps the
    digits that a - y loses once a rounds to 1."""
    return numpy.where(z >= 0, (1.0 - y) - _sigmoid(-z), _sigmoid(z) - y)


def _tanh(z):
    """tanh(z)."""
    return numpy.tanh(z)


def _tanh_prime(z):
    """tanh'(z) = sech(z)^2 = 4 e / (1 + e)^2 with e = exp(-2|z|) <= 1, from z: full relative
    accuracy (the textbook 1 - tanh(z)^2 is exactly 0 for |z| > 19)."""
    e = _exp_or_zero(-2.0 * numpy.abs(z))
    return 4.0 * e / (1.0 + e) ** 2


def _relu(z):
    """max(z, 0)."""
    return numpy.maximum(z, 0.0)


def _leaky_relu(z, alpha):
    """z for z > 0, alpha z otherwise."""
    return numpy.where(z > 0, z, alpha * z)


def _elu(z, alpha):
    """z for z > 0, alpha (exp(z) - 1) otherwise (expm1 of min(z, 0): no overflow)."""
    return numpy.where(z > 0, z, alpha * numpy.expm1(numpy.minimum(z, 0.0)))


def _elu_prime(z, alpha):
    """ELU'(z): 1 for z > 0, alpha exp(z) otherwise, from z (the textbook elu(z) + alpha
    cancels for z << 0)."""
    return numpy.where(z > 0, 1.0, alpha * _exp_or_zero(numpy.minimum(z, 0.0)))


def _erfc(x):
    """The complementary error function, entry by entry (libm's erfc: full float64 accuracy),
    taken as exactly 0 above x = 26 (erfc(26) < 1e-295) so no subnormal numbers arise."""
    return numpy.vectorize(math.erfc, otypes=[float])(numpy.minimum(x, 26.0)) * (x < 26.0)


def _normal_cdf(z):
    """Phi(z) = erfc(-z / sqrt 2) / 2: erfc keeps full relative accuracy for z < 0."""
    return 0.5 * _erfc(-z * 0.7071067811865476)


def _normal_pdf(z):
    """phi(z) = exp(-z^2 / 2) / sqrt(2 pi)."""
    return 0.3989422804014327 * _exp_or_zero(-0.5 * z * z)


def _gelu(z):
    """z Phi(z), the exact GELU."""
    return z * _normal_cdf(z)


def _softplus(z):
    """log(1 + exp(z)) computed as max(z, 0) + log(1 + exp(-|z|)), which never overflows."""
    return numpy.maximum(z, 0.0) + numpy.log1p(_exp_or_zero(-numpy.abs(z)))


def _softmax(z):
    """Softmax over the last axis, after subtracting its maximum (no overflow)."""
    e = _exp_or_zero(z - numpy.max(z, axis=-1, keepdims=True))
    return e / numpy.sum(e, axis=-1, keepdims=True)


def _log_softmax(z):
    """log softmax over the last axis as (z - top) - log1p(the other terms), top its maximum:
    z_k - top is exact and log1p keeps the small sum, so confident samples keep accuracy."""
    shifted = z - numpy.max(z, axis=-1, keepdims=True)
    ties = numpy.sum(shifted == 0, axis=-1, keepdims=True) - 1.0
    others = numpy.sum(_exp_or_zero(shifted) * (shifted < 0), axis=-1, keepdims=True)
    return shifted - numpy.log1p(others + ties)


def _softmax_minus(z, y):
    """softmax(z) - y over the last axis; an output above 1/2 (the one largest z) is written
    (1 - y) - (the sum of the other outputs), so a confident output keeps its digits."""
    shifted = z - numpy.max(z, axis=-1, keepdims=True)
    e = _exp_or_zero(shifted)
    total = numpy.sum(e, axis=-1, keepdims=True)
    others = numpy.sum(e * (shifted < 0), axis=-1, keepdims=True) / total
    a = e / total
    return numpy.where(a > 0.5, (1.0 - y) - others, a - y)


def _softmax_minus_into(z, y, scale, out):
    """scale (softmax(z) - y) over the last axis of (m, n) arrays, written into out (z is
    overwritten), as _softmax_minus computes it in fewer passes: with t = z - max z, e = exp(t)
    is exactly 1 at each row's largest entries (top, the ties among them counted), so the sum
    of the others, s, is summed without them; then total = s + ties, an entry off the top is
    scale e / total - scale y and a top one scale (top - y) - scale (s + ties - 1) / total
    (1 - a_top computed without the cancellation of a_top - y once a_top rounds to 1)."""
    z -= numpy.maximum.reduce(z, axis=-1, keepdims=True)
    _exp_or_zero_into(z, out)
    top = z == 0.0
    out -= top
    others = numpy.add.reduce(out, axis=-1, keepdims=True)
    ties = numpy.add.reduce(top, axis=-1, keepdims=True)
    ratio = scale / (others + ties)
    out *= ratio
    own = numpy.subtract(top, y, out=z)
    own *= scale
    out += own
    own = numpy.multiply(top, (others + (ties - 1.0)) * ratio, out=z)
    out -= own
    return out


def _softmax_jvp(a, g):
    """a (g - sum(a g)) over the last axis (softmax's Jacobian times g), written with d = g - g_t,
    t the largest output, as a (d - sum(a d)): the same number, without the cancellation of
    g_t - sum(a g) once a_t rounds to 1."""
    top = numpy.take_along_axis(g, numpy.argmax(a, axis=-1)[..., None], axis=-1)
    d = g - top
    return a * (d - numpy.sum(a * d, axis=-1, keepdims=True))


KERNELS = {
    name: f
    for name, f in list(globals().items())
    if name.startswith("_") and inspect.isfunction(f) and f.__module__ == __name__
}


def source(kernel: Callable) -> str:
    """The kernel's source text, as the generated module defines it."""
    return textwrap.dedent(inspect.getsource(kernel))


@cache
def uses(kernel: Callable) -> tuple[str | Callable, ...]:
    """The module names (`numpy.exp`, `math.erfc`) and the other kernels (functions, found
    through the kernel's own globals) that its body uses."""
    found: list[str | Callable] = []
    for node in ast.walk(ast.parse(source(kernel))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in ("numpy", "math"):
                found.append(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.Name) and node.id != kernel.__name__:
            used = kernel.__globals__.get(node.id)
            if inspect.isfunction(used):
                found.append(used)
    return tuple(dict.fromkeys(found))


def order(helpers: set[Callable]) -> list[Callable]:
    """`helpers` in the order the kernels are defined here, then any others by name."""
    rank = {f: i for i, f in enumerate(KERNELS.values())}
    return sorted(helpers, key=lambda f: (rank.get(f, len(rank)), f.__name__))
