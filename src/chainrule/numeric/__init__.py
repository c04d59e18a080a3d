"""Numerical derivatives with honest error bars: chainrule's independent witness.

Everything here differentiates by *evaluating* the function, never by tracing it,
so it can check the automatic derivatives (``chainrule.check_grads`` uses it) and
it works on any Python function of floats or arrays.

Public functions, all returning an :class:`Estimate` (``.value``, ``.error``,
``.step``, ``.steps``, ``.evaluations``):

=====================================  ============================================
``derivative(f, x, order=1, ...)``     d^n f / dx^n; ``x`` a scalar, or an array of
                                       independent points (``f`` elementwise)
``gradient(f, x)``                     scalar ``f`` of an array: shape ``x.shape``
``jacobian(f, x)``                     shape ``f(x).shape + x.shape``
``hessian(f, x)``                      shape ``f(x).shape + x.shape + x.shape``
``directional(f, x, v)``               d/dt f(x + t v) at t = 0: shape ``f(x).shape``
``difference_quotients(f, x, steps)``  the textbook table (h, quotient, error)
=====================================  ============================================

How the value and the error are found (Ridders' method, as in numdifftools):
difference quotients ``D(h)`` are taken on a decreasing geometric sequence of
steps ``h_k = h_0 / 2**k`` (``h_0 = 2 * max(log(e - 1 + |x|), 1)``) and
extrapolated to ``h = 0`` in a Neville/Richardson tableau, elementwise. Each
tableau entry gets an error bar::

    error = truncation estimate   (how much it disagrees with its two parents)
          + round-off estimate    (2 eps * sum_k |w_k f(x_k)|, amplified by the extrapolation)

and the entry with the smallest error bar is returned. The sequence stops early
for an element once a smaller step could not do better (its round-off alone
would exceed the best error bar, or the best bar is already round-off bound) and
one more row has confirmed the best entry (its column stayed inside its error
bar; where it does not, the bar grows to cover the distance).
Stencils are built (Fornberg's algorithm) on the points actually evaluated,
``fl(x + o_k h)``, so rounding of the step itself costs no accuracy.

Methods: ``"central"`` (error in even powers of h, the default), ``"forward"``
and ``"backward"`` (one-sided, for functions defined on one side only) and
``"complex"`` (the complex step ``Im f(x + ih) / h``: no cancellation, needs an
analytic ``f`` that accepts complex input; orders 1 and 2).
"""

from .arrays import directional, gradient, hessian, jacobian
# the tuning constants stay readable here as before; they are set in engine.py / evaluation.py
from .engine import MAX_COLUMNS, MAX_ROWS, MIN_ROWS, RATIO  # noqa: F401
from .evaluation import FLOOR, METHODS, ROUNDOFF  # noqa: F401
from .scalar import Estimate, derivative
from .textbook import DifferenceTable, difference_quotients

__all__ = [
    "Estimate",
    "DifferenceTable",
    "derivative",
    "gradient",
    "jacobian",
    "hessian",
    "directional",
    "difference_quotients",
]

# Where the code lives (each module opens with what it is for):
#   evaluation.py  calling f safely, stencil weights (Fornberg) and the quotients with their round-off
#   engine.py      Ridders/Richardson tableau, the loop that drives it, and step selection
#   scalar.py      the Estimate result and derivative()
#   arrays.py      gradient, jacobian, hessian, directional
#   textbook.py    difference_quotients and its DifferenceTable
