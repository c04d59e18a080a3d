"""Plain `scipy.special.f(traced)` works without `import chainrule.scipy`: the rules load on first use.

The NumPy layer asks `registry.load_rules_for(ufunc)` when a traced value meets a ufunc it has
no rule for. This top-level module installs the answer for SciPy's ufuncs (the NumPy layer
never imports the layers above it), so `import chainrule` itself does not import SciPy.
"""
from __future__ import annotations

import sys

from .numpy import registry


def load_scipy_rules(ufunc) -> bool:
    """Import chainrule.scipy.special (which registers SciPy's ufuncs) if `ufunc` is one of them."""
    special = sys.modules.get("scipy.special")
    if special is None or getattr(special, ufunc.__name__, None) is not ufunc:
        return False
    from .scipy import special as _special  # noqa: F401  (registers SciPy's ufuncs)
    return True


registry.load_rules_for = load_scipy_rules
