"""Primitives over SciPy functions that do not take part in NumPy's dispatch (they call np.asarray).

Under nested differentiation (grad of grad, hessian) the raw value a primitive receives can
itself be a traced value of a lower level. NumPy's functions dispatch such a value back to
chainrule; SciPy's linear algebra, `polygamma` or `convolve` would call `np.asarray` on it
instead. `scipy_primitive` sends it back through the primitive, which records it on its own
level, and calls SciPy only with plain arrays.
"""
from __future__ import annotations

from ..core import Box, Primitive
from ..numpy import registry


def scipy_primitive(fun, name: str, *, numpy_fun=False, module: str | None = None) -> Primitive:
    """A batch-aware primitive over `fun`, safe for nested traced values (see the module docstring)."""
    def on_values(*args, **kwargs):
        for arg in args:
            if isinstance(arg, Box):
                return prim(*args, **kwargs)
        return fun(*args, **kwargs)
    on_values.__name__ = name
    on_values.__doc__ = getattr(fun, "__doc__", None)
    prim = registry.primitive(on_values, name, numpy_fun=numpy_fun, module=module)
    return prim
