"""chainrule: automatic differentiation of NumPy code that shows its work.

>>> import chainrule as cr
>>> cr.grad(lambda x: 3 * x ** 2 - 4 * x)(1.0)
np.float64(2.0)
"""
from . import numpy  # noqa: F401  (registers every rule)
from . import extend  # noqa: F401
from .check import check_grads
from .numpy.box import ArrayBox, TracedValueError
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


def _load_scipy_rules(ufunc) -> bool:
    """Plain `scipy.special.f(traced)`: import chainrule.scipy.special (which registers f) on first use."""
    import sys
    special = sys.modules.get("scipy.special")
    if special is None or getattr(special, ufunc.__name__, None) is not ufunc:
        return False
    from .scipy import special as _special  # noqa: F401  (registers SciPy's ufuncs)
    return True


numpy.registry.load_rules_for = _load_scipy_rules
