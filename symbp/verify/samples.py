"""A batch of samples for batch claims (`\\frac{1}{m}\\sum_i \\delta^{2,(i)} (a^{1,(i)})^T`): each
sample's inputs and targets as their own symbols (x_1^(i)), every intermediate symbol written in
them, and their numbers at each of a Checker's check points (parameters are shared)."""

from __future__ import annotations

import numpy as np
import sympy as sp

from .points import random_example

SAMPLES = 3  # m: the batch a batch claim is checked on


class Samples:
    """Per-sample substitutions for a Checker's derivation; fills the checker's values."""

    def __init__(self, ck, m: int = SAMPLES, seed: int = 1):
        self.m = m
        d = ck.d
        own = [*d.inputs, *d.targets]
        self.maps: list[dict[sp.Symbol, sp.Expr]] = []
        for s in range(1, m + 1):
            fresh = {v: sp.Symbol(f"{v.name}^({s})") for v in own}
            sample = {**fresh, **{k: e.xreplace(fresh) for k, e in d.full.items()}}
            self.maps.append(sample)
            identities = d.identity_substitution().items()
            ck.fixed.update({fresh[k]: v.xreplace(fresh) for k, v in identities})
        rng = np.random.default_rng(seed)
        for i in range(len(ck.examples)):
            for sample in self.maps:
                drawn = random_example(d, rng)
                x, y = drawn.x[0], drawn.y[0]
                values = dict(zip(d.inputs, x)) | dict(zip(d.targets, y))
                ck.values[i].update({sample[v]: float(values[v]) for v in own})

    def layout(self, mat: sp.ImmutableMatrix, rows: bool = False) -> sp.ImmutableMatrix:
        """The batch matrix of one sample's column vector `mat`: a column per sample, or (rows,
        as DLfS lays out a batch) a row per sample."""
        copies = [mat.xreplace(sample) for sample in self.maps]
        return sp.ImmutableMatrix.vstack(*copies) if rows else sp.ImmutableMatrix.hstack(*copies)

    def mean(self, mat: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
        """(1/m) sum over the samples of `mat` (in one sample's symbols)."""
        return self.total(mat) / self.m

    def total(self, mat: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
        out = sp.zeros(*mat.shape)
        for sample in self.maps:
            out += mat.xreplace(sample)
        return sp.ImmutableMatrix(out)
