"""NumPy model compiled by symbp from the derived backpropagation equations.

Network: 3 inputs, loss squared_error.
    layer 1: 4 tanh units, bias none
    layer 2: 3 leaky_relu units (alpha 0.05), bias shared
    layer 3: 2 softmax units, bias per_unit

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

Batches of up to 12 rows run straight-line code: the derived per-unit expressions
for one sample at a time on Python floats (one name per number, w<l>_j_k for w^l_{jk}), the
gradients summed over the samples. Larger batches run the matrix code (_matrix_sgd_step, ...).
"""

# network: network

import math

import numpy

TRAINED = ("W1", "W2", "b2", "W3", "b3")
SHAPES = {"W1": (4, 3), "W2": (3, 4), "b2": (), "W3": (2, 3), "b3": (2,)}
_BLAS = []  # scipy.linalg.blas once _scipy_blas has imported it (None without SciPy)


def _exp_or_zero(d):
    """exp(d) for d <= 0, taken as exactly 0 below exp(-600) so no subnormal numbers arise."""
    return numpy.exp(numpy.maximum(d, -600.0)) * (d > -600.0)


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


def _tanh(z):
    """tanh(z)."""
    return numpy.tanh(z)


def _tanh_prime(z):
    """tanh'(z) = sech(z)^2 = 4 e / (1 + e)^2 with e = exp(-2|z|) <= 1, from z: full relative
    accuracy (the textbook 1 - tanh(z)^2 is exactly 0 for |z| > 19)."""
    e = _exp_or_zero(-2.0 * numpy.abs(z))
    return 4.0 * e / (1.0 + e) ** 2


def _leaky_relu(z, alpha):
    """z for z > 0, alpha z otherwise."""
    return numpy.where(z > 0, z, alpha * z)


def _softmax(z):
    """Softmax over the last axis, after subtracting its maximum (no overflow)."""
    e = _exp_or_zero(z - numpy.max(z, axis=-1, keepdims=True))
    return e / numpy.sum(e, axis=-1, keepdims=True)


def _softmax_jvp(a, g):
    """a (g - sum(a g)) over the last axis (softmax's Jacobian times g), written with d = g - g_t,
    t the largest output, as a (d - sum(a d)): the same number, without the cancellation of
    g_t - sum(a g) once a_t rounds to 1."""
    top = numpy.take_along_axis(g, numpy.argmax(a, axis=-1)[..., None], axis=-1)
    d = g - top
    return a * (d - numpy.sum(a * d, axis=-1, keepdims=True))


def _scalar_tanh(z):
    """tanh(z)."""
    return math.tanh(z)


def _scalar_leaky_relu(z, alpha):
    """z for z > 0, alpha z otherwise."""
    return z if z > 0.0 else alpha * z


def _scalar_softmax(k, *z):
    """The k-th softmax output of z_1..z_n (k from 1), after subtracting the maximum."""
    top = max(z)
    e = [math.exp(v - top) for v in z]
    return e[k - 1] / math.fsum(e)


def _scalar_softmax_jvp(k, *ag):
    """Entry k of softmax's Jacobian times g, a_k (g_k - sum a_i g_i), for a_1..a_n, g_1..g_n,
    written with d = g - g_t (t the largest output) as a_k (d_k - sum a_i d_i): no cancellation
    once a_t rounds to 1."""
    n = len(ag) // 2
    a, g = ag[:n], ag[n:]
    top = g[max(range(n), key=a.__getitem__)]
    d = [v - top for v in g]
    return a[k - 1] * (d[k - 1] - math.fsum(x * v for x, v in zip(a, d)))


_CHECKED = [None, None]  # the last X and Y checked, when they were float arrays already


def _checked(X, Y):
    """X and Y as float arrays with matching rows; ValueError (one line) if they are not.
    The same two float arrays again are not checked again (do not change them in place)."""
    if X is _CHECKED[0] and Y is _CHECKED[1]:
        return X, Y
    given = X, Y
    X, Y = numpy.asarray(X, dtype=float), numpy.asarray(Y, dtype=float)
    for name, rows, width in (("X", X, 3), ("Y", Y, 2)):
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
    if len(X) > 12:
        return _matrix_forward(params, X)
    [[w1_1_1, w1_1_2, w1_1_3], [w1_2_1, w1_2_2, w1_2_3], [w1_3_1, w1_3_2, w1_3_3], [w1_4_1, w1_4_2,
        w1_4_3]] = params["W1"].tolist()
    [[w2_1_1, w2_1_2, w2_1_3, w2_1_4], [w2_2_1, w2_2_2, w2_2_3, w2_2_4], [w2_3_1, w2_3_2, w2_3_3,
        w2_3_4]] = params["W2"].tolist()
    b2 = params["b2"].tolist()
    [[w3_1_1, w3_1_2, w3_1_3], [w3_2_1, w3_2_2, w3_2_3]] = params["W3"].tolist()
    [b3_1, b3_2] = params["b3"].tolist()
    outputs = []
    for [x_1, x_2, x_3] in X.tolist():
        z1_1 = w1_1_1*x_1 + w1_1_2*x_2 + w1_1_3*x_3
        z1_2 = w1_2_1*x_1 + w1_2_2*x_2 + w1_2_3*x_3
        z1_3 = w1_3_1*x_1 + w1_3_2*x_2 + w1_3_3*x_3
        z1_4 = w1_4_1*x_1 + w1_4_2*x_2 + w1_4_3*x_3
        a1_1 = _scalar_tanh(z1_1)
        a1_2 = _scalar_tanh(z1_2)
        a1_3 = _scalar_tanh(z1_3)
        a1_4 = _scalar_tanh(z1_4)
        z2_1 = a1_1*w2_1_1 + a1_2*w2_1_2 + a1_3*w2_1_3 + a1_4*w2_1_4 + b2
        z2_2 = a1_1*w2_2_1 + a1_2*w2_2_2 + a1_3*w2_2_3 + a1_4*w2_2_4 + b2
        z2_3 = a1_1*w2_3_1 + a1_2*w2_3_2 + a1_3*w2_3_3 + a1_4*w2_3_4 + b2
        a2_1 = _scalar_leaky_relu(z2_1, 1/20)
        a2_2 = _scalar_leaky_relu(z2_2, 1/20)
        a2_3 = _scalar_leaky_relu(z2_3, 1/20)
        z3_1 = a2_1*w3_1_1 + a2_2*w3_1_2 + a2_3*w3_1_3 + b3_1
        z3_2 = a2_1*w3_2_1 + a2_2*w3_2_2 + a2_3*w3_2_3 + b3_2
        a3_1 = _scalar_softmax(1, z3_1, z3_2)
        a3_2 = _scalar_softmax(2, z3_1, z3_2)
        outputs.append((a3_1, a3_2,))
    return numpy.array(outputs)


def loss(params, X, Y):
    """The cost averaged over the rows of X and Y."""
    X, Y = _checked(X, Y)
    if len(X) > 12:
        return _matrix_loss(params, X, Y)
    [[w1_1_1, w1_1_2, w1_1_3], [w1_2_1, w1_2_2, w1_2_3], [w1_3_1, w1_3_2, w1_3_3], [w1_4_1, w1_4_2,
        w1_4_3]] = params["W1"].tolist()
    [[w2_1_1, w2_1_2, w2_1_3, w2_1_4], [w2_2_1, w2_2_2, w2_2_3, w2_2_4], [w2_3_1, w2_3_2, w2_3_3,
        w2_3_4]] = params["W2"].tolist()
    b2 = params["b2"].tolist()
    [[w3_1_1, w3_1_2, w3_1_3], [w3_2_1, w3_2_2, w3_2_3]] = params["W3"].tolist()
    [b3_1, b3_2] = params["b3"].tolist()
    total = 0.0
    for [x_1, x_2, x_3], [y_1, y_2] in zip(X.tolist(), Y.tolist(), strict=True):
        z1_1 = w1_1_1*x_1 + w1_1_2*x_2 + w1_1_3*x_3
        z1_2 = w1_2_1*x_1 + w1_2_2*x_2 + w1_2_3*x_3
        z1_3 = w1_3_1*x_1 + w1_3_2*x_2 + w1_3_3*x_3
        z1_4 = w1_4_1*x_1 + w1_4_2*x_2 + w1_4_3*x_3
        a1_1 = _scalar_tanh(z1_1)
        a1_2 = _scalar_tanh(z1_2)
        a1_3 = _scalar_tanh(z1_3)
        a1_4 = _scalar_tanh(z1_4)
        z2_1 = a1_1*w2_1_1 + a1_2*w2_1_2 + a1_3*w2_1_3 + a1_4*w2_1_4 + b2
        z2_2 = a1_1*w2_2_1 + a1_2*w2_2_2 + a1_3*w2_2_3 + a1_4*w2_2_4 + b2
        z2_3 = a1_1*w2_3_1 + a1_2*w2_3_2 + a1_3*w2_3_3 + a1_4*w2_3_4 + b2
        a2_1 = _scalar_leaky_relu(z2_1, 1/20)
        a2_2 = _scalar_leaky_relu(z2_2, 1/20)
        a2_3 = _scalar_leaky_relu(z2_3, 1/20)
        z3_1 = a2_1*w3_1_1 + a2_2*w3_1_2 + a2_3*w3_1_3 + b3_1
        z3_2 = a2_1*w3_2_1 + a2_2*w3_2_2 + a2_3*w3_2_3 + b3_2
        a3_1 = _scalar_softmax(1, z3_1, z3_2)
        a3_2 = _scalar_softmax(2, z3_1, z3_2)
        total += (1/2)*(-a3_1 + y_1)**2 + (1/2)*(-a3_2 + y_2)**2
    return total / len(X)


def gradients(params, X, Y):
    """The gradient of the batch cost with respect to every parameter, keyed like params."""
    X, Y = _checked(X, Y)
    if len(X) > 12:
        return _matrix_gradients(params, X, Y)
    [[w1_1_1, w1_1_2, w1_1_3], [w1_2_1, w1_2_2, w1_2_3], [w1_3_1, w1_3_2, w1_3_3], [w1_4_1, w1_4_2,
        w1_4_3]] = params["W1"].tolist()
    [[w2_1_1, w2_1_2, w2_1_3, w2_1_4], [w2_2_1, w2_2_2, w2_2_3, w2_2_4], [w2_3_1, w2_3_2, w2_3_3,
        w2_3_4]] = params["W2"].tolist()
    b2 = params["b2"].tolist()
    [[w3_1_1, w3_1_2, w3_1_3], [w3_2_1, w3_2_2, w3_2_3]] = params["W3"].tolist()
    [b3_1, b3_2] = params["b3"].tolist()
    g_w1_1_1 = 0.0
    g_w1_1_2 = 0.0
    g_w1_1_3 = 0.0
    g_w1_2_1 = 0.0
    g_w1_2_2 = 0.0
    g_w1_2_3 = 0.0
    g_w1_3_1 = 0.0
    g_w1_3_2 = 0.0
    g_w1_3_3 = 0.0
    g_w1_4_1 = 0.0
    g_w1_4_2 = 0.0
    g_w1_4_3 = 0.0
    g_w2_1_1 = 0.0
    g_w2_1_2 = 0.0
    g_w2_1_3 = 0.0
    g_w2_1_4 = 0.0
    g_w2_2_1 = 0.0
    g_w2_2_2 = 0.0
    g_w2_2_3 = 0.0
    g_w2_2_4 = 0.0
    g_w2_3_1 = 0.0
    g_w2_3_2 = 0.0
    g_w2_3_3 = 0.0
    g_w2_3_4 = 0.0
    g_b2 = 0.0
    g_w3_1_1 = 0.0
    g_w3_1_2 = 0.0
    g_w3_1_3 = 0.0
    g_w3_2_1 = 0.0
    g_w3_2_2 = 0.0
    g_w3_2_3 = 0.0
    g_b3_1 = 0.0
    g_b3_2 = 0.0
    r = 1.0 / len(X)
    for [x_1, x_2, x_3], [y_1, y_2] in zip(X.tolist(), Y.tolist(), strict=True):
        z1_1 = w1_1_1*x_1 + w1_1_2*x_2 + w1_1_3*x_3
        z1_2 = w1_2_1*x_1 + w1_2_2*x_2 + w1_2_3*x_3
        z1_3 = w1_3_1*x_1 + w1_3_2*x_2 + w1_3_3*x_3
        z1_4 = w1_4_1*x_1 + w1_4_2*x_2 + w1_4_3*x_3
        a1_1 = _scalar_tanh(z1_1)
        a1_2 = _scalar_tanh(z1_2)
        a1_3 = _scalar_tanh(z1_3)
        a1_4 = _scalar_tanh(z1_4)
        z2_1 = a1_1*w2_1_1 + a1_2*w2_1_2 + a1_3*w2_1_3 + a1_4*w2_1_4 + b2
        z2_2 = a1_1*w2_2_1 + a1_2*w2_2_2 + a1_3*w2_2_3 + a1_4*w2_2_4 + b2
        z2_3 = a1_1*w2_3_1 + a1_2*w2_3_2 + a1_3*w2_3_3 + a1_4*w2_3_4 + b2
        a2_1 = _scalar_leaky_relu(z2_1, 1/20)
        a2_2 = _scalar_leaky_relu(z2_2, 1/20)
        a2_3 = _scalar_leaky_relu(z2_3, 1/20)
        z3_1 = a2_1*w3_1_1 + a2_2*w3_1_2 + a2_3*w3_1_3 + b3_1
        z3_2 = a2_1*w3_2_1 + a2_2*w3_2_2 + a2_3*w3_2_3 + b3_2
        a3_1 = _scalar_softmax(1, z3_1, z3_2)
        a3_2 = _scalar_softmax(2, z3_1, z3_2)
        t0 = a3_1 - y_1
        t1 = a3_2 - y_2
        d3_1 = r*_scalar_softmax_jvp(1, a3_1, a3_2, t0, t1)
        d3_2 = r*_scalar_softmax_jvp(2, a3_1, a3_2, t0, t1)
        d2_1 = (d3_1*w3_1_1 + d3_2*w3_2_1)*((19/20)*(1.0 if z2_1 > 0.0 else 0.0) + 1/20)
        d2_2 = (d3_1*w3_1_2 + d3_2*w3_2_2)*((19/20)*(1.0 if z2_2 > 0.0 else 0.0) + 1/20)
        d2_3 = (d3_1*w3_1_3 + d3_2*w3_2_3)*((19/20)*(1.0 if z2_3 > 0.0 else 0.0) + 1/20)
        d1_1 = (d2_1*w2_1_1 + d2_2*w2_2_1 + d2_3*w2_3_1)*(4.0 * (e := math.exp(-2.0 * abs(z1_1))) /
            ((1.0 + e) * (1.0 + e)))
        d1_2 = (d2_1*w2_1_2 + d2_2*w2_2_2 + d2_3*w2_3_2)*(4.0 * (e := math.exp(-2.0 * abs(z1_2))) /
            ((1.0 + e) * (1.0 + e)))
        d1_3 = (d2_1*w2_1_3 + d2_2*w2_2_3 + d2_3*w2_3_3)*(4.0 * (e := math.exp(-2.0 * abs(z1_3))) /
            ((1.0 + e) * (1.0 + e)))
        d1_4 = (d2_1*w2_1_4 + d2_2*w2_2_4 + d2_3*w2_3_4)*(4.0 * (e := math.exp(-2.0 * abs(z1_4))) /
            ((1.0 + e) * (1.0 + e)))
        g_w1_1_1 += d1_1*x_1
        g_w1_1_2 += d1_1*x_2
        g_w1_1_3 += d1_1*x_3
        g_w1_2_1 += d1_2*x_1
        g_w1_2_2 += d1_2*x_2
        g_w1_2_3 += d1_2*x_3
        g_w1_3_1 += d1_3*x_1
        g_w1_3_2 += d1_3*x_2
        g_w1_3_3 += d1_3*x_3
        g_w1_4_1 += d1_4*x_1
        g_w1_4_2 += d1_4*x_2
        g_w1_4_3 += d1_4*x_3
        g_w2_1_1 += a1_1*d2_1
        g_w2_1_2 += a1_2*d2_1
        g_w2_1_3 += a1_3*d2_1
        g_w2_1_4 += a1_4*d2_1
        g_w2_2_1 += a1_1*d2_2
        g_w2_2_2 += a1_2*d2_2
        g_w2_2_3 += a1_3*d2_2
        g_w2_2_4 += a1_4*d2_2
        g_w2_3_1 += a1_1*d2_3
        g_w2_3_2 += a1_2*d2_3
        g_w2_3_3 += a1_3*d2_3
        g_w2_3_4 += a1_4*d2_3
        g_b2 += d2_1 + d2_2 + d2_3
        g_w3_1_1 += a2_1*d3_1
        g_w3_1_2 += a2_2*d3_1
        g_w3_1_3 += a2_3*d3_1
        g_w3_2_1 += a2_1*d3_2
        g_w3_2_2 += a2_2*d3_2
        g_w3_2_3 += a2_3*d3_2
        g_b3_1 += d3_1
        g_b3_2 += d3_2
    flat = numpy.array([g_w1_1_1, g_w1_1_2, g_w1_1_3, g_w1_2_1, g_w1_2_2, g_w1_2_3, g_w1_3_1,
        g_w1_3_2, g_w1_3_3, g_w1_4_1, g_w1_4_2, g_w1_4_3, g_w2_1_1, g_w2_1_2, g_w2_1_3, g_w2_1_4,
        g_w2_2_1, g_w2_2_2, g_w2_2_3, g_w2_2_4, g_w2_3_1, g_w2_3_2, g_w2_3_3, g_w2_3_4, g_b2,
        g_w3_1_1, g_w3_1_2, g_w3_1_3, g_w3_2_1, g_w3_2_2, g_w3_2_3, g_b3_1, g_b3_2])
    return {"W1": flat[0:12].reshape((4, 3)), "W2": flat[12:24].reshape((3, 4)), "b2":
        flat[24:25].reshape(()), "W3": flat[25:31].reshape((2, 3)), "b3": flat[31:33]}


def sgd_step(params, X, Y, learning_rate):
    """New parameters P - learning_rate * dC/dP for the keys in TRAINED; the others unchanged."""
    X, Y = _checked(X, Y)
    if len(X) > 12:
        return _matrix_sgd_step(params, X, Y, learning_rate)
    [[w1_1_1, w1_1_2, w1_1_3], [w1_2_1, w1_2_2, w1_2_3], [w1_3_1, w1_3_2, w1_3_3], [w1_4_1, w1_4_2,
        w1_4_3]] = params["W1"].tolist()
    [[w2_1_1, w2_1_2, w2_1_3, w2_1_4], [w2_2_1, w2_2_2, w2_2_3, w2_2_4], [w2_3_1, w2_3_2, w2_3_3,
        w2_3_4]] = params["W2"].tolist()
    b2 = params["b2"].tolist()
    [[w3_1_1, w3_1_2, w3_1_3], [w3_2_1, w3_2_2, w3_2_3]] = params["W3"].tolist()
    [b3_1, b3_2] = params["b3"].tolist()
    g_w1_1_1 = 0.0
    g_w1_1_2 = 0.0
    g_w1_1_3 = 0.0
    g_w1_2_1 = 0.0
    g_w1_2_2 = 0.0
    g_w1_2_3 = 0.0
    g_w1_3_1 = 0.0
    g_w1_3_2 = 0.0
    g_w1_3_3 = 0.0
    g_w1_4_1 = 0.0
    g_w1_4_2 = 0.0
    g_w1_4_3 = 0.0
    g_w2_1_1 = 0.0
    g_w2_1_2 = 0.0
    g_w2_1_3 = 0.0
    g_w2_1_4 = 0.0
    g_w2_2_1 = 0.0
    g_w2_2_2 = 0.0
    g_w2_2_3 = 0.0
    g_w2_2_4 = 0.0
    g_w2_3_1 = 0.0
    g_w2_3_2 = 0.0
    g_w2_3_3 = 0.0
    g_w2_3_4 = 0.0
    g_b2 = 0.0
    g_w3_1_1 = 0.0
    g_w3_1_2 = 0.0
    g_w3_1_3 = 0.0
    g_w3_2_1 = 0.0
    g_w3_2_2 = 0.0
    g_w3_2_3 = 0.0
    g_b3_1 = 0.0
    g_b3_2 = 0.0
    r = -learning_rate / len(X)
    for [x_1, x_2, x_3], [y_1, y_2] in zip(X.tolist(), Y.tolist(), strict=True):
        z1_1 = w1_1_1*x_1 + w1_1_2*x_2 + w1_1_3*x_3
        z1_2 = w1_2_1*x_1 + w1_2_2*x_2 + w1_2_3*x_3
        z1_3 = w1_3_1*x_1 + w1_3_2*x_2 + w1_3_3*x_3
        z1_4 = w1_4_1*x_1 + w1_4_2*x_2 + w1_4_3*x_3
        a1_1 = _scalar_tanh(z1_1)
        a1_2 = _scalar_tanh(z1_2)
        a1_3 = _scalar_tanh(z1_3)
        a1_4 = _scalar_tanh(z1_4)
        z2_1 = a1_1*w2_1_1 + a1_2*w2_1_2 + a1_3*w2_1_3 + a1_4*w2_1_4 + b2
        z2_2 = a1_1*w2_2_1 + a1_2*w2_2_2 + a1_3*w2_2_3 + a1_4*w2_2_4 + b2
        z2_3 = a1_1*w2_3_1 + a1_2*w2_3_2 + a1_3*w2_3_3 + a1_4*w2_3_4 + b2
        a2_1 = _scalar_leaky_relu(z2_1, 1/20)
        a2_2 = _scalar_leaky_relu(z2_2, 1/20)
        a2_3 = _scalar_leaky_relu(z2_3, 1/20)
        z3_1 = a2_1*w3_1_1 + a2_2*w3_1_2 + a2_3*w3_1_3 + b3_1
        z3_2 = a2_1*w3_2_1 + a2_2*w3_2_2 + a2_3*w3_2_3 + b3_2
        a3_1 = _scalar_softmax(1, z3_1, z3_2)
        a3_2 = _scalar_softmax(2, z3_1, z3_2)
        t0 = a3_1 - y_1
        t1 = a3_2 - y_2
        d3_1 = r*_scalar_softmax_jvp(1, a3_1, a3_2, t0, t1)
        d3_2 = r*_scalar_softmax_jvp(2, a3_1, a3_2, t0, t1)
        d2_1 = (d3_1*w3_1_1 + d3_2*w3_2_1)*((19/20)*(1.0 if z2_1 > 0.0 else 0.0) + 1/20)
        d2_2 = (d3_1*w3_1_2 + d3_2*w3_2_2)*((19/20)*(1.0 if z2_2 > 0.0 else 0.0) + 1/20)
        d2_3 = (d3_1*w3_1_3 + d3_2*w3_2_3)*((19/20)*(1.0 if z2_3 > 0.0 else 0.0) + 1/20)
        d1_1 = (d2_1*w2_1_1 + d2_2*w2_2_1 + d2_3*w2_3_1)*(4.0 * (e := math.exp(-2.0 * abs(z1_1))) /
            ((1.0 + e) * (1.0 + e)))
        d1_2 = (d2_1*w2_1_2 + d2_2*w2_2_2 + d2_3*w2_3_2)*(4.0 * (e := math.exp(-2.0 * abs(z1_2))) /
            ((1.0 + e) * (1.0 + e)))
        d1_3 = (d2_1*w2_1_3 + d2_2*w2_2_3 + d2_3*w2_3_3)*(4.0 * (e := math.exp(-2.0 * abs(z1_3))) /
            ((1.0 + e) * (1.0 + e)))
        d1_4 = (d2_1*w2_1_4 + d2_2*w2_2_4 + d2_3*w2_3_4)*(4.0 * (e := math.exp(-2.0 * abs(z1_4))) /
            ((1.0 + e) * (1.0 + e)))
        g_w1_1_1 += d1_1*x_1
        g_w1_1_2 += d1_1*x_2
        g_w1_1_3 += d1_1*x_3
        g_w1_2_1 += d1_2*x_1
        g_w1_2_2 += d1_2*x_2
        g_w1_2_3 += d1_2*x_3
        g_w1_3_1 += d1_3*x_1
        g_w1_3_2 += d1_3*x_2
        g_w1_3_3 += d1_3*x_3
        g_w1_4_1 += d1_4*x_1
        g_w1_4_2 += d1_4*x_2
        g_w1_4_3 += d1_4*x_3
        g_w2_1_1 += a1_1*d2_1
        g_w2_1_2 += a1_2*d2_1
        g_w2_1_3 += a1_3*d2_1
        g_w2_1_4 += a1_4*d2_1
        g_w2_2_1 += a1_1*d2_2
        g_w2_2_2 += a1_2*d2_2
        g_w2_2_3 += a1_3*d2_2
        g_w2_2_4 += a1_4*d2_2
        g_w2_3_1 += a1_1*d2_3
        g_w2_3_2 += a1_2*d2_3
        g_w2_3_3 += a1_3*d2_3
        g_w2_3_4 += a1_4*d2_3
        g_b2 += d2_1 + d2_2 + d2_3
        g_w3_1_1 += a2_1*d3_1
        g_w3_1_2 += a2_2*d3_1
        g_w3_1_3 += a2_3*d3_1
        g_w3_2_1 += a2_1*d3_2
        g_w3_2_2 += a2_2*d3_2
        g_w3_2_3 += a2_3*d3_2
        g_b3_1 += d3_1
        g_b3_2 += d3_2
    flat = numpy.array([g_w1_1_1 + w1_1_1, g_w1_1_2 + w1_1_2, g_w1_1_3 + w1_1_3, g_w1_2_1 + w1_2_1,
        g_w1_2_2 + w1_2_2, g_w1_2_3 + w1_2_3, g_w1_3_1 + w1_3_1, g_w1_3_2 + w1_3_2, g_w1_3_3 +
        w1_3_3, g_w1_4_1 + w1_4_1, g_w1_4_2 + w1_4_2, g_w1_4_3 + w1_4_3, g_w2_1_1 + w2_1_1, g_w2_1_2
        + w2_1_2, g_w2_1_3 + w2_1_3, g_w2_1_4 + w2_1_4, g_w2_2_1 + w2_2_1, g_w2_2_2 + w2_2_2,
        g_w2_2_3 + w2_2_3, g_w2_2_4 + w2_2_4, g_w2_3_1 + w2_3_1, g_w2_3_2 + w2_3_2, g_w2_3_3 +
        w2_3_3, g_w2_3_4 + w2_3_4, b2 + g_b2, g_w3_1_1 + w3_1_1, g_w3_1_2 + w3_1_2, g_w3_1_3 +
        w3_1_3, g_w3_2_1 + w3_2_1, g_w3_2_2 + w3_2_2, g_w3_2_3 + w3_2_3, b3_1 + g_b3_1, b3_2 +
        g_b3_2])
    return {"W1": flat[0:12].reshape((4, 3)), "W2": flat[12:24].reshape((3, 4)), "b2":
        flat[24:25].reshape(()), "W3": flat[25:31].reshape((2, 3)), "b3": flat[31:33]}


def _matrix_forward(params, X):
    """The network's outputs a^L for the rows of X.

    z^1_1 = w^1_{11}*x_1 + w^1_{12}*x_2 + w^1_{13}*x_3
    a^1_1 = Tanh(z^1_1)
    z^2_1 = a^1_1*w^2_{11} + a^1_2*w^2_{12} + a^1_3*w^2_{13} + a^1_4*w^2_{14} + b^2
    a^2_1 = LeakyRelu(z^2_1, 1/20)
    z^3_1 = a^2_1*w^3_{11} + a^2_2*w^3_{12} + a^2_3*w^3_{13} + b^3_1
    a^3_1 = Softmax(1, z^3_1, z^3_2)
    (derived for unit 1; every unit of a layer has the same form)
    """
    W1 = params["W1"]
    W2 = params["W2"]
    b2 = params["b2"]
    W3 = params["W3"]
    b3 = params["b3"]
    Z1 = X @ W1.T
    A1 = _tanh(Z1)
    Z2 = A1 @ W2.T + b2
    A2 = _leaky_relu(Z2, 1/20)
    Z3 = A2 @ W3.T + b3
    A3 = _softmax(Z3)
    return A3


def _matrix_loss(params, X, Y):
    """The cost averaged over the rows of X and Y.

    z^1_1 = w^1_{11}*x_1 + w^1_{12}*x_2 + w^1_{13}*x_3
    a^1_1 = Tanh(z^1_1)
    z^2_1 = a^1_1*w^2_{11} + a^1_2*w^2_{12} + a^1_3*w^2_{13} + a^1_4*w^2_{14} + b^2
    a^2_1 = LeakyRelu(z^2_1, 1/20)
    z^3_1 = a^2_1*w^3_{11} + a^2_2*w^3_{12} + a^2_3*w^3_{13} + b^3_1
    a^3_1 = Softmax(1, z^3_1, z^3_2)
    C = (-a^3_1 + y_1)**2/2 + (-a^3_2 + y_2)**2/2
    """
    X, Y = _checked(X, Y)
    W1 = params["W1"]
    W2 = params["W2"]
    b2 = params["b2"]
    W3 = params["W3"]
    b3 = params["b3"]
    m = X.shape[0]
    Z1 = X @ W1.T
    A1 = _tanh(Z1)
    Z2 = A1 @ W2.T + b2
    A2 = _leaky_relu(Z2, 1/20)
    Z3 = A2 @ W3.T + b3
    A3 = _softmax(Z3)
    cost = numpy.sum((1/2)*(-A3 + Y)**2) / m
    return cost


def _matrix_gradients(params, X, Y):
    """The gradient of the batch cost with respect to every parameter, keyed like params.

    BP1/BP2 give the deltas, BP3/BP4 the gradients, each averaged over the batch:
    z^1_1 = w^1_{11}*x_1 + w^1_{12}*x_2 + w^1_{13}*x_3
    a^1_1 = Tanh(z^1_1)
    z^2_1 = a^1_1*w^2_{11} + a^1_2*w^2_{12} + a^1_3*w^2_{13} + a^1_4*w^2_{14} + b^2
    a^2_1 = LeakyRelu(z^2_1, 1/20)
    z^3_1 = a^2_1*w^3_{11} + a^2_2*w^3_{12} + a^2_3*w^3_{13} + b^3_1
    a^3_1 = Softmax(1, z^3_1, z^3_2)
    delta^3_1 = -a^3_1*a^3_2*(a^3_2 - y_2) + a^3_1*(1 - a^3_1)*(a^3_1 - y_1)
    delta^2_1 = (delta^3_1*w^3_{11} + delta^3_2*w^3_{21})*(19*Heaviside(z^2_1, 0)/20 + 1/20)
    delta^1_1 = (1 - a^1_1**2)*(delta^2_1*w^2_{11} + delta^2_2*w^2_{21} +
        delta^2_3*w^2_{31})
    dC/dw^1_{11} = delta^1_1*x_1
    dC/dw^2_{11} = a^1_1*delta^2_1
    dC/db^2 = delta^2_1 + delta^2_2 + delta^2_3
    dC/dw^3_{11} = a^2_1*delta^3_1
    dC/db^3_1 = delta^3_1
    (derived for unit 1; every unit of a layer has the same form)
    """
    X, Y = _checked(X, Y)
    W1 = params["W1"]
    W2 = params["W2"]
    b2 = params["b2"]
    W3 = params["W3"]
    b3 = params["b3"]
    m = X.shape[0]
    Z1 = X @ W1.T
    A1 = _tanh(Z1)
    Z2 = A1 @ W2.T + b2
    A2 = _leaky_relu(Z2, 1/20)
    Z3 = A2 @ W3.T + b3
    A3 = _softmax(Z3)
    D3 = _softmax_jvp(A3, A3 - Y)
    D2 = ((19/20)*numpy.heaviside(Z2, 0) + 1/20)*(D3 @ W3)
    D1 = (D2 @ W2)*_tanh_prime(Z1)
    dW1 = (D1 / m).T @ X
    dW2 = (D2 / m).T @ A1
    db2 = numpy.sum(D2) / m
    dW3 = (D3 / m).T @ A2
    db3 = numpy.sum(D3, axis=0) / m
    return {"W1": dW1, "W2": dW2, "b2": db2, "W3": dW3, "b3": db3}


def _matrix_sgd_step(params, X, Y, learning_rate):
    """New parameters P - learning_rate * dC/dP for the keys in TRAINED; the others unchanged.

    The gradients are those of gradients(), each update folded into its last product.
    """
    X, Y = _checked(X, Y)
    W1 = params["W1"]
    W2 = params["W2"]
    b2 = params["b2"]
    W3 = params["W3"]
    b3 = params["b3"]
    m = X.shape[0]
    Z1 = X @ W1.T
    A1 = _tanh(Z1)
    Z2 = A1 @ W2.T + b2
    A2 = _leaky_relu(Z2, 1/20)
    Z3 = A2 @ W3.T + b3
    A3 = _softmax(Z3)
    D3 = _softmax_jvp(A3, A3 - Y)
    D2 = ((19/20)*numpy.heaviside(Z2, 0) + 1/20)*(D3 @ W3)
    D1 = (D2 @ W2)*_tanh_prime(Z1)
    new_W1 = ((-learning_rate / m) * D1).T @ X + W1
    new_W2 = ((-learning_rate / m) * D2).T @ A1 + W2
    new_b2 = b2 - learning_rate*(numpy.sum(D2) / m)
    new_W3 = ((-learning_rate / m) * D3).T @ A2 + W3
    new_b3 = b3 - learning_rate*(numpy.sum(D3, axis=0) / m)
    return {"W1": new_W1, "W2": new_W2, "b2": new_b2, "W3": new_W3, "b3": new_b3}



def workspace(m, dtype=numpy.float64):
    """The arrays train_step writes into, for batches of m rows: allocate once, reuse."""
    return {
        "Z1": numpy.empty((m, 4), dtype),
        "Z2": numpy.empty((m, 3), dtype),
        "Z3": numpy.empty((m, 2), dtype),
        "D2": numpy.empty((m, 3), dtype),
        "D1": numpy.empty((m, 4), dtype),
        "dW1": numpy.empty((4, 3), dtype),
        "dW2": numpy.empty((3, 4), dtype),
        "dW3": numpy.empty((2, 3), dtype),
    }


def train_step(params, X, Y, learning_rate, work):
    """sgd_step in place: the arrays in params (the keys in TRAINED) are updated and returned.

    Every matrix product is written into work (from workspace(X.shape[0])), and so are a
    sigmoid layer's outputs, through q = sigma(-|z|), which its sigma' = q (1 - q) reuses;
    -learning_rate / m scales the output delta, so every delta (BP2 is linear in it) and
    every update; each update is added to its parameter without a gradient array.
    """
    W1 = params["W1"]
    W2 = params["W2"]
    b2 = params["b2"]
    W3 = params["W3"]
    b3 = params["b3"]
    m = X.shape[0]
    scale = -learning_rate/m
    Z1 = _rows_dot_t_into(X, W1, work["Z1"])
    A1 = _tanh(Z1)
    Z2 = _rows_dot_t_into(A1, W2, work["Z2"])
    Z2 += b2
    A2 = _leaky_relu(Z2, 1/20)
    Z3 = _rows_dot_t_into(A2, W3, work["Z3"])
    Z3 += b3
    A3 = _softmax(Z3)
    D3 = scale*_softmax_jvp(A3, A3 - Y)
    D2 = _rows_dot_into(D3, W3, work["D2"])
    D2 *= (19/20)*numpy.heaviside(Z2, 0) + 1/20
    D1 = _rows_dot_into(D2, W2, work["D1"])
    D1 *= _tanh_prime(Z1)
    _add_outer(W1, D1, X, work["dW1"])
    b2 += numpy.sum(D2)
    _add_outer(W2, D2, A1, work["dW2"])
    _add_column_sums(b3, D3)
    _add_outer(W3, D3, A2, work["dW3"])
    return params