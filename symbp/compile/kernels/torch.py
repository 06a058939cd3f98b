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


def _tanh(z):
    """tanh(z)."""
    return torch.tanh(z)


def _relu(z):
    """max(z, 0)."""
    return torch.clamp(z, min=0.0)


def _leaky_relu(z, alpha):
    """z for z > 0, alpha z otherwise."""
    return torch.where(z > 0, z, alpha * z)


def _elu(z, alpha):
    """z for z > 0, alpha (exp(z) - 1) otherwise (expm1 of min(z, 0): no overflow)."""
    return torch.where(z > 0, z, alpha * torch.expm1(torch.clamp(z, max=0.0)))


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
