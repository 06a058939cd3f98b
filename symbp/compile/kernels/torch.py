"""The PyTorch kernels, written like `symbp.kernels` with torch; no tensor is created on a
fixed device, so they run wherever their inputs live."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch
    import torch.special


def _exp_or_zero(d):
    """exp(d) for d <= 0, taken as exactly 0 below exp(-600) so no subnormal numbers arise."""
    return torch.exp(torch.clamp(d, min=-600.0)) * (d > -600.0)


def _sigmoid(z):
    """1 / (1 + exp(-z)) through e = exp(-|z|) <= 1: full relative accuracy, never overflows."""
    e = _exp_or_zero(-torch.abs(z))
    return torch.where(z >= 0, 1.0, e) / (1.0 + e)


def _sigmoid_prime(z):
    """sigma'(z) = sigma(z) sigma(-z) = e / (1 + e)^2 with e = exp(-|z|) <= 1, from z: full
    relative accuracy for any z."""
    e = _exp_or_zero(-torch.abs(z))
    return e / (1.0 + e) ** 2


def _sigmoid_minus(z, y):
    """sigma(z) - y, through 1 - sigma(z) = sigma(-z) for z >= 0."""
    return torch.where(z >= 0, (1.0 - y) - _sigmoid(-z), _sigmoid(z) - y)


def _tanh(z):
    """tanh(z)."""
    return torch.tanh(z)


def _tanh_prime(z):
    """tanh'(z) = sech(z)^2 = 4 e / (1 + e)^2 with e = exp(-2|z|) <= 1, from z."""
    e = _exp_or_zero(-2.0 * torch.abs(z))
    return 4.0 * e / (1.0 + e) ** 2


def _relu(z):
    """max(z, 0)."""
    return torch.clamp(z, min=0.0)


def _leaky_relu(z, alpha):
    """z for z > 0, alpha z otherwise."""
    return torch.where(z > 0, z, alpha * z)


def _elu(z, alpha):
    """z for z > 0, alpha (exp(z) - 1) otherwise (expm1 of min(z, 0): no overflow)."""
    return torch.where(z > 0, z, alpha * torch.expm1(torch.clamp(z, max=0.0)))


def _elu_prime(z, alpha):
    """ELU'(z): 1 for z > 0, alpha exp(z) otherwise, from z."""
    return torch.where(z > 0, 1.0, alpha * _exp_or_zero(torch.clamp(z, max=0.0)))


def _normal_cdf(z):
    """Phi(z) = erfc(-z / sqrt 2) / 2: erfc keeps full relative accuracy for z < 0."""
    return 0.5 * torch.special.erfc(-z * 0.7071067811865476)


def _normal_pdf(z):
    """phi(z) = exp(-z^2 / 2) / sqrt(2 pi)."""
    return 0.3989422804014327 * _exp_or_zero(-0.5 * z * z)


def _gelu(z):
    """z Phi(z), the exact GELU."""
    return z * _normal_cdf(z)


def _softplus(z):
    """log(1 + exp(z)) computed as max(z, 0) + log(1 + exp(-|z|)), which never overflows."""
    return torch.clamp(z, min=0.0) + torch.log1p(_exp_or_zero(-torch.abs(z)))


def _softmax(z):
    """Softmax over the last axis, after subtracting its maximum (no overflow)."""
    e = _exp_or_zero(z - torch.amax(z, dim=-1, keepdim=True))
    return e / torch.sum(e, dim=-1, keepdim=True)


def _log_softmax(z):
    """log softmax over the last axis as (z - top) - log1p(the other terms), top its maximum."""
    shifted = z - torch.amax(z, dim=-1, keepdim=True)
    ties = torch.sum((shifted == 0).to(z.dtype), dim=-1, keepdim=True) - 1.0
    others = torch.sum(_exp_or_zero(shifted) * (shifted < 0), dim=-1, keepdim=True)
    return shifted - torch.log1p(others + ties)


def _softmax_minus(z, y):
    """softmax(z) - y over the last axis; an output above 1/2 as (1 - y) - the other outputs."""
    shifted = z - torch.amax(z, dim=-1, keepdim=True)
    e = _exp_or_zero(shifted)
    total = torch.sum(e, dim=-1, keepdim=True)
    others = torch.sum(e * (shifted < 0), dim=-1, keepdim=True) / total
    a = e / total
    return torch.where(a > 0.5, (1.0 - y) - others, a - y)


def _softmax_jvp(a, g):
    """a (g - sum(a g)) over the last axis, as a (d - sum(a d)) with d = g - g_t, t the top."""
    g = g.expand_as(a)
    top = torch.gather(g, -1, torch.argmax(a, dim=-1, keepdim=True))
    d = g - top
    return a * (d - torch.sum(a * d, dim=-1, keepdim=True))
