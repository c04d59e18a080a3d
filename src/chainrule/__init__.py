"""chainrule: automatic differentiation of NumPy code that shows its work.

>>> import chainrule as cr
>>> cr.grad(lambda x: 3 * x ** 2 - 4 * x)(1.0)
np.float64(2.0)
"""
from . import numpy  # noqa: F401  (registers every rule)
from . import _scipy_loader  # noqa: F401  (plain scipy.special calls on traced values load chainrule.scipy)
from . import extend, numeric, optim, plot  # noqa: F401
from .check import check_grads
from .compile import CompileWarning, compile  # noqa: A004  (chainrule.compile; the builtin stays yours)
from .custom import custom_jvp, custom_vjp
from .debug import NaNError, debug_nans
from .diagnose import check_rule
from .graphview import Graph, compare, explain, symbolic_grad, to_sympy, trace
from .linearize import linearize
from .numpy.box import ArrayBox, TracedValueError
from .numpy.linalg import DegenerateDerivativeError, DegenerateDerivativeWarning
from .series import taylor
from .tape import GradientTape, Variable, constant
from .tensor import Tensor, enable_grad, is_grad_enabled, no_grad, set_grad_enabled, tensor
from .transforms import (checkpoint, deriv, elementwise_grad, grad, grad_and_aux, hessian,
                         hessian_tensor_product, hessian_vector_product, holomorphic_grad, hvp, jacfwd,
                         jacobian, jacrev, jvp, make_hvp, make_jvp, make_vjp, stop_gradient,
                         value_and_grad, vjp)

__version__ = "0.1.0"

__all__ = [
    # function transforms (autograd's and JAX's names)
    "grad", "value_and_grad", "grad_and_aux", "elementwise_grad", "deriv", "jacobian", "jacrev",
    "jacfwd", "hessian", "hvp", "make_hvp", "hessian_tensor_product", "hessian_vector_product",
    "make_vjp", "make_jvp", "vjp", "jvp", "linearize", "holomorphic_grad", "checkpoint",
    "stop_gradient", "custom_vjp", "custom_jvp", "extend", "numpy",
    # front doors
    "Tensor", "tensor", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
    "GradientTape", "Variable", "constant",
    # checking and debugging
    "CompileWarning",  # `compile` itself is left out: `from chainrule import *` must not shadow the builtin
    "check_grads", "check_rule", "numeric", "debug_nans", "NaNError", "ArrayBox", "TracedValueError",
    "DegenerateDerivativeError", "DegenerateDerivativeWarning",
    # seeing the chain rule
    "Graph", "trace", "explain", "to_sympy", "symbolic_grad", "compare",
    # calculus toolkit
    "taylor", "optim", "plot",
]
