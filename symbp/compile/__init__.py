"""Compiled NumPy models generated from a derivation's expressions."""

from __future__ import annotations

from .model import Model, compile
from .module import source
from .program import CompileError

__all__ = ["CompileError", "Model", "compile", "source"]
