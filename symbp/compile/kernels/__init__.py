"""The JAX, PyTorch and scalar kernels: the same helpers as `symbp.kernels`, one module per target.

symbp never calls them (their frameworks are imported only for type checking): the generated
module includes the source text of each one its code uses, as the NumPy module does.
"""
