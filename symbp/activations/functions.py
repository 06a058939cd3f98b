"""The activations as sympy Functions, each with its definition and, as fdiff, its textbook
derivative (written in overflow-safe terms); `proof.prove_derivative` proves the two equal."""

from __future__ import annotations

import sympy as sp


class ActivationBase(sp.Function):
    """An activation applied to a pre-activation; subclasses define `definition` and `fdiff`."""

    @classmethod
    def definition(cls, *args: sp.Expr) -> sp.Expr:
        raise NotImplementedError

    def _eval_evalf(self, prec):
        return self.definition(*self.args).evalf(prec)

    def _eval_rewrite_as_exp(self, *args, **kwargs):
        return self.definition(*args)

    def _eval_is_real(self):
        return all(a.is_real for a in self.args) or None


class SpecialBase(sp.Function):
    """A function symbp keeps unevaluated for its own kernel; `definition` gives its value."""

    def _eval_evalf(self, prec):
        return self.definition(*self.args).evalf(prec)

    def _eval_is_real(self):
        return all(a.is_real for a in self.args) or None


class PrimeBase(SpecialBase):
    """The derivative of the activation class `of`, kept unevaluated so numeric code computes
    it from z by its own kernel; its value is `of`'s textbook fdiff (written in the output)."""

    of: type

    @classmethod
    def definition(cls, *args):
        return cls.of(*args).fdiff(1)


class Sigmoid(ActivationBase):
    nargs = 1

    @classmethod
    def definition(cls, z):
        return 1 / (1 + sp.exp(-z))

    def fdiff(self, argindex=1):
        return Sigmoid(self.args[0]) * (1 - Sigmoid(self.args[0]))


class Tanh(ActivationBase):
    nargs = 1

    @classmethod
    def definition(cls, z):
        return (sp.exp(z) - sp.exp(-z)) / (sp.exp(z) + sp.exp(-z))

    def fdiff(self, argindex=1):
        return 1 - Tanh(self.args[0]) ** 2


class SigmoidPrime(PrimeBase):
    of = Sigmoid
    nargs = 1


class TanhPrime(PrimeBase):
    of = Tanh
    nargs = 1


class Relu(ActivationBase):
    nargs = 1

    @classmethod
    def definition(cls, z):
        return sp.Piecewise((0, z <= 0), (z, True))

    def fdiff(self, argindex=1):
        return sp.Heaviside(self.args[0], 0)


class LeakyRelu(ActivationBase):
    """Leaky ReLU with slope `alpha` (the second argument) for negative inputs."""

    nargs = 2

    @classmethod
    def definition(cls, z, alpha):
        return sp.Piecewise((alpha * z, z <= 0), (z, True))

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        z, alpha = self.args
        return alpha + (1 - alpha) * sp.Heaviside(z, 0)


class Elu(ActivationBase):
    """ELU with scale `alpha` (the second argument): alpha (exp(z) - 1) for z <= 0."""

    nargs = 2

    @classmethod
    def definition(cls, z, alpha):
        return sp.Piecewise((alpha * (sp.exp(z) - 1), z <= 0), (z, True))

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise sp.ArgumentIndexError(self, argindex)
        z, alpha = self.args
        step = sp.Heaviside(z, 0)
        return step + (1 - step) * (Elu(z, alpha) + alpha)


class EluPrime(PrimeBase):
    of = Elu
    nargs = 2


class SigmoidMinus(SpecialBase):
    """SigmoidMinus(z, y) = sigma(z) - y, an output's error kept unevaluated for its kernel."""

    nargs = 2

    @classmethod
    def definition(cls, z, y):
        return Sigmoid(z) - y


class SoftmaxMinus(sp.Function):
    """SoftmaxMinus(Z, Y) = softmax(Z) - Y over the unit axis of whole arrays (as Softmax(Z)
    is in array code): printed and evaluated only, through its kernel."""

    nargs = 2


class SoftmaxJvp(sp.Function):
    """SoftmaxJvp(A, G) = A * (G - rowsum(A * G)): softmax's Jacobian times G over the unit axis
    of whole arrays, A the outputs; printed and evaluated only, through its kernel."""

    nargs = 2


class NormalPdf(SpecialBase):
    """phi(z) = exp(-z^2 / 2) / sqrt(2 pi), the standard normal density."""

    nargs = 1

    @classmethod
    def definition(cls, z):
        return sp.exp(-(z**2) / 2) / sp.sqrt(2 * sp.pi)

    def fdiff(self, argindex=1):
        return -self.args[0] * NormalPdf(self.args[0])


class NormalCdf(SpecialBase):
    """Phi(z), the standard normal distribution function: kept unevaluated so its kernel can
    compute erfc(-z / sqrt 2) / 2 (sympy would print 1 + erf, which cancels for z << 0)."""

    nargs = 1

    @classmethod
    def definition(cls, z):
        return (1 + sp.erf(z / sp.sqrt(2))) / 2

    def fdiff(self, argindex=1):
        return NormalPdf(self.args[0])


class Gelu(ActivationBase):
    """The exact GELU z Phi(z), Phi the standard normal distribution function."""

    nargs = 1

    @classmethod
    def definition(cls, z):
        return z * (1 + sp.erf(z / sp.sqrt(2))) / 2

    def fdiff(self, argindex=1):
        z = self.args[0]
        return NormalCdf(z) + z * NormalPdf(z)


class Softplus(ActivationBase):
    nargs = 1

    @classmethod
    def definition(cls, z):
        return sp.log(1 + sp.exp(z))

    def fdiff(self, argindex=1):
        return Sigmoid(self.args[0])


class Identity(ActivationBase):
    nargs = 1

    @classmethod
    def eval(cls, z):
        return z

    @classmethod
    def definition(cls, z):
        return z


class Softmax(ActivationBase):
    """Softmax(k, z_1, ..., z_n): the k-th output (k counts from 1) of softmax over the z's."""

    @classmethod
    def definition(cls, k, *zs):
        return sp.exp(zs[int(k) - 1]) / sp.Add(*[sp.exp(z) for z in zs])

    def fdiff(self, argindex=1):
        if argindex == 1:
            raise sp.ArgumentIndexError(self, argindex)
        k, *zs = self.args
        i = argindex - 1
        same = 1 if int(k) == i else 0
        return Softmax(k, *zs) * (same - Softmax(i, *zs))


class LogSoftmax(SpecialBase):
    """LogSoftmax(k, z_1, ..., z_n) = log softmax_k(z) = z_k - log(sum_i exp(z_i))."""

    @classmethod
    def definition(cls, k, *zs):
        return zs[int(k) - 1] - sp.log(sp.Add(*[sp.exp(z) for z in zs]))

    def fdiff(self, argindex=1):
        if argindex == 1:
            raise sp.ArgumentIndexError(self, argindex)
        k, *zs = self.args
        i = argindex - 1
        return (1 if int(k) == i else 0) - Softmax(i, *zs)


def defined(expr: sp.Expr) -> sp.Expr:
    """`expr` with every activation and special function replaced by its definition (again
    while a definition brings in more: a spec's swish is z sigmoid(z))."""
    kinds = (ActivationBase, SpecialBase)
    while isinstance(expr, sp.Basic) and expr.has(*kinds):
        expr = expr.replace(lambda e: isinstance(e, kinds), lambda e: e.definition(*e.args))
    return expr


def logit_form(expr: sp.Expr) -> sp.Expr:
    """Rewrite log(sigmoid(z)), log(1 - sigmoid(z)) and log(softmax_k(z)) through softplus and
    log-softmax, which stay finite for any z; each rule is proven by `prove_logit_rules`."""

    def rule(e: sp.Expr) -> sp.Expr:
        (arg,) = e.args
        if isinstance(arg, Sigmoid):
            return -Softplus(-arg.args[0])
        one_minus = 1 - arg
        if isinstance(one_minus, Sigmoid):
            return -Softplus(one_minus.args[0])
        if isinstance(arg, Softmax):
            return LogSoftmax(*arg.args)
        return e

    return expr.replace(lambda e: isinstance(e, sp.log), rule)


def difference_form(expr: sp.Expr) -> sp.Expr:
    """Rewrite each sum sigma(x) + r or softmax(X) + r (an output minus its target, with r free
    of the output) as SigmoidMinus(x, -r) or SoftmaxMinus(X, -r), by their definitions."""

    def rule(e: sp.Expr) -> sp.Expr:
        outputs = [t for t in e.args if isinstance(t, (Sigmoid, Softmax))]
        if len(outputs) != 1:
            return e
        rest = e - outputs[0]
        if rest.has(outputs[0]):
            return e
        minus = SigmoidMinus if isinstance(outputs[0], Sigmoid) else SoftmaxMinus
        return minus(*outputs[0].args, -rest)

    return expr.replace(lambda e: e.is_Add, rule)


def prove_logit_rules() -> bool:
    """Prove each rewrite of `logit_form` from the definitions."""
    z = sp.Symbol("z", real=True)
    zs = sp.symbols("z1:4", real=True)
    cases = [sp.log(Sigmoid(z)), sp.log(1 - Sigmoid(z)), sp.log(Softmax(sp.Integer(2), *zs))]
    for case in cases:
        rewritten = logit_form(case)
        if rewritten == case:
            return False
        definitions = [defined(c) for c in (case, rewritten)]
        if sp.simplify(sp.expand_log(definitions[0] - definitions[1], force=True)) != 0:
            return False
    return True
