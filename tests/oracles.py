"""Independent oracles: a plain mpmath forward pass (for high-precision finite differences) and
PyTorch autograd. Neither uses symbp's derivation."""

from __future__ import annotations

import mpmath
import numpy as np


def _act(name: str, zs: list, alpha: float | None) -> list:
    if name == "sigmoid":
        return [1 / (1 + mpmath.exp(-z)) for z in zs]
    if name == "tanh":
        return [mpmath.tanh(z) for z in zs]
    if name == "relu":
        return [z if z > 0 else mpmath.mpf(0) for z in zs]
    if name == "leaky_relu":
        return [z if z > 0 else mpmath.mpf(alpha) * z for z in zs]
    if name == "softplus":
        return [mpmath.log(1 + mpmath.exp(z)) for z in zs]
    if name == "elu":
        return [z if z > 0 else mpmath.mpf(alpha) * mpmath.expm1(z) for z in zs]
    if name == "gelu":
        return [z * mpmath.ncdf(z) for z in zs]
    if name == "identity":
        return list(zs)
    if name == "softmax":
        top = max(zs)
        e = [mpmath.exp(z - top) for z in zs]
        s = sum(e)
        return [v / s for v in e]
    raise KeyError(f"the mpmath oracle does not know the activation {name!r}")


def mp_cost(net, params: dict, X: np.ndarray, Y: np.ndarray) -> mpmath.mpf:
    """Batch-mean cost with every operation in mpmath at the current precision."""
    total = mpmath.mpf(0)
    for x, y in zip(X, Y):
        a = [mpmath.mpf(float(v)) for v in x]
        for l, layer in enumerate(net.layers, start=1):
            W = params[f"W{l}"]
            b = params.get(f"b{l}")
            zs = []
            for j in range(layer.units):
                z = mpmath.fsum(mpmath.mpf(W[j][k]) * a[k] for k in range(len(a)))
                if b is not None:
                    bj = np.asarray(b, dtype=object)
                    z += mpmath.mpf(bj[()] if bj.ndim == 0 else bj[j])
                zs.append(z)
            a = _act(layer.activation, zs, layer.alpha)
        ys = [mpmath.mpf(float(v)) for v in y]
        if net.loss == "squared_error":
            c = mpmath.fsum((yj - aj) ** 2 for aj, yj in zip(a, ys)) / 2
        elif net.loss == "cross_entropy":
            c = -mpmath.fsum(yj * mpmath.log(aj) for aj, yj in zip(a, ys))
        else:
            c = -mpmath.fsum(
                yj * mpmath.log(aj) + (1 - yj) * mpmath.log(1 - aj) for aj, yj in zip(a, ys)
            )
        total += c
    return total / len(X)


def mp_central_differences(net, params: dict, X, Y, digits: int = 40) -> dict:
    """Central differences of the mpmath cost, step 1e-12, at `digits` significant digits."""
    grads = {}
    with mpmath.workdps(digits):
        h = mpmath.mpf("1e-12")
        for key, value in params.items():
            arr = np.array(value, dtype=float)
            g = np.zeros_like(arr)
            for idx in np.ndindex(arr.shape):
                costs = []
                for shift in (h, -h):
                    moved = np.array(arr, dtype=object)
                    moved[idx] = mpmath.mpf(float(arr[idx])) + shift
                    p = dict(params)
                    p[key] = moved[()] if arr.shape == () else moved
                    costs.append(mp_cost(net, p, X, Y))
                g[idx] = float((costs[0] - costs[1]) / (2 * h))
            grads[key] = g
    return grads


def torch_gradients(net, params: dict, X: np.ndarray, Y: np.ndarray, from_logits: bool = False):
    """(loss, grads) from PyTorch float64 autograd; `from_logits` takes the cross-entropies
    from the output pre-activations with torch's own losses (binary_cross_entropy_with_logits,
    cross_entropy), finite for logits of any size."""
    import torch

    tp = {
        k: torch.tensor(np.array(v, dtype=float), dtype=torch.float64, requires_grad=True)
        for k, v in params.items()
    }
    a = torch.tensor(X, dtype=torch.float64)
    for l, layer in enumerate(net.layers, start=1):
        z = a @ tp[f"W{l}"].T
        if f"b{l}" in tp:
            z = z + tp[f"b{l}"]
        name = layer.activation
        logits = z
        if name == "sigmoid":
            a = torch.sigmoid(z)
        elif name == "tanh":
            a = torch.tanh(z)
        elif name == "relu":
            a = torch.relu(z)
        elif name == "leaky_relu":
            a = torch.nn.functional.leaky_relu(z, layer.alpha)
        elif name == "softplus":
            a = torch.nn.functional.softplus(z)
        elif name == "identity":
            a = z
        elif name == "elu":
            a = torch.nn.functional.elu(z, layer.alpha)
        elif name == "gelu":
            a = torch.nn.functional.gelu(z)
        elif name == "softmax":
            a = torch.softmax(z, dim=1)
        else:
            raise KeyError(f"the torch oracle does not know the activation {name!r}")
    Yt = torch.tensor(Y, dtype=torch.float64)
    F = torch.nn.functional
    if net.loss == "squared_error":
        per = 0.5 * ((Yt - a) ** 2).sum(dim=1)
    elif from_logits and net.loss == "cross_entropy" and name == "softmax":
        per = F.cross_entropy(logits, Yt, reduction="none")
    elif from_logits and net.loss == "cross_entropy":
        per = -(Yt * F.logsigmoid(logits)).sum(dim=1)
    elif from_logits:
        per = F.binary_cross_entropy_with_logits(logits, Yt, reduction="none").sum(dim=1)
    elif net.loss == "cross_entropy":
        per = -(Yt * torch.log(a)).sum(dim=1)
    else:
        per = -(Yt * torch.log(a) + (1 - Yt) * torch.log(1 - a)).sum(dim=1)
    loss = per.mean()
    loss.backward()
    return float(loss.detach()), {k: v.grad.numpy() for k, v in tp.items()}


ORACLES = ("torch", "mpmath")


def oracle_gradients(oracle: str, net, params: dict, X: np.ndarray, Y: np.ndarray):
    """(loss, grads) from PyTorch autograd (the test skips without torch) or, always available,
    central differences of the mpmath forward pass at 40 digits."""
    if oracle == "torch":
        import pytest

        pytest.importorskip("torch")
        return torch_gradients(net, params, X, Y)
    with mpmath.workdps(40):
        loss = float(mp_cost(net, params, X, Y))
    return loss, mp_central_differences(net, params, X, Y)


def _act_prime(name: str, zs: list, alpha: float | None) -> list:
    """The elementwise activations' derivatives (ReLU's and leaky ReLU's at 0 from the left)."""
    if name == "sigmoid":
        return [mpmath.exp(-z) / (1 + mpmath.exp(-z)) ** 2 for z in zs]
    if name == "tanh":
        return [1 / mpmath.cosh(z) ** 2 for z in zs]
    if name == "relu":
        return [mpmath.mpf(1) if z > 0 else mpmath.mpf(0) for z in zs]
    if name == "leaky_relu":
        return [mpmath.mpf(1) if z > 0 else mpmath.mpf(alpha) for z in zs]
    if name == "softplus":
        return [1 / (1 + mpmath.exp(-z)) for z in zs]
    if name == "identity":
        return [mpmath.mpf(1) for _ in zs]
    if name == "elu":
        return [mpmath.mpf(1) if z > 0 else mpmath.mpf(alpha) * mpmath.exp(z) for z in zs]
    if name == "gelu":
        return [mpmath.ncdf(z) + z * mpmath.npdf(z) for z in zs]
    raise KeyError(f"the mpmath reference does not know the activation {name!r}")


def _mp_param(value) -> object:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return mpmath.mpf(float(arr))
    return [_mp_param(v) for v in arr]


def mp_reference(net, params: dict, X: np.ndarray, Y: np.ndarray, digits: int = 80):
    """(loss, grads) of the batch-mean cost by a hand-written forward and backward pass in mpmath
    at `digits` significant digits, from CONTRACT.md's conventions alone (z = W a + b, a = sigma(z),
    the three per-sample costs); grads are lists of mpf shaped like params."""
    with mpmath.workdps(digits):
        P = {k: _mp_param(v) for k, v in params.items()}
        L = len(net.layers)
        total = mpmath.mpf(0)
        grads = {}
        for k, v in params.items():
            shape = np.shape(v)
            grads[k] = (
                mpmath.mpf(0)
                if shape == ()
                else [
                    [mpmath.mpf(0)] * shape[1] if len(shape) == 2 else mpmath.mpf(0)
                    for _ in range(shape[0])
                ]
            )
        for x, y in zip(X, Y):
            acts = [[mpmath.mpf(float(v)) for v in x]]
            zss = []
            for l, layer in enumerate(net.layers, start=1):
                W, b, a = P[f"W{l}"], P.get(f"b{l}"), acts[-1]
                zs = []
                for j in range(layer.units):
                    z = mpmath.fsum(W[j][k] * a[k] for k in range(len(a)))
                    if b is not None:
                        z += b[j] if isinstance(b, list) else b
                    zs.append(z)
                zss.append(zs)
                acts.append(_act(layer.activation, zs, layer.alpha))
            a, ys = acts[-1], [mpmath.mpf(float(v)) for v in y]
            if net.loss == "squared_error":
                total += mpmath.fsum((yj - aj) ** 2 for aj, yj in zip(a, ys)) / 2
                g = [aj - yj for aj, yj in zip(a, ys)]
            elif net.loss == "cross_entropy":
                total -= mpmath.fsum(yj * mpmath.log(aj) for aj, yj in zip(a, ys))
                g = [-yj / aj for aj, yj in zip(a, ys)]
            elif net.loss == "binary_cross_entropy":
                total -= mpmath.fsum(
                    yj * mpmath.log(aj) + (1 - yj) * mpmath.log(1 - aj) for aj, yj in zip(a, ys)
                )
                g = [(aj - yj) / (aj * (1 - aj)) for aj, yj in zip(a, ys)]
            else:
                raise KeyError(f"the mpmath reference does not know the loss {net.loss!r}")
            for l in range(L, 0, -1):
                layer, zs, a = net.layers[l - 1], zss[l - 1], acts[l]
                if layer.activation == "softmax":
                    s = mpmath.fsum(ak * gk for ak, gk in zip(a, g))
                    delta = [aj * (gj - s) for aj, gj in zip(a, g)]
                else:
                    delta = [
                        d * gj for d, gj in zip(_act_prime(layer.activation, zs, layer.alpha), g)
                    ]
                prev = acts[l - 1]
                gW = grads[f"W{l}"]
                for j, dj in enumerate(delta):
                    for k, ak in enumerate(prev):
                        gW[j][k] += dj * ak
                if f"b{l}" in grads:
                    if isinstance(grads[f"b{l}"], list):
                        for j, dj in enumerate(delta):
                            grads[f"b{l}"][j] += dj
                    else:
                        grads[f"b{l}"] += mpmath.fsum(delta)
                W = P[f"W{l}"]
                g = [
                    mpmath.fsum(W[j][k] * delta[j] for j in range(len(delta)))
                    for k in range(len(prev))
                ]
        m = len(X)

        def mean(v):
            return [mean(e) for e in v] if isinstance(v, list) else v / m

        return total / m, {k: mean(v) for k, v in grads.items()}
