"""`chainrule.scipy`: SciPy's special functions, distributions, matrix functions and convolution, differentiable.

Needs SciPy (`pip install 'chainrule[scipy]'`). The submodules mirror SciPy's:

>>> import chainrule as cr
>>> from chainrule.scipy import special, stats
>>> float(cr.grad(special.expit)(0.0))
0.25
>>> float(cr.grad(lambda mu: stats.norm.logpdf(1.0, mu, 2.0))(0.0))
0.25

SciPy's special functions are ufuncs, so plain `scipy.special.expit(x)` on a traced `x` is
differentiated as well: chainrule imports `chainrule.scipy.special` by itself the first time
a traced value meets one of SciPy's ufuncs.
"""
try:
    import scipy  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised with SciPy uninstalled
    raise ImportError(
        "chainrule.scipy needs SciPy, which is not installed. Install it with "
        "pip install 'chainrule[scipy]' (or pip install scipy).") from error

import importlib  # noqa: E402

__all__ = ["linalg", "signal", "special", "stats"]


def __getattr__(name: str):
    """Submodules load on first use (`import scipy.stats` alone takes a second or two)."""
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'chainrule.scipy' has no attribute {name!r}")
