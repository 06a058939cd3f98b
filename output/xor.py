"""NumPy model compiled by symbp from the derived backpropagation equations.

Network: 2 inputs, loss squared_error.
    layer 1: 4 sigmoid units, bias per_unit
    layer 2: 1 sigmoid units, bias per_unit

Arrays hold one sample per row: X is (m, n_0), Y is (m, n_L), and the parameters are
W<l> (n_l, n_{l-1}) with w^l_{jk} in row j, column k, and b<l> ((n_l,), or () when shared).
The cost is the mean over the batch of the per-sample cost C.

General form, of which the code below is the batched instance:
    z[l, j] = b[l, j] + Sum(a[l - 1, k]*w[l, j, k], (k, 1, n[l - 1]))
    a[l, j] = sigma(z[l, j])
    C = Sum((-a[L, k] + y[k])**2/2, (k, 1, n[L]))
    delta[L, j] = Derivative(C, a[L, j])*Derivative(sigma(z[L, j]), z[L, j])
    delta[l, j] = Sum(Derivative(sigma(z[l, j]), z[l, j])*delta[l + 1, k]*w[l + 1, k, j],
        (k, 1, n[l + 1]))
    Derivative(C, b[l, j]) = delta[l, j]
    Derivative(C, w[l, j, k]) = a[l - 1, k]*delta[l, j]

Batches of up to 23 rows run straight-line code: the derived per-unit expressions
for one sample at a time on Python floats (one name per number, w<l>_j_k for w^l_{jk}), the
gradients summed over the samples. Larger batches run the matrix code (_matrix_sgd_step, ...).
"""

# network: xor
# XOR with a 2-4-1 sigmoid network and squared error, the four samples as one batch (seeds/000)

import math

import numpy

TRAINED = ("W1", "b1", "W2", "b2")
SHAPES = {"W1": (4, 2), "b1": (4,), "W2": (1, 4), "b2": (1,)}
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


_CHECKED = [None, None]  # the last X and Y checked, when they were float arrays already


def _checked(X, Y):
    """X and Y as float arrays with matching rows; ValueError (one line) if they are not.
    The same two float arrays again are not checked again (do not change them in place)."""
    if X is _CHECKED[0] and Y is _CHECKED[1]:
        return X, Y
    given = X, Y
    X, Y = numpy.asarray(X, dtype=float), numpy.asarray(Y, dtype=float)
    for name, rows, width in (("X", X, 2), ("Y", Y, 1)):
        if rows.ndim != 2 or rows.shape[0] == 0 or rows.shape[1] != width:
            raise ValueError(f"{name} must have shape (m, {width}), got {list(rows.shape)}")
        bad = numpy.flatnonzero(~numpy.isfinite(rows).all(axis=1))
        if bad.size:
            raise ValueError(f"{name} row {bad[0]} is not finite: {rows[bad[0]].tolist()}")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    if X is given[0] and Y is given[1]:
        _CHECKED[:] = [X, Y]
    return X, Y


def forward(params, X):
    """The network's outputs a^L for the rows of X."""
    if len(X) > 23:
        return _matrix_forward(params, X)
    [[w1_1_1, w1_1_2], [w1_2_1, w1_2_2], [w1_3_1, w1_3_2], [w1_4_1, w1_4_2]] = params["W1"].tolist()
    [b1_1, b1_2, b1_3, b1_4] = params["b1"].tolist()
    [[w2_1_1, w2_1_2, w2_1_3, w2_1_4]] = params["W2"].tolist()
    [b2_1] = params["b2"].tolist()
    outputs = []
    for [x_1, x_2] in X.tolist():
        z1_1 = b1_1 + w1_1_1*x_1 + w1_1_2*x_2
        z1_2 = b1_2 + w1_2_1*x_1 + w1_2_2*x_2
        z1_3 = b1_3 + w1_3_1*x_1 + w1_3_2*x_2
        z1_4 = b1_4 + w1_4_1*x_1 + w1_4_2*x_2
        e1_1 = ((math.exp(z1_1)) if (z1_1 < 0.0) else (math.exp(-z1_1)))
        s1_1 = 1.0/(e1_1 + 1.0)
        a1_1 = ((s1_1) if (z1_1 >= 0.0) else (e1_1*s1_1))
        e1_2 = ((math.exp(z1_2)) if (z1_2 < 0.0) else (math.exp(-z1_2)))
        s1_2 = 1.0/(e1_2 + 1.0)
        a1_2 = ((s1_2) if (z1_2 >= 0.0) else (e1_2*s1_2))
        e1_3 = ((math.exp(z1_3)) if (z1_3 < 0.0) else (math.exp(-z1_3)))
        s1_3 = 1.0/(e1_3 + 1.0)
        a1_3 = ((s1_3) if (z1_3 >= 0.0) else (e1_3*s1_3))
        e1_4 = ((math.exp(z1_4)) if (z1_4 < 0.0) else (math.exp(-z1_4)))
        s1_4 = 1.0/(e1_4 + 1.0)
        a1_4 = ((s1_4) if (z1_4 >= 0.0) else (e1_4*s1_4))
        z2_1 = a1_1*w2_1_1 + a1_2*w2_1_2 + a1_3*w2_1_3 + a1_4*w2_1_4 + b2_1
        e2_1 = ((math.exp(z2_1)) if (z2_1 < 0.0) else (math.exp(-z2_1)))
        s2_1 = 1.0/(e2_1 + 1.0)
        a2_1 = ((s2_1) if (z2_1 >= 0.0) else (e2_1*s2_1))
        outputs.append((a2_1,))
    return numpy.array(outputs)


def loss(params, X, Y):
    """The cost averaged over the rows of X and Y."""
    X, Y = _checked(X, Y)
    if len(X) > 23:
        return _matrix_loss(params, X, Y)
    [[w1_1_1, w1_1_2], [w1_2_1, w1_2_2], [w1_3_1, w1_3_2], [w1_4_1, w1_4_2]] = params["W1"].tolist()
    [b1_1, b1_2, b1_3, b1_4] = params["b1"].tolist()
    [[w2_1_1, w2_1_2, w2_1_3, w2_1_4]] = params["W2"].tolist()
    [b2_1] = params["b2"].tolist()
    total = 0.0
    for [x_1, x_2], [y_1] in zip(X.tolist(), Y.tolist(), strict=True):
        z1_1 = b1_1 + w1_1_1*x_1 + w1_1_2*x_2
        z1_2 = b1_2 + w1_2_1*x_1 + w1_2_2*x_2
        z1_3 = b1_3 + w1_3_1*x_1 + w1_3_2*x_2
        z1_4 = b1_4 + w1_4_1*x_1 + w1_4_2*x_2
        e1_1 = ((math.exp(z1_1)) if (z1_1 < 0.0) else (math.exp(-z1_1)))
        s1_1 = 1.0/(e1_1 + 1.0)
        a1_1 = ((s1_1) if (z1_1 >= 0.0) else (e1_1*s1_1))
        e1_2 = ((math.exp(z1_2)) if (z1_2 < 0.0) else (math.exp(-z1_2)))
        s1_2 = 1.0/(e1_2 + 1.0)
        a1_2 = ((s1_2) if (z1_2 >= 0.0) else (e1_2*s1_2))
        e1_3 = ((math.exp(z1_3)) if (z1_3 < 0.0) else (math.exp(-z1_3)))
        s1_3 = 1.0/(e1_3 + 1.0)
        a1_3 = ((s1_3) if (z1_3 >= 0.0) else (e1_3*s1_3))
        e1_4 = ((math.exp(z1_4)) if (z1_4 < 0.0) else (math.exp(-z1_4)))
        s1_4 = 1.0/(e1_4 + 1.0)
        a1_4 = ((s1_4) if (z1_4 >= 0.0) else (e1_4*s1_4))
        z2_1 = a1_1*w2_1_1 + a1_2*w2_1_2 + a1_3*w2_1_3 + a1_4*w2_1_4 + b2_1
        e2_1 = ((math.exp(z2_1)) if (z2_1 < 0.0) else (math.exp(-z2_1)))
        s2_1 = 1.0/(e2_1 + 1.0)
        a2_1 = ((s2_1) if (z2_1 >= 0.0) else (e2_1*s2_1))
        total += (1/2)*(-a2_1 + y_1)**2
    return total / len(X)


def gradients(params, X, Y):
    """The gradient of the batch cost with respect to every parameter, keyed like params."""
    X, Y = _checked(X, Y)
    if len(X) > 23:
        return _matrix_gradients(params, X, Y)
    [[w1_1_1, w1_1_2], [w1_2_1, w1_2_2], [w1_3_1, w1_3_2], [w1_4_1, w1_4_2]] = params["W1"].tolist()
    [b1_1, b1_2, b1_3, b1_4] = params["b1"].tolist()
    [[w2_1_1, w2_1_2, w2_1_3, w2_1_4]] = params["W2"].tolist()
    [b2_1] = params["b2"].tolist()
    g_w1_1_1 = 0.0
    g_w1_1_2 = 0.0
    g_w1_2_1 = 0.0
    g_w1_2_2 = 0.0
    g_w1_3_1 = 0.0
    g_w1_3_2 = 0.0
    g_w1_4_1 = 0.0
    g_w1_4_2 = 0.0
    g_b1_1 = 0.0
    g_b1_2 = 0.0
    g_b1_3 = 0.0
    g_b1_4 = 0.0
    g_w2_1_1 = 0.0
    g_w2_1_2 = 0.0
    g_w2_1_3 = 0.0
    g_w2_1_4 = 0.0
    g_b2_1 = 0.0
    r = 1.0 / len(X)
    for [x_1, x_2], [y_1] in zip(X.tolist(), Y.tolist(), strict=True):
        z1_1 = b1_1 + w1_1_1*x_1 + w1_1_2*x_2
        z1_2 = b1_2 + w1_2_1*x_1 + w1_2_2*x_2
        z1_3 = b1_3 + w1_3_1*x_1 + w1_3_2*x_2
        z1_4 = b1_4 + w1_4_1*x_1 + w1_4_2*x_2
        e1_1 = ((math.exp(z1_1)) if (z1_1 < 0.0) else (math.exp(-z1_1)))
        s1_1 = 1.0/(e1_1 + 1.0)
        a1_1 = ((s1_1) if (z1_1 >= 0.0) else (e1_1*s1_1))
        e1_2 = ((math.exp(z1_2)) if (z1_2 < 0.0) else (math.exp(-z1_2)))
        s1_2 = 1.0/(e1_2 + 1.0)
        a1_2 = ((s1_2) if (z1_2 >= 0.0) else (e1_2*s1_2))
        e1_3 = ((math.exp(z1_3)) if (z1_3 < 0.0) else (math.exp(-z1_3)))
        s1_3 = 1.0/(e1_3 + 1.0)
        a1_3 = ((s1_3) if (z1_3 >= 0.0) else (e1_3*s1_3))
        e1_4 = ((math.exp(z1_4)) if (z1_4 < 0.0) else (math.exp(-z1_4)))
        s1_4 = 1.0/(e1_4 + 1.0)
        a1_4 = ((s1_4) if (z1_4 >= 0.0) else (e1_4*s1_4))
        z2_1 = a1_1*w2_1_1 + a1_2*w2_1_2 + a1_3*w2_1_3 + a1_4*w2_1_4 + b2_1
        e2_1 = ((math.exp(z2_1)) if (z2_1 < 0.0) else (math.exp(-z2_1)))
        s2_1 = 1.0/(e2_1 + 1.0)
        a2_1 = ((s2_1) if (z2_1 >= 0.0) else (e2_1*s2_1))
        d2_1 = e2_1*r*(s2_1*s2_1)*(a2_1 - y_1)
        d1_1 = d2_1*e1_1*(s1_1*s1_1)*w2_1_1
        d1_2 = d2_1*e1_2*(s1_2*s1_2)*w2_1_2
        d1_3 = d2_1*e1_3*(s1_3*s1_3)*w2_1_3
        d1_4 = d2_1*e1_4*(s1_4*s1_4)*w2_1_4
        g_w1_1_1 += d1_1*x_1
        g_w1_1_2 += d1_1*x_2
        g_w1_2_1 += d1_2*x_1
        g_w1_2_2 += d1_2*x_2
        g_w1_3_1 += d1_3*x_1
        g_w1_3_2 += d1_3*x_2
        g_w1_4_1 += d1_4*x_1
        g_w1_4_2 += d1_4*x_2
        g_b1_1 += d1_1
        g_b1_2 += d1_2
        g_b1_3 += d1_3
        g_b1_4 += d1_4
        g_w2_1_1 += a1_1*d2_1
        g_w2_1_2 += a1_2*d2_1
        g_w2_1_3 += a1_3*d2_1
        g_w2_1_4 += a1_4*d2_1
        g_b2_1 += d2_1
    flat = numpy.array([g_w1_1_1, g_w1_1_2, g_w1_2_1, g_w1_2_2, g_w1_3_1, g_w1_3_2, g_w1_4_1,
        g_w1_4_2, g_b1_1, g_b1_2, g_b1_3, g_b1_4, g_w2_1_1, g_w2_1_2, g_w2_1_3, g_w2_1_4, g_b2_1])
    return {"W1": flat[0:8].reshape((4, 2)), "b1": flat[8:12], "W2": flat[12:16].reshape((1, 4)),
        "b2": flat[16:17]}


def sgd_step(params, X, Y, learning_rate):
    """New parameters P - learning_rate * dC/dP for the keys in TRAINED; the others unchanged."""
    X, Y = _checked(X, Y)
    if len(X) > 23:
        return _matrix_sgd_step(params, X, Y, learning_rate)
    [[w1_1_1, w1_1_2], [w1_2_1, w1_2_2], [w1_3_1, w1_3_2], [w1_4_1, w1_4_2]] = params["W1"].tolist()
    [b1_1, b1_2, b1_3, b1_4] = params["b1"].tolist()
    [[w2_1_1, w2_1_2, w2_1_3, w2_1_4]] = params["W2"].tolist()
    [b2_1] = params["b2"].tolist()
    g_w1_1_1 = 0.0
    g_w1_1_2 = 0.0
    g_w1_2_1 = 0.0
    g_w1_2_2 = 0.0
    g_w1_3_1 = 0.0
    g_w1_3_2 = 0.0
    g_w1_4_1 = 0.0
    g_w1_4_2 = 0.0
    g_b1_1 = 0.0
    g_b1_2 = 0.0
    g_b1_3 = 0.0
    g_b1_4 = 0.0
    g_w2_1_1 = 0.0
    g_w2_1_2 = 0.0
    g_w2_1_3 = 0.0
    g_w2_1_4 = 0.0
    g_b2_1 = 0.0
    r = -learning_rate / len(X)
    for [x_1, x_2], [y_1] in zip(X.tolist(), Y.tolist(), strict=True):
        z1_1 = b1_1 + w1_1_1*x_1 + w1_1_2*x_2
        z1_2 = b1_2 + w1_2_1*x_1 + w1_2_2*x_2
        z1_3 = b1_3 + w1_3_1*x_1 + w1_3_2*x_2
        z1_4 = b1_4 + w1_4_1*x_1 + w1_4_2*x_2
        e1_1 = ((math.exp(z1_1)) if (z1_1 < 0.0) else (math.exp(-z1_1)))
        s1_1 = 1.0/(e1_1 + 1.0)
        a1_1 = ((s1_1) if (z1_1 >= 0.0) else (e1_1*s1_1))
        e1_2 = ((math.exp(z1_2)) if (z1_2 < 0.0) else (math.exp(-z1_2)))
        s1_2 = 1.0/(e1_2 + 1.0)
        a1_2 = ((s1_2) if (z1_2 >= 0.0) else (e1_2*s1_2))
        e1_3 = ((math.exp(z1_3)) if (z1_3 < 0.0) else (math.exp(-z1_3)))
        s1_3 = 1.0/(e1_3 + 1.0)
        a1_3 = ((s1_3) if (z1_3 >= 0.0) else (e1_3*s1_3))
        e1_4 = ((math.exp(z1_4)) if (z1_4 < 0.0) else (math.exp(-z1_4)))
        s1_4 = 1.0/(e1_4 + 1.0)
        a1_4 = ((s1_4) if (z1_4 >= 0.0) else (e1_4*s1_4))
        z2_1 = a1_1*w2_1_1 + a1_2*w2_1_2 + a1_3*w2_1_3 + a1_4*w2_1_4 + b2_1
        e2_1 = ((math.exp(z2_1)) if (z2_1 < 0.0) else (math.exp(-z2_1)))
        s2_1 = 1.0/(e2_1 + 1.0)
        a2_1 = ((s2_1) if (z2_1 >= 0.0) else (e2_1*s2_1))
        d2_1 = e2_1*r*(s2_1*s2_1)*(a2_1 - y_1)
        d1_1 = d2_1*e1_1*(s1_1*s1_1)*w2_1_1
        d1_2 = d2_1*e1_2*(s1_2*s1_2)*w2_1_2
        d1_3 = d2_1*e1_3*(s1_3*s1_3)*w2_1_3
        d1_4 = d2_1*e1_4*(s1_4*s1_4)*w2_1_4
        g_w1_1_1 += d1_1*x_1
        g_w1_1_2 += d1_1*x_2
        g_w1_2_1 += d1_2*x_1
        g_w1_2_2 += d1_2*x_2
        g_w1_3_1 += d1_3*x_1
        g_w1_3_2 += d1_3*x_2
        g_w1_4_1 += d1_4*x_1
        g_w1_4_2 += d1_4*x_2
        g_b1_1 += d1_1
        g_b1_2 += d1_2
        g_b1_3 += d1_3
        g_b1_4 += d1_4
        g_w2_1_1 += a1_1*d2_1
        g_w2_1_2 += a1_2*d2_1
        g_w2_1_3 += a1_3*d2_1
        g_w2_1_4 += a1_4*d2_1
        g_b2_1 += d2_1
    flat = numpy.array([g_w1_1_1 + w1_1_1, g_w1_1_2 + w1_1_2, g_w1_2_1 + w1_2_1, g_w1_2_2 + w1_2_2,
        g_w1_3_1 + w1_3_1, g_w1_3_2 + w1_3_2, g_w1_4_1 + w1_4_1, g_w1_4_2 + w1_4_2, b1_1 + g_b1_1,
        b1_2 + g_b1_2, b1_3 + g_b1_3, b1_4 + g_b1_4, g_w2_1_1 + w2_1_1, g_w2_1_2 + w2_1_2, g_w2_1_3
        + w2_1_3, g_w2_1_4 + w2_1_4, b2_1 + g_b2_1])
    return {"W1": flat[0:8].reshape((4, 2)), "b1": flat[8:12], "W2": flat[12:16].reshape((1, 4)),
        "b2": flat[16:17]}


def _matrix_forward(params, X):
    """The network's outputs a^L for the rows of X.

    z^1_1 = b^1_1 + w^1_{11}*x_1 + w^1_{12}*x_2
    a^1_1 = Sigmoid(z^1_1)
    z^2_1 = a^1_1*w^2_{11} + a^1_2*w^2_{12} + a^1_3*w^2_{13} + a^1_4*w^2_{14} + b^2_1
    a^2_1 = Sigmoid(z^2_1)
    (derived for unit 1; every unit of a layer has the same form)
    """
    W1 = params["W1"]
    b1 = params["b1"]
    W2 = params["W2"]
    b2 = params["b2"]
    Z1 = X @ W1.T + b1
    A1 = _sigmoid(Z1)
    Z2 = A1 @ W2.T + b2
    A2 = _sigmoid(Z2)
    return A2


def _matrix_loss(params, X, Y):
    """The cost averaged over the rows of X and Y.

    z^1_1 = b^1_1 + w^1_{11}*x_1 + w^1_{12}*x_2
    a^1_1 = Sigmoid(z^1_1)
    z^2_1 = a^1_1*w^2_{11} + a^1_2*w^2_{12} + a^1_3*w^2_{13} + a^1_4*w^2_{14} + b^2_1
    a^2_1 = Sigmoid(z^2_1)
    C = (-a^2_1 + y_1)**2/2
    """
    X, Y = _checked(X, Y)
    W1 = params["W1"]
    b1 = params["b1"]
    W2 = params["W2"]
    b2 = params["b2"]
    m = X.shape[0]
    Z1 = X @ W1.T + b1
    A1 = _sigmoid(Z1)
    Z2 = A1 @ W2.T + b2
    A2 = _sigmoid(Z2)
    cost = numpy.sum((1/2)*(-A2 + Y)**2) / m
    return cost


def _matrix_gradients(params, X, Y):
    """The gradient of the batch cost with respect to every parameter, keyed like params.

    BP1/BP2 give the deltas, BP3/BP4 the gradients, each averaged over the batch:
    z^1_1 = b^1_1 + w^1_{11}*x_1 + w^1_{12}*x_2
    a^1_1 = Sigmoid(z^1_1)
    z^2_1 = a^1_1*w^2_{11} + a^1_2*w^2_{12} + a^1_3*w^2_{13} + a^1_4*w^2_{14} + b^2_1
    a^2_1 = Sigmoid(z^2_1)
    delta^2_1 = a^2_1*(1 - a^2_1)*(a^2_1 - y_1)
    delta^1_1 = a^1_1*delta^2_1*w^2_{11}*(1 - a^1_1)
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
    A1 = _sigmoid(Z1)
    Z2 = A1 @ W2.T + b2
    A2 = _sigmoid(Z2)
    D2 = (A2 - Y)*_sigmoid_prime(Z2)
    D1 = (D2 @ W2)*_sigmoid_prime(Z1)
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
    A1 = _sigmoid(Z1)
    Z2 = A1 @ W2.T + b2
    A2 = _sigmoid(Z2)
    D2 = (A2 - Y)*_sigmoid_prime(Z2)
    D1 = (D2 @ W2)*_sigmoid_prime(Z1)
    new_W1 = ((-learning_rate / m) * D1).T @ X + W1
    new_b1 = b1 - learning_rate*(numpy.sum(D1, axis=0) / m)
    new_W2 = ((-learning_rate / m) * D2).T @ A1 + W2
    new_b2 = b2 - learning_rate*(numpy.sum(D2, axis=0) / m)
    return {"W1": new_W1, "b1": new_b1, "W2": new_W2, "b2": new_b2}



def workspace(m, dtype=numpy.float64):
    """The arrays train_step writes into, for batches of m rows: allocate once, reuse."""
    return {
        "Z1": numpy.empty((m, 4), dtype),
        "Z2": numpy.empty((m, 1), dtype),
        "D1": numpy.empty((m, 4), dtype),
        "A1": numpy.empty((m, 4), dtype),
        "A2": numpy.empty((m, 1), dtype),
        "Q1": numpy.empty((m, 4), dtype),
        "Q2": numpy.empty((m, 1), dtype),
        "dW1": numpy.empty((4, 2), dtype),
        "dW2": numpy.empty((1, 4), dtype),
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
    A1 = _sigmoid_into(Z1, work["Q1"], work["A1"])
    Z2 = _rows_dot_t_into(A1, W2, work["Z2"])
    Z2 += b2
    A2 = _sigmoid_into(Z2, work["Q2"], work["A2"])
    D2 = _times_sigmoid_prime(scale*(A2 - Y), work["Q2"])
    D1 = _rows_dot_into(D2, W2, work["D1"])
    D1 = _times_sigmoid_prime(D1, work["Q1"])
    _add_column_sums(b1, D1)
    _add_outer(W1, D1, X, work["dW1"])
    _add_column_sums(b2, D2)
    _add_outer(W2, D2, A1, work["dW2"])
    return params