"""`chainrule.numpy`: NumPy's names, differentiable. `import chainrule.numpy as cnp`.

Every name NumPy has is here. Differentiable functions are chainrule primitives (or
functions written with them); everything else (dtypes, constants, `zeros`, `arange`,
`random`) is NumPy's own object. Plain `numpy` code works too, through NumPy's dispatch
protocols; this namespace adds `array`/`asarray` that accept lists of traced values.

>>> import chainrule as cr, chainrule.numpy as cnp
>>> float(cr.grad(lambda x: cnp.sum(cnp.sin(x) ** 2))(0.5))
0.8414709848078965
"""
from __future__ import annotations

import numpy as _np

from . import rules as _rules  # noqa: F401  (registers every rule)
from . import wrap as _wrap  # noqa: F401
from . import staging as _staging  # noqa: F401  (records constant functions while compiling)
from .box import ArrayBox, TracedValueError
from .registry import PUBLIC as _PUBLIC
from .rules.shape import array, asarray

_EXPORTS = {name: fun for (module, name), fun in _PUBLIC.items() if module == "numpy"}
_EXPORTS.update({"array": array, "asarray": asarray, "asanyarray": asarray})
# NumPy's other spellings of the same functions (np.abs is np.absolute, np.acos is np.arccos, ...)
for _alias, _target in list(vars(_np).items()):  # vars, not dir: dir would import numpy's lazy submodules
    if _alias not in _EXPORTS and callable(_target) and getattr(_target, "__name__", None) in _EXPORTS \
            and getattr(_np, _target.__name__, None) is _target:
        _EXPORTS[_alias] = _EXPORTS[_target.__name__]
globals().update(_EXPORTS)

from . import fft, linalg, random  # noqa: E402  (submodules mirror numpy's)


def __getattr__(name: str):
    """Anything chainrule does not wrap is NumPy's own (constants, dtypes, creation functions)."""
    try:
        return getattr(_np, name)
    except AttributeError:
        raise AttributeError(f"module 'chainrule.numpy' has no attribute {name!r} (nor has numpy)") from None


def __dir__():
    return sorted(set(dir(_np)) | set(_EXPORTS) | {"fft", "linalg", "random"})
