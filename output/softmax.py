"""NumPy model compiled by symbp from the derived backpropagation equations.

Network: 4 inputs, loss cross_entropy.
    layer 1: 5 relu units, bias per_unit
    layer 2: 3 softmax units, bias per_unit

Arrays hold one sample per row: X is (m, n_0), Y is (m, n_L), and the parameters are
W<l> (n_l, n_{l-1}) with w^l_{jk} in row j, column k, and b<l> ((n_l,), or () when shared).
The cost is the mean over the batch of the per-sample cost C.

General form, of which the code below is the batched instance:
    z[l, j] = b[l, j] + Sum(a[l - 1, k]*w[l, j, k], (k, 1, n[l - 1]))
    a[l, j] = sigma(z[l, j])
    C = Sum(-log(a[L, k])*y[k], (k, 1, n[L]))
    delta[L, j] = Derivative(C, a[L, j])*Derivative(sigma(z[L, j]), z[L, j])
    delta[l, j] = Sum(Derivative(sigma(z[l, j]), z[l, j])*delta[l + 1, k]*w[l + 1, k, j],
        (k, 1, n[l + 1]))
    Derivative(C, b[l, j]) = delta[l, j]
    Derivative(C, w[l, j, k]) = a[l - 1, k]*delta[l, j]

The cost is computed from the output pre-activations: log sigma(z) = -softplus(-z),
log(1 - sigma(z)) = -softplus(z) and log softmax_k(z) = (z_k - max z) - log sum exp(z - max z).

Batches of up to 9 rows run straight-line code: the derived per-unit expressions
for one sample at a time on Python floats (one name per number, w<l>_j_k for w^l_{jk}), the
gradients summed over the samples. Larger batches run the matrix code (_matrix_sgd_step, ...).
"""

# network: softmax
# Affine-ReLU-affine-softmax 4-5-3 classifier with cross-entropy on a batch of 3 (seeds/004)

import math

import numpy

TRAINED = ("W1", "b1", "W2", "b2")
SHAPES = {"W1": (5, 4), "b1": (5,), "W2": (3, 5), "b2": (3,)}
_BLAS = []  # scipy.linalg.blas once _scipy_blas has imported it (None without SciPy)


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


def _relu(z):
    """max(z, 0)."""
    return numpy.maximum(z, 0.0)


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


def _scalar_relu(z):
    """max(z, 0)."""
    return z if z > 0.0 else 0.0


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


_CHECKED = [None, None]  # the last X and Y checked, when they were float arrays already


def _checked(X, Y):
    """X and Y as float arrays with matching rows; ValueError (one line) if they are not.
    The same two float arrays again are not checked again (do not change them in place)."""
    if X is _CHECKED[0] and Y is _CHECKED[1]:
        return X, Y
    given = X, Y
    X, Y = numpy.asarray(X, dtype=float), numpy.asarray(Y, dtype=float)
    for name, rows, width in (("X", X, 4), ("Y", Y, 3)):
        if rows.ndim != 2 or rows.shape[0] == 0 or rows.shape[1] != width:
            raise ValueError(f"{name} must have shape (m, {width}), got {list(rows.shape)}")
        bad = numpy.flatnonzero(~numpy.isfinite(rows).all(axis=1))
        if bad.size:
            raise ValueError(f"{name} row {bad[0]} is not finite: {rows[bad[0]].tolist()}")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    bad = numpy.flatnonzero((Y < 0).any(axis=1) | (numpy.abs(Y.sum(axis=1) - 1) > 1e-9))
    if bad.size:
        raise ValueError(
            f"Y row {bad[0]}: cross_entropy targets must be non-negative and sum to 1, "
            f"got sum {Y[bad[0]].sum():g}"
        )
    if X is given[0] and Y is given[1]:
        _CHECKED[:] = [X, Y]
    return X, Y


def forward(params, X):
    """The network's outputs a^L for the rows of X."""
    if len(X) > 9:
        return _matrix_forward(params, X)
    [[w1_1_1, w1_1_2, w1_1_3, w1_1_4], [w1_2_1, w1_2_2, w1_2_3, w1_2_4], [w1_3_1, w1_3_2, w1_3_3,
        w1_3_4], [w1_4_1, w1_4_2, w1_4_3, w1_4_4], [w1_5_1, w1_5_2, w1_5_3,
        w1_5_4]] = params["W1"].tolist()
    [b1_1, b1_2, b1_3, b1_4, b1_5] = params["b1"].tolist()
    [[w2_1_1, w2_1_2, w2_1_3, w2_1_4, w2_1_5], [w2_2_1, w2_2_2, w2_2_3, w2_2_4, w2_2_5], [w2_3_1,
        w2_3_2, w2_3_3, w2_3_4, w2_3_5]] = params["W2"].tolist()
    [b2_1, b2_2, b2_3] = params["b2"].tolist()
    outputs = []
    for [x_1, x_2, x_3, x_4] in X.tolist():
        z1_1 = b1_1 + w1_1_1*x_1 + w1_1_2*x_2 + w1_1_3*x_3 + w1_1_4*x_4
        z1_2 = b1_2 + w1_2_1*x_1 + w1_2_2*x_2 + w1_2_3*x_3 + w1_2_4*x_4
        z1_3 = b1_3 + w1_3_1*x_1 + w1_3_2*x_2 + w1_3_3*x_3 + w1_3_4*x_4
        z1_4 = b1_4 + w1_4_1*x_1 + w1_4_2*x_2 + w1_4_3*x_3 + w1_4_4*x_4
        z1_5 = b1_5 + w1_5_1*x_1 + w1_5_2*x_2 + w1_5_3*x_3 + w1_5_4*x_4
        a1_1 = _scalar_relu(z1_1)
        a1_2 = _scalar_relu(z1_2)
        a1_3 = _scalar_relu(z1_3)
        a1_4 = _scalar_relu(z1_4)
        a1_5 = _scalar_relu(z1_5)
        z2_1 = a1_1*w2_1_1 + a1_2*w2_1_2 + a1_3*w2_1_3 + a1_4*w2_1_4 + a1_5*w2_1_5 + b2_1
        z2_2 = a1_1*w2_2_1 + a1_2*w2_2_2 + a1_3*w2_2_3 + a1_4*w2_2_4 + a1_5*w2_2_5 + b2_2
        z2_3 = a1_1*w2_3_1 + a1_2*w2_3_2 + a1_3*w2_3_3 + a1_4*w2_3_4 + a1_5*w2_3_5 + b2_3
        a2_1 = _scalar_softmax(1, z2_1, z2_2, z2_3)
        a2_2 = _scalar_softmax(2, z2_1, z2_2, z2_3)
        a2_3 = _scalar_softmax(3, z2_1, z2_2, z2_3)
        outputs.append((a2_1, a2_2, a2_3,))
    return numpy.array(outputs)


def loss(params, X, Y):
    """The cost averaged over the rows of X and Y."""
    X, Y = _checked(X, Y)
    if len(X) > 9:
        return _matrix_loss(params, X, Y)
    [[w1_1_1, w1_1_2, w1_1_3, w1_1_4], [w1_2_1, w1_2_2, w1_2_3, w1_2_4], [w1_3_1, w1_3_2, w1_3_3,
        w1_3_4], [w1_4_1, w1_4_2, w1_4_3, w1_4_4], [w1_5_1, w1_5_2, w1_5_3,
        w1_5_4]] = params["W1"].tolist()
    [b1_1, b1_2, b1_3, b1_4, b1_5] = params["b1"].tolist()
    [[w2_1_1, w2_1_2, w2_1_3, w2_1_4, w2_1_5], [w2_2_1, w2_2_2, w2_2_3, w2_2_4, w2_2_5], [w2_3_1,
        w2_3_2, w2_3_3, w2_3_4, w2_3_5]] = params["W2"].tolist()
    [b2_1, b2_2, b2_3] = params["b2"].tolist()
    total = 0.0
    for [x_1, x_2, x_3, x_4], [y_1, y_2, y_3] in zip(X.tolist(), Y.tolist(), strict=True):
        z1_1 = b1_1 + w1_1_1*x_1 + w1_1_2*x_2 + w1_1_3*x_3 + w1_1_4*x_4
        z1_2 = b1_2 + w1_2_1*x_1 + w1_2_2*x_2 + w1_2_3*x_3 + w1_2_4*x_4
        z1_3 = b1_3 + w1_3_1*x_1 + w1_3_2*x_2 + w1_3_3*x_3 + w1_3_4*x_4
        z1_4 = b1_4 + w1_4_1*x_1 + w1_4_2*x_2 + w1_4_3*x_3 + w1_4_4*x_4
        z1_5 = b1_5 + w1_5_1*x_1 + w1_5_2*x_2 + w1_5_3*x_3 + w1_5_4*x_4
        a1_1 = _scalar_relu(z1_1)
        a1_2 = _scalar_relu(z1_2)
        a1_3 = _scalar_relu(z1_3)
        a1_4 = _scalar_relu(z1_4)
        a1_5 = _scalar_relu(z1_5)
        z2_1 = a1_1*w2_1_1 + a1_2*w2_1_2 + a1_3*w2_1_3 + a1_4*w2_1_4 + a1_5*w2_1_5 + b2_1
        z2_2 = a1_1*w2_2_1 + a1_2*w2_2_2 + a1_3*w2_2_3 + a1_4*w2_2_4 + a1_5*w2_2_5 + b2_2
        z2_3 = a1_1*w2_3_1 + a1_2*w2_3_2 + a1_3*w2_3_3 + a1_4*w2_3_4 + a1_5*w2_3_5 + b2_3
        total += -y_1*_scalar_log_softmax(1, z2_1, z2_2, z2_3) - y_2*_scalar_log_softmax(2, z2_1,
            z2_2, z2_3) - y_3*_scalar_log_softmax(3, z2_1, z2_2, z2_3)
    return total / len(X)


def gradients(params, X, Y):
    """The gradient of the batch cost with respect to every parameter, keyed like params."""
    X, Y = _checked(X, Y)
    if len(X) > 9:
        return _matrix_gradients(params, X, Y)
    [[w1_1_1, w1_1_2, w1_1_3, w1_1_4], [w1_2_1, w1_2_2, w1_2_3, w1_2_4], [w1_3_1, w1_3_2, w1_3_3,
        w1_3_4], [w1_4_1, w1_4_2, w1_4_3, w1_4_4], [w1_5_1, w1_5_2, w1_5_3,
        w1_5_4]] = params["W1"].tolist()
    [b1_1, b1_2, b1_3, b1_4, b1_5] = params["b1"].tolist()
    [[w2_1_1, w2_1_2, w2_1_3, w2_1_4, w2_1_5], [w2_2_1, w2_2_2, w2_2_3, w2_2_4, w2_2_5], [w2_3_1,
        w2_3_2, w2_3_3, w2_3_4, w2_3_5]] = params["W2"].tolist()
    [b2_1, b2_2, b2_3] = params["b2"].tolist()
    g_w1_1_1 = 0.0
    g_w1_1_2 = 0.0
    g_w1_1_3 = 0.0
    g_w1_1_4 = 0.0
    g_w1_2_1 = 0.0
    g_w1_2_2 = 0.0
    g_w1_2_3 = 0.0
    g_w1_2_4 = 0.0
    g_w1_3_1 = 0.0
    g_w1_3_2 = 0.0
    g_w1_3_3 = 0.0
    g_w1_3_4 = 0.0
    g_w1_4_1 = 0.0
    g_w1_4_2 = 0.0
    g_w1_4_3 = 0.0
    g_w1_4_4 = 0.0
    g_w1_5_1 = 0.0
    g_w1_5_2 = 0.0
    g_w1_5_3 = 0.0
    g_w1_5_4 = 0.0
    g_b1_1 = 0.0
    g_b1_2 = 0.0
    g_b1_3 = 0.0
    g_b1_4 = 0.0
    g_b1_5 = 0.0
    g_w2_1_1 = 0.0
    g_w2_1_2 = 0.0
    g_w2_1_3 = 0.0
    g_w2_1_4 = 0.0
    g_w2_1_5 = 0.0
    g_w2_2_1 = 0.0
    g_w2_2_2 = 0.0
    g_w2_2_3 = 0.0
    g_w2_2_4 = 0.0
    g_w2_2_5 = 0.0
    g_w2_3_1 = 0.0
    g_w2_3_2 = 0.0
    g_w2_3_3 = 0.0
    g_w2_3_4 = 0.0
    g_w2_3_5 = 0.0
    g_b2_1 = 0.0
    g_b2_2 = 0.0
    g_b2_3 = 0.0
    r = 1.0 / len(X)
    for [x_1, x_2, x_3, x_4], [y_1, y_2, y_3] in zip(X.tolist(), Y.tolist(), strict=True):
        z1_1 = b1_1 + w1_1_1*x_1 + w1_1_2*x_2 + w1_1_3*x_3 + w1_1_4*x_4
        z1_2 = b1_2 + w1_2_1*x_1 + w1_2_2*x_2 + w1_2_3*x_3 + w1_2_4*x_4
        z1_3 = b1_3 + w1_3_1*x_1 + w1_3_2*x_2 + w1_3_3*x_3 + w1_3_4*x_4
        z1_4 = b1_4 + w1_4_1*x_1 + w1_4_2*x_2 + w1_4_3*x_3 + w1_4_4*x_4
        z1_5 = b1_5 + w1_5_1*x_1 + w1_5_2*x_2 + w1_5_3*x_3 + w1_5_4*x_4
        a1_1 = _scalar_relu(z1_1)
        a1_2 = _scalar_relu(z1_2)
        a1_3 = _scalar_relu(z1_3)
        a1_4 = _scalar_relu(z1_4)
        a1_5 = _scalar_relu(z1_5)
        z2_1 = a1_1*w2_1_1 + a1_2*w2_1_2 + a1_3*w2_1_3 + a1_4*w2_1_4 + a1_5*w2_1_5 + b2_1
        z2_2 = a1_1*w2_2_1 + a1_2*w2_2_2 + a1_3*w2_2_3 + a1_4*w2_2_4 + a1_5*w2_2_5 + b2_2
        z2_3 = a1_1*w2_3_1 + a1_2*w2_3_2 + a1_3*w2_3_3 + a1_4*w2_3_4 + a1_5*w2_3_5 + b2_3
        d2_1 = r*_scalar_softmax_minus(1, z2_1, z2_2, z2_3, y_1)
        d2_2 = r*_scalar_softmax_minus(2, z2_1, z2_2, z2_3, y_2)
        d2_3 = r*_scalar_softmax_minus(3, z2_1, z2_2, z2_3, y_3)
        d1_1 = (d2_1*w2_1_1 + d2_2*w2_2_1 + d2_3*w2_3_1)*(1.0 if z1_1 > 0.0 else 0.0)
        d1_2 = (d2_1*w2_1_2 + d2_2*w2_2_2 + d2_3*w2_3_2)*(1.0 if z1_2 > 0.0 else 0.0)
        d1_3 = (d2_1*w2_1_3 + d2_2*w2_2_3 + d2_3*w2_3_3)*(1.0 if z1_3 > 0.0 else 0.0)
        d1_4 = (d2_1*w2_1_4 + d2_2*w2_2_4 + d2_3*w2_3_4)*(1.0 if z1_4 > 0.0 else 0.0)
        d1_5 = (d2_1*w2_1_5 + d2_2*w2_2_5 + d2_3*w2_3_5)*(1.0 if z1_5 > 0.0 else 0.0)
        g_w1_1_1 += d1_1*x_1
        g_w1_1_2 += d1_1*x_2
        g_w1_1_3 += d1_1*x_3
        g_w1_1_4 += d1_1*x_4
        g_w1_2_1 += d1_2*x_1
        g_w1_2_2 += d1_2*x_2
        g_w1_2_3 += d1_2*x_3
        g_w1_2_4 += d1_2*x_4
        g_w1_3_1 += d1_3*x_1
        g_w1_3_2 += d1_3*x_2
        g_w1_3_3 += d1_3*x_3
        g_w1_3_4 += d1_3*x_4
        g_w1_4_1 += d1_4*x_1
        g_w1_4_2 += d1_4*x_2
        g_w1_4_3 += d1_4*x_3
        g_w1_4_4 += d1_4*x_4
        g_w1_5_1 += d1_5*x_1
        g_w1_5_2 += d1_5*x_2
        g_w1_5_3 += d1_5*x_3
        g_w1_5_4 += d1_5*x_4
        g_b1_1 += d1_1
        g_b1_2 += d1_2
        g_b1_3 += d1_3
        g_b1_4 += d1_4
        g_b1_5 += d1_5
        g_w2_1_1 += a1_1*d2_1
        g_w2_1_2 += a1_2*d2_1
        g_w2_1_3 += a1_3*d2_1
        g_w2_1_4 += a1_4*d2_1
        g_w2_1_5 += a1_5*d2_1
        g_w2_2_1 += a1_1*d2_2
        g_w2_2_2 += a1_2*d2_2
        g_w2_2_3 += a1_3*d2_2
        g_w2_2_4 += a1_4*d2_2
        g_w2_2_5 += a1_5*d2_2
        g_w2_3_1 += a1_1*d2_3
        g_w2_3_2 += a1_2*d2_3
        g_w2_3_3 += a1_3*d2_3
        g_w2_3_4 += a1_4*d2_3
        g_w2_3_5 += a1_5*d2_3
        g_b2_1 += d2_1
        g_b2_2 += d2_2
        g_b2_3 += d2_3
    flat = numpy.array([g_w1_1_1, g_w1_1_2, g_w1_1_3, g_w1_1_4, g_w1_2_1, g_w1_2_2, g_w1_2_3,
        g_w1_2_4, g_w1_3_1, g_w1_3_2, g_w1_3_3, g_w1_3_4, g_w1_4_1, g_w1_4_2, g_w1_4_3, g_w1_4_4,
        g_w1_5_1, g_w1_5_2, g_w1_5_3, g_w1_5_4, g_b1_1, g_b1_2, g_b1_3, g_b1_4, g_b1_5, g_w2_1_1,
        g_w2_1_2, g_w2_1_3, g_w2_1_4, g_w2_1_5, g_w2_2_1, g_w2_2_2, g_w2_2_3, g_w2_2_4, g_w2_2_5,
        g_w2_3_1, g_w2_3_2, g_w2_3_3, g_w2_3_4, g_w2_3_5, g_b2_1, g_b2_2, g_b2_3])
    return {"W1": flat[0:20].reshape((5, 4)), "b1": flat[20:25], "W2": flat[25:40].reshape((3, 5)),
        "b2": flat[40:43]}


def sgd_step(params, X, Y, learning_rate):
    """New parameters P - learning_rate * dC/dP for the keys in TRAINED; the others unchanged."""
    X, Y = _checked(X, Y)
    if len(X) > 9:
        return _matrix_sgd_step(params, X, Y, learning_rate)
    [[w1_1_1, w1_1_2, w1_1_3, w1_1_4], [w1_2_1, w1_2_2, w1_2_3, w1_2_4], [w1_3_1, w1_3_2, w1_3_3,
        w1_3_4], [w1_4_1, w1_4_2, w1_4_3, w1_4_4], [w1_5_1, w1_5_2, w1_5_3,
        w1_5_4]] = params["W1"].tolist()
    [b1_1, b1_2, b1_3, b1_4, b1_5] = params["b1"].tolist()
    [[w2_1_1, w2_1_2, w2_1_3, w2_1_4, w2_1_5], [w2_2_1, w2_2_2, w2_2_3, w2_2_4, w2_2_5], [w2_3_1,
        w2_3_2, w2_3_3, w2_3_4, w2_3_5]] = params["W2"].tolist()
    [b2_1, b2_2, b2_3] = params["b2"].tolist()
    g_w1_1_1 = 0.0
    g_w1_1_2 = 0.0
    g_w1_1_3 = 0.0
    g_w1_1_4 = 0.0
    g_w1_2_1 = 0.0
    g_w1_2_2 = 0.0
    g_w1_2_3 = 0.0
    g_w1_2_4 = 0.0
    g_w1_3_1 = 0.0
    g_w1_3_2 = 0.0
    g_w1_3_3 = 0.0
    g_w1_3_4 = 0.0
    g_w1_4_1 = 0.0
    g_w1_4_2 = 0.0
    g_w1_4_3 = 0.0
    g_w1_4_4 = 0.0
    g_w1_5_1 = 0.0
    g_w1_5_2 = 0.0
    g_w1_5_3 = 0.0
    g_w1_5_4 = 0.0
    g_b1_1 = 0.0
    g_b1_2 = 0.0
    g_b1_3 = 0.0
    g_b1_4 = 0.0
    g_b1_5 = 0.0
    g_w2_1_1 = 0.0
    g_w2_1_2 = 0.0
    g_w2_1_3 = 0.0
    g_w2_1_4 = 0.0
    g_w2_1_5 = 0.0
    g_w2_2_1 = 0.0
    g_w2_2_2 = 0.0
    g_w2_2_3 = 0.0
    g_w2_2_4 = 0.0
    g_w2_2_5 = 0.0
    g_w2_3_1 = 0.0
    g_w2_3_2 = 0.0
    g_w2_3_3 = 0.0
    g_w2_3_4 = 0.0
    g_w2_3_5 = 0.0
    g_b2_1 = 0.0
    g_b2_2 = 0.0
    g_b2_3 = 0.0
    r = -learning_rate / len(X)
    for [x_1, x_2, x_3, x_4], [y_1, y_2, y_3] in zip(X.tolist(), Y.tolist(), strict=True):
        z1_1 = b1_1 + w1_1_1*x_1 + w1_1_2*x_2 + w1_1_3*x_3 + w1_1_4*x_4
        z1_2 = b1_2 + w1_2_1*x_1 + w1_2_2*x_2 + w1_2_3*x_3 + w1_2_4*x_4
        z1_3 = b1_3 + w1_3_1*x_1 + w1_3_2*x_2 + w1_3_3*x_3 + w1_3_4*x_4
        z1_4 = b1_4 + w1_4_1*x_1 + w1_4_2*x_2 + w1_4_3*x_3 + w1_4_4*x_4
        z1_5 = b1_5 + w1_5_1*x_1 + w1_5_2*x_2 + w1_5_3*x_3 + w1_5_4*x_4
        a1_1 = _scalar_relu(z1_1)
        a1_2 = _scalar_relu(z1_2)
        a1_3 = _scalar_relu(z1_3)
        a1_4 = _scalar_relu(z1_4)
        a1_5 = _scalar_relu(z1_5)
        z2_1 = a1_1*w2_1_1 + a1_2*w2_1_2 + a1_3*w2_1_3 + a1_4*w2_1_4 + a1_5*w2_1_5 + b2_1
        z2_2 = a1_1*w2_2_1 + a1_2*w2_2_2 + a1_3*w2_2_3 + a1_4*w2_2_4 + a1_5*w2_2_5 + b2_2
        z2_3 = a1_1*w2_3_1 + a1_2*w2_3_2 + a1_3*w2_3_3 + a1_4*w2_3_4 + a1_5*w2_3_5 + b2_3
        d2_1 = r*_scalar_softmax_minus(1, z2_1, z2_2, z2_3, y_1)
        d2_2 = r*_scalar_softmax_minus(2, z2_1, z2_2, z2_3, y_2)
        d2_3 = r*_scalar_softmax_minus(3, z2_1, z2_2, z2_3, y_3)
        d1_1 = (d2_1*w2_1_1 + d2_2*w2_2_1 + d2_3*w2_3_1)*(1.0 if z1_1 > 0.0 else 0.0)
        d1_2 = (d2_1*w2_1_2 + d2_2*w2_2_2 + d2_3*w2_3_2)*(1.0 if z1_2 > 0.0 else 0.0)
        d1_3 = (d2_1*w2_1_3 + d2_2*w2_2_3 + d2_3*w2_3_3)*(1.0 if z1_3 > 0.0 else 0.0)
        d1_4 = (d2_1*w2_1_4 + d2_2*w2_2_4 + d2_3*w2_3_4)*(1.0 if z1_4 > 0.0 else 0.0)
        d1_5 = (d2_1*w2_1_5 + d2_2*w2_2_5 + d2_3*w2_3_5)*(1.0 if z1_5 > 0.0 else 0.0)
        g_w1_1_1 += d1_1*x_1
        g_w1_1_2 += d1_1*x_2
        g_w1_1_3 += d1_1*x_3
        g_w1_1_4 += d1_1*x_4
        g_w1_2_1 += d1_2*x_1
        g_w1_2_2 += d1_2*x_2
        g_w1_2_3 += d1_2*x_3
        g_w1_2_4 += d1_2*x_4
        g_w1_3_1 += d1_3*x_1
        g_w1_3_2 += d1_3*x_2
        g_w1_3_3 += d1_3*x_3
        g_w1_3_4 += d1_3*x_4
        g_w1_4_1 += d1_4*x_1
        g_w1_4_2 += d1_4*x_2
        g_w1_4_3 += d1_4*x_3
        g_w1_4_4 += d1_4*x_4
        g_w1_5_1 += d1_5*x_1
        g_w1_5_2 += d1_5*x_2
        g_w1_5_3 += d1_5*x_3
        g_w1_5_4 += d1_5*x_4
        g_b1_1 += d1_1
        g_b1_2 += d1_2
        g_b1_3 += d1_3
        g_b1_4 += d1_4
        g_b1_5 += d1_5
        g_w2_1_1 += a1_1*d2_1
        g_w2_1_2 += a1_2*d2_1
        g_w2_1_3 += a1_3*d2_1
        g_w2_1_4 += a1_4*d2_1
        g_w2_1_5 += a1_5*d2_1
        g_w2_2_1 += a1_1*d2_2
        g_w2_2_2 += a1_2*d2_2
        g_w2_2_3 += a1_3*d2_2
        g_w2_2_4 += a1_4*d2_2
        g_w2_2_5 += a1_5*d2_2
        g_w2_3_1 += a1_1*d2_3
        g_w2_3_2 += a1_2*d2_3
        g_w2_3_3 += a1_3*d2_3
        g_w2_3_4 += a1_4*d2_3
        g_w2_3_5 += a1_5*d2_3
        g_b2_1 += d2_1
        g_b2_2 += d2_2
        g_b2_3 += d2_3
    flat = numpy.array([g_w1_1_1 + w1_1_1, g_w1_1_2 + w1_1_2, g_w1_1_3 + w1_1_3, g_w1_1_4 + w1_1_4,
        g_w1_2_1 + w1_2_1, g_w1_2_2 + w1_2_2, g_w1_2_3 + w1_2_3, g_w1_2_4 + w1_2_4, g_w1_3_1 +
        w1_3_1, g_w1_3_2 + w1_3_2, g_w1_3_3 + w1_3_3, g_w1_3_4 + w1_3_4, g_w1_4_1 + w1_4_1, g_w1_4_2
        + w1_4_2, g_w1_4_3 + w1_4_3, g_w1_4_4 + w1_4_4, g_w1_5_1 + w1_5_1, g_w1_5_2 + w1_5_2,
        g_w1_5_3 + w1_5_3, g_w1_5_4 + w1_5_4, b1_1 + g_b1_1, b1_2 + g_b1_2, b1_3 + g_b1_3, b1_4 +
        g_b1_4, b1_5 + g_b1_5, g_w2_1_1 + w2_1_1, g_w2_1_2 + w2_1_2, g_w2_1_3 + w2_1_3, g_w2_1_4 +
        w2_1_4, g_w2_1_5 + w2_1_5, g_w2_2_1 + w2_2_1, g_w2_2_2 + w2_2_2, g_w2_2_3 + w2_2_3, g_w2_2_4
        + w2_2_4, g_w2_2_5 + w2_2_5, g_w2_3_1 + w2_3_1, g_w2_3_2 + w2_3_2, g_w2_3_3 + w2_3_3,
        g_w2_3_4 + w2_3_4, g_w2_3_5 + w2_3_5, b2_1 + g_b2_1, b2_2 + g_b2_2, b2_3 + g_b2_3])
    return {"W1": flat[0:20].reshape((5, 4)), "b1": flat[20:25], "W2": flat[25:40].reshape((3, 5)),
        "b2": flat[40:43]}


def _matrix_forward(params, X):
    """The network's outputs a^L for the rows of X.

    z^1_1 = b^1_1 + w^1_{11}*x_1 + w^1_{12}*x_2 + w^1_{13}*x_3 + w^1_{14}*x_4
    a^1_1 = Relu(z^1_1)
    z^2_1 = a^1_1*w^2_{11} + a^1_2*w^2_{12} + a^1_3*w^2_{13} + a^1_4*w^2_{14} +
        a^1_5*w^2_{15} + b^2_1
    a^2_1 = Softmax(1, z^2_1, z^2_2, z^2_3)
    (derived for unit 1; every unit of a layer has the same form)
    """
    W1 = params["W1"]
    b1 = params["b1"]
    W2 = params["W2"]
    b2 = params["b2"]
    Z1 = X @ W1.T + b1
    A1 = _relu(Z1)
    Z2 = A1 @ W2.T + b2
    A2 = _softmax(Z2)
    return A2


def _matrix_loss(params, X, Y):
    """The cost averaged over the rows of X and Y.

    z^1_1 = b^1_1 + w^1_{11}*x_1 + w^1_{12}*x_2 + w^1_{13}*x_3 + w^1_{14}*x_4
    a^1_1 = Relu(z^1_1)
    z^2_1 = a^1_1*w^2_{11} + a^1_2*w^2_{12} + a^1_3*w^2_{13} + a^1_4*w^2_{14} +
        a^1_5*w^2_{15} + b^2_1
    C = -y_1*LogSoftmax(1, z^2_1, z^2_2, z^2_3) - y_2*LogSoftmax(2, z^2_1, z^2_2, z^2_3) -
        y_3*LogSoftmax(3, z^2_1, z^2_2, z^2_3)
    """
    X, Y = _checked(X, Y)
    W1 = params["W1"]
    b1 = params["b1"]
    W2 = params["W2"]
    b2 = params["b2"]
    m = X.shape[0]
    Z1 = X @ W1.T + b1
    A1 = _relu(Z1)
    Z2 = A1 @ W2.T + b2
    cost = numpy.sum(-Y*_log_softmax(Z2)) / m
    return cost


def _matrix_gradients(params, X, Y):
    """The gradient of the batch cost with respect to every parameter, keyed like params.

    BP1/BP2 give the deltas, BP3/BP4 the gradients, each averaged over the batch:
    z^1_1 = b^1_1 + w^1_{11}*x_1 + w^1_{12}*x_2 + w^1_{13}*x_3 + w^1_{14}*x_4
    a^1_1 = Relu(z^1_1)
    z^2_1 = a^1_1*w^2_{11} + a^1_2*w^2_{12} + a^1_3*w^2_{13} + a^1_4*w^2_{14} +
        a^1_5*w^2_{15} + b^2_1
    delta^2_1 = a^2_1 - y_1
    delta^1_1 = (delta^2_1*w^2_{11} + delta^2_2*w^2_{21} +
        delta^2_3*w^2_{31})*Heaviside(z^1_1, 0)
    dC/dw^1_{11} = delta^1_1*x_1
    dC/db^1_1 = delta^1_1
    dC/dw^2_{11} = a^1_1*delta^2_1
    dC/db^2_1 = delta^2_1
    (derived for unit 1; every unit of a layer has the same form)
    """
    X, Y = _checked(X, Y)
    W1 = params["W1"]
    b1 = params["b1"]
    W2 = params["W2"]
    b2 = params["b2"]
    m = X.shape[0]
    Z1 = X @ W1.T + b1
    A1 = _relu(Z1)
    Z2 = A1 @ W2.T + b2
    D2 = _softmax_minus(Z2, Y)
    D1 = numpy.heaviside(Z1, 0)*(D2 @ W2)
    dW1 = (D1 / m).T @ X
    db1 = numpy.sum(D1, axis=0) / m
    dW2 = (D2 / m).T @ A1
    db2 = numpy.sum(D2, axis=0) / m
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def _matrix_sgd_step(params, X, Y, learning_rate):
    """New parameters P - learning_rate * dC/dP for the keys in TRAINED; the others unchanged.

    The gradients are those of gradients(), each update folded into its last product.
    """
    X, Y = _checked(X, Y)
    W1 = params["W1"]
    b1 = params["b1"]
    W2 = params["W2"]
    b2 = params["b2"]
    m = X.shape[0]
    Z1 = X @ W1.T + b1
    A1 = _relu(Z1)
    Z2 = A1 @ W2.T + b2
    D2 = _softmax_minus(Z2, Y)
    D1 = numpy.heaviside(Z1, 0)*(D2 @ W2)
    new_W1 = ((-learning_rate / m) * D1).T @ X + W1
    new_b1 = b1 - learning_rate*(numpy.sum(D1, axis=0) / m)
    new_W2 = ((-learning_rate / m) * D2).T @ A1 + W2
    new_b2 = b2 - learning_rate*(numpy.sum(D2, axis=0) / m)
    return {"W1": new_W1, "b1": new_b1, "W2": new_W2, "b2": new_b2}



def workspace(m, dtype=numpy.float64):
    """The arrays train_step writes into, for batches of m rows: allocate once, reuse."""
    return {
        "Z1": numpy.empty((m, 5), dtype),
        "Z2": numpy.empty((m, 3), dtype),
        "D1": numpy.empty((m, 5), dtype),
        "D2": numpy.empty((m, 3), dtype),
        "dW1": numpy.empty((5, 4), dtype),
        "dW2": numpy.empty((3, 5), dtype),
    }


def train_step(params, X, Y, learning_rate, work):
    """sgd_step in place: the arrays in params (the keys in TRAINED) are updated and returned.

    Every matrix product is written into work (from workspace(X.shape[0])), and so are a
    sigmoid layer's outputs, through q = sigma(-|z|), which its sigma' = q (1 - q) reuses;
    -learning_rate / m scales the output delta, so every delta (BP2 is linear in it) and
    every update; each update is added to its parameter without a gradient array.
    """
    W1 = params["W1"]
    b1 = params["b1"]
    W2 = params["W2"]
    b2 = params["b2"]
    m = X.shape[0]
    scale = -learning_rate/m
    Z1 = _rows_dot_t_into(X, W1, work["Z1"])
    Z1 += b1
    A1 = _relu(Z1)
    Z2 = _rows_dot_t_into(A1, W2, work["Z2"])
    Z2 += b2
    D2 = _softmax_minus_into(Z2, Y, scale, work["D2"])
    D1 = _rows_dot_into(D2, W2, work["D1"])
    D1 *= numpy.heaviside(Z1, 0)
    _add_column_sums(b1, D1)
    _add_outer(W1, D1, X, work["dW1"])
    _add_column_sums(b2, D2)
    _add_outer(W2, D2, A1, work["dW2"])
    return params