"""`chainrule.numpy.linalg`: `numpy.linalg` with the differentiable functions replaced by chainrule's."""
from __future__ import annotations

import numpy as _np

from .registry import PUBLIC as _PUBLIC
from .rules.matrix_util import DegenerateDerivativeError, DegenerateDerivativeWarning  # noqa: F401

globals().update({name: fun for (module, name), fun in _PUBLIC.items() if module == "numpy.linalg"})


def __getattr__(name: str):
    return getattr(_np.linalg, name)
