"""Pytrees: flatten nested tuples, lists, dicts and namedtuples to leaves and back.

Containers are user data structures a few levels deep (never graphs), so plain recursion
is the clearest way to walk them. Dicts are ordered by sorted key, as JAX does.

>>> leaves, spec = tree_flatten({"b": (1, 2), "a": [3]})
>>> leaves
[3, 1, 2]
>>> tree_unflatten(spec, [30, 10, 20])
{'a': [30], 'b': (10, 20)}
"""
from __future__ import annotations

LEAF = None  # the spec of a leaf


def _sorted_keys(mapping) -> list:
    try:
        return sorted(mapping)
    except TypeError:
        return sorted(mapping, key=repr)


def tree_flatten(tree) -> tuple[list, object]:
    """Leaves in a fixed order and a hashable spec to rebuild the structure."""
    leaves: list = []
    spec = _flatten_into(tree, leaves)
    return leaves, spec


def _flatten_into(value, leaves: list):
    if isinstance(value, dict):
        keys = tuple(_sorted_keys(value))
        return ("dict", (type(value), keys), tuple(_flatten_into(value[k], leaves) for k in keys))
    if isinstance(value, tuple) and type(value) is not tuple and hasattr(type(value), "_fields"):
        return ("namedtuple", type(value), tuple(_flatten_into(v, leaves) for v in value))
    if isinstance(value, (tuple, list)):
        return ("sequence", type(value), tuple(_flatten_into(v, leaves) for v in value))
    leaves.append(value)
    return LEAF


def tree_unflatten(spec, leaves) -> object:
    """Inverse of `tree_flatten`."""
    iterator = iter(leaves)
    return _build(spec, iterator)


def _build(spec, leaves):
    if spec is LEAF:
        return next(leaves)
    kind, meta, children = spec
    values = [next(leaves) if child is LEAF else _build(child, leaves) for child in children]
    if kind == "dict":
        cls, keys = meta
        return cls(zip(keys, values))
    if kind == "namedtuple":
        return meta(*values)
    return meta(values)


def tree_map(fun, tree, *rest) -> object:
    """Apply `fun` leafwise to one or more trees of the same structure.

    >>> tree_map(lambda a, b: a + b, (1, [2]), (10, [20]))
    (11, [22])
    """
    leaves, spec = tree_flatten(tree)
    others = [tree_flatten(other)[0] for other in rest]
    return tree_unflatten(spec, [fun(*group) for group in zip(leaves, *others)])
