"""Derivative rules, each beside its primitive: elementwise, reductions, shape, linalg, fft, ..."""
from . import elementwise, reductions, shape, linalg  # noqa: F401  (importing registers the rules)
from . import linalg_solve, linalg_decomp, linalg_names, fft, statistics, sequences, aliases, extra  # noqa: F401
