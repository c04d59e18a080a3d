"""The explicit list of NumPy functions whose results are constants (no derivative flows through them).

Everything differentiable is registered beside its rule in `rules/`. What is listed here
runs on the raw values when it meets a traced argument: index and shape queries,
predicates, rounding, `*_like` constructors. A NumPy function on neither list raises a
clear error when it meets a traced value.
"""
from __future__ import annotations

import numpy as np

from . import registry

NONDIFFERENTIABLE_FUNCTIONS = (
    "shape ndim size result_type iscomplexobj isrealobj iscomplex isreal isscalar "
    "argmax argmin argsort argpartition nonzero flatnonzero argwhere count_nonzero searchsorted digitize "
    "isclose allclose array_equal array_equiv all any isnan isinf isfinite isneginf isposinf "
    "zeros_like ones_like empty_like full_like round around fix sign floor ceil trunc rint "
    "histogram histogram_bin_edges bincount unravel_index ravel_multi_index diag_indices_from "
    "tril_indices_from triu_indices_from may_share_memory shares_memory min_scalar_type "
    "can_cast common_type iscomplexobj lexsort"
).split()

for _name in NONDIFFERENTIABLE_FUNCTIONS:
    _fun = getattr(np, _name, None)
    if _fun is not None and not isinstance(_fun, np.ufunc) and _fun not in registry.FUNCTIONS:
        registry.register(_fun, registry.nondifferentiable(_fun))
