"""Derivative rules, each beside its primitive: elementwise, reductions, shape, linalg."""
from . import elementwise, reductions, shape, linalg  # noqa: F401  (importing registers the rules)
