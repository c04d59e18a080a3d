"""chainrule: automatic differentiation of NumPy code that shows its work.

>>> import chainrule as cr
>>> cr.grad(lambda x: 3 * x ** 2 - 4 * x)(1.0)
np.float64(2.0)
"""
from . import numpy  # noqa: F401  (registers every rule)
from . import _scipy_loader  # noqa: F401  (plain scipy.special calls on traced values load chainrule.scipy)
from . import extend  # noqa: F401
from .check import check_grads
from .numpy.box import ArrayBox, TracedValueError
from .numpy.linalg import DegenerateDerivativeError, DegenerateDerivativeWarning
from .transforms import (checkpoint, deriv, elementwise_grad, grad, grad_and_aux, hessian,
                         hessian_tensor_product, hessian_vector_product, holomorphic_grad, jacfwd,
                         jacobian, jacrev, jvp, make_hvp, make_jvp, make_vjp, stop_gradient, value_and_grad, vjp)

__version__ = "0.1.0"

__all__ = [
    "ArrayBox", "TracedValueError", "check_grads", "checkpoint", "deriv", "elementwise_grad",
    "extend", "grad", "grad_and_aux", "hessian", "hessian_tensor_product", "hessian_vector_product",
    "holomorphic_grad", "jacfwd", "jacobian", "jacrev", "make_hvp", "make_jvp", "make_vjp", "numpy",
    "jvp", "stop_gradient", "value_and_grad", "vjp",
]
__all__ += ["DegenerateDerivativeError", "DegenerateDerivativeWarning"]  # numpy.linalg rules
from . import numeric  # noqa: E402,F401
from .debug import NaNError, debug_nans  # noqa: E402
from .diagnose import check_rule  # noqa: E402

__all__ += ["NaNError", "check_rule", "debug_nans", "numeric"]

# Seeing the chain rule (graphview): graphs, pictures, explanations, formulas.
from .graphview import Graph, compare, explain, symbolic_grad, to_sympy, trace  # noqa: E402
__all__ += ["Graph", "compare", "explain", "symbolic_grad", "to_sympy", "trace"]

# the calculus toolkit: Taylor polynomials, optimisers and critical points, pictures
from . import optim, plot  # noqa: E402,F401
from .series import taylor  # noqa: E402

__all__ += ["optim", "plot", "taylor"]

# Front doors (PyTorch-style tensors, TensorFlow-style tape) and JAX's transforms.
from .transforms import hvp  # noqa: E402
from .tensor import Tensor, enable_grad, is_grad_enabled, no_grad, set_grad_enabled, tensor  # noqa: E402
from .tape import GradientTape, Variable, constant  # noqa: E402
from .linearize import linearize  # noqa: E402
from .custom import custom_jvp, custom_vjp  # noqa: E402
__all__ += ["GradientTape", "Tensor", "Variable", "constant", "custom_jvp", "custom_vjp", "enable_grad", "hvp",
            "is_grad_enabled", "linearize", "no_grad", "set_grad_enabled", "tensor"]
