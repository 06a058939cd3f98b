"""The JAX, PyTorch and scalar printers: the NumPy printer for another framework, or for one
Python float at a time (the straight-line code of small networks, with the math module).

Each printer is the NumPy one with the framework's module name and its own kernels (found by
name in `kernels/<target>.py`); the few operations whose spelling differs get their own method.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from types import ModuleType

import sympy as sp
from sympy.printing.numpy import JaxPrinter, _numpy_known_constants, _numpy_known_functions
from sympy.printing.pycode import PythonCodePrinter, _known_constants_math, _known_functions_math

from .. import kernels
from .printer import CodePrinter
from .program import CompileError

TARGETS = ("numpy", "jax", "torch")


class _TargetPrinter(CodePrinter):
    """A CodePrinter whose helpers come from the target's kernel module."""

    kernel_module: ModuleType

    def _helper(self, kernel: Callable) -> str:
        own = getattr(self.kernel_module, kernel.__name__)
        self.helpers.add(own)
        for used in kernels.uses(own):
            if callable(used):
                self._helper(used)
        for name in _dotted_names(own, self._module.split(".")[0]):
            self._module_format(name)
        return own.__name__

    def kernel_order(self) -> list[Callable]:
        """The recorded helpers in the order the kernel module defines them."""
        names = list(vars(self.kernel_module))
        return sorted(self.helpers, key=lambda f: names.index(f.__name__))


def _dotted_names(kernel: Callable, root: str) -> list[str]:
    """The dotted names under `root` (`jax.numpy.exp`) that the kernel's body uses."""
    found = []
    for node in ast.walk(ast.parse(kernels.source(kernel))):
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id == root and len(parts) >= 1:
            found.append(".".join([root, *reversed(parts)]))
    return found


class JaxCodePrinter(_TargetPrinter, JaxPrinter):
    """Prints the array program with jax.numpy: pure functions, jit-able."""

    printmethod = "_symbp_jax"
    kernel_module = importlib.import_module(".kernels.jax", __package__)


class TorchCodePrinter(_TargetPrinter):
    """Prints the array program with torch tensors; no autograd, no fixed device."""

    printmethod = "_symbp_torch"
    _module = "torch"
    _axis = "dim"
    _kf = {k: "torch." + v for k, v in _numpy_known_functions.items()}
    _kc = {k: "torch." + v for k, v in _numpy_known_constants.items()}
    kernel_module = importlib.import_module(".kernels.torch", __package__)

    def _print_Heaviside(self, expr):
        z, h0 = (self._print(a) for a in expr.args)
        return f"{self._array_fn('heaviside')}({z}, torch.full_like({z}, {h0}))"


class ScalarCodePrinter(_TargetPrinter):
    """Prints per-unit expressions for Python floats: math functions and scalar kernels."""

    printmethod = "_symbp_scalar"
    _module = "math"
    _kf = {k: "math." + v for k, v in _known_functions_math.items()}
    _kc = {k: "math." + v for k, v in _known_constants_math.items()}
    kernel_module = importlib.import_module(".kernels.scalar", __package__)

    def _helper(self, kernel: Callable) -> str:
        """The scalar twin `_scalar<name>` of a NumPy kernel (or a scalar kernel itself)."""
        own = kernel
        if kernel.__module__ != self.kernel_module.__name__:
            own = getattr(self.kernel_module, "_scalar" + kernel.__name__, None)
        if own is None:
            raise CompileError(f"{kernel.__name__} has no scalar kernel")
        self.helpers.add(own)
        for used in kernels.uses(own):
            if callable(used):
                self._helper(used)
            else:
                self._module_format(used)
        return own.__name__

    _print_Piecewise = PythonCodePrinter._print_Piecewise  # a conditional expression

    def _print_Relational(self, expr):
        """A Python comparison, a number in it written as a float (Python compares two floats
        faster than a float and an int)."""
        lhs, rhs = (sp.Float(a) if a.is_Number else a for a in expr.args)
        return PythonCodePrinter._print_Relational(self, expr.func(lhs, rhs, evaluate=False))

    def _print_Pow(self, expr, rational=False):
        """A name squared as (x*x), a third of the cost of x**2; any other power as Python
        writes it (1/x, not NumPy's x**(-1.0))."""
        if expr.exp == 2 and expr.base.is_Symbol:
            return f"({expr.base}*{expr.base})"
        return PythonCodePrinter._print_Pow(self, expr, rational)

    def _print_TanhPrime(self, expr):
        """_scalar_tanh_prime inlined for a named argument (a call costs as much as its body)."""
        z = expr.args[0]
        if not z.is_Symbol:
            return self._print_PrimeBase(expr)
        exp = self._module_format("math.exp")
        return f"(4.0 * (e := {exp}(-2.0 * abs({z}))) / ((1.0 + e) * (1.0 + e)))"

    def _print_Heaviside(self, expr):
        z, h0 = (self.parenthesize(a, 100) for a in expr.args)
        below = "0.0" if expr.args[1] == 0 else f"({h0} if {z} == 0.0 else 0.0)"
        return f"(1.0 if {z} > 0.0 else {below})"


PRINTERS: dict[str, type[CodePrinter]] = {
    "numpy": CodePrinter,
    "jax": JaxCodePrinter,
    "torch": TorchCodePrinter,
}
