"""Which NumPy callables chainrule knows: the dispatch tables that `ArrayBox` consults.

`UFUNCS` maps a ufunc to what handles it on traced values, `FUNCTIONS` does the same for
functions reached through `__array_function__`, and `NONDIFF` holds the functions whose
outputs do not depend differentiably on their inputs (comparisons, `argmax`, `floor`,
shape queries): they run on the raw values and return plain arrays.
"""
from __future__ import annotations

import numpy as np

from ..core import Box, Primitive
from ..core.stage import detach

UFUNCS: dict = {}
FUNCTIONS: dict = {}
NONDIFF: set = set()
# (numpy module name, function name) -> what `chainrule.numpy` exports under that name
PUBLIC: dict = {}
# Called with a ufunc that has no handler yet; returns True if it registered one. The top-level
# package installs a loader for SciPy's ufuncs (this layer never imports the layers above it).
load_rules_for = None
# Records a non-differentiable function of staged values (set by `staging.py`, which imports this).
record_constant = None


def register(numpy_fun, handler, public=None, *, module: str | None = None) -> None:
    """Route `numpy_fun` applied to traced values to `handler`; export `public` (default `handler`).

    `module` is the public namespace it is exported under (default: `numpy_fun.__module__`,
    or "numpy" for ufuncs, which have none; SciPy's ufuncs pass "scipy.special").
    """
    (UFUNCS if isinstance(numpy_fun, np.ufunc) else FUNCTIONS)[numpy_fun] = handler
    module = module or getattr(numpy_fun, "__module__", None) or "numpy"
    PUBLIC[(module, numpy_fun.__name__)] = handler if public is None else public


def primitive(fun, name: str | None = None, *, numpy_fun=None, module: str | None = None) -> Primitive:
    """A batch-aware primitive over `fun`, registered for `numpy_fun` (default: `fun`)."""
    prim = Primitive(fun, name or getattr(numpy_fun or fun, "__name__", None), batch_aware=True)
    if numpy_fun is not False:
        register(numpy_fun if numpy_fun is not None else fun, prim, module=module)
    return prim


def nondifferentiable(numpy_fun, *, module: str | None = None):
    """A wrapper that runs `numpy_fun` on raw values: its result is a constant."""
    NONDIFF.add(numpy_fun)
    module = module or getattr(numpy_fun, "__module__", None) or "numpy"
    PUBLIC[(module, numpy_fun.__name__)] = numpy_fun

    def on_raw_values(*args, **kwargs):
        return call_constant(numpy_fun, *args, **kwargs)
    on_raw_values.__name__ = getattr(numpy_fun, "__name__", "nondifferentiable")
    on_raw_values.__doc__ = getattr(numpy_fun, "__doc__", None)
    return on_raw_values


def call_constant(fun, *args, **kwargs):
    """`fun` of the values under the boxes: a constant, recorded (not frozen) while compiling."""
    args = [detach(a) for a in args]
    kwargs = {k: detach(v) for k, v in kwargs.items()} if kwargs else kwargs
    for value in (*args, *kwargs.values()):
        if isinstance(value, Box):  # only a staged box survives `detach`: a compile is recording
            return record_constant(fun, args, kwargs, value._trace)
    return fun(*args, **kwargs)


def composite(numpy_fun, *, register_it: bool = True, module: str | None = None):
    """Decorator: a function written with chainrule's primitives that stands for `numpy_fun`.

    Called without any traced argument it runs `numpy_fun` itself, so `chainrule.numpy`
    costs nothing on plain arrays.
    """
    def decorate(fun):
        def dispatch(*args, **kwargs):
            for arg in args:
                if isinstance(arg, Box) or (type(arg) in (list, tuple) and any(isinstance(a, Box) for a in arg)):
                    return fun(*args, **kwargs)
            return numpy_fun(*args, **kwargs)
        dispatch.__name__ = getattr(numpy_fun, "__name__", fun.__name__)
        dispatch.__qualname__ = dispatch.__name__
        dispatch.__doc__ = fun.__doc__ or getattr(numpy_fun, "__doc__", None)
        dispatch.__wrapped__ = fun
        if register_it:
            register(numpy_fun, fun, dispatch, module=module)
        return dispatch
    return decorate
