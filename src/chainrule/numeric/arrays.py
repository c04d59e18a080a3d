"""Derivatives of functions of whole arrays: gradient, jacobian, hessian, directional.

Each perturbs one coordinate (or, for mixed Hessian entries, two) at a time and
runs the same Ridders/Richardson engine as :func:`derivative`, elementwise over
the output; ``directional`` is :func:`derivative` along a line.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import numpy as np

from .engine import _nominal, _plan, _run
from .evaluation import (FLOOR, ROUNDOFF, _as_point, _Caller, _check_complex_output, _check_method,
                         _complex_quotient, _eps, _offsets, _quotient)
from .scalar import Estimate, _finish, derivative


def jacobian(f: Callable, x: Any, method: str = "central", step: Any = None) -> Estimate:
    """Jacobian of ``f`` at ``x``: shape ``f(x).shape + x.shape`` (chainrule.jacobian's layout).

    ``value[o + i]`` is d f(x)[o] / d x[i]. ``step`` as in :func:`derivative`
    (a number or a sequence is used for every coordinate).

    >>> est = jacobian(lambda x: np.array([x[0] * x[1], np.sin(x[0])]), np.array([2.0, 3.0]))
    >>> np.round(est.value, 10)
    array([[ 3.        ,  2.        ],
           [-0.41614684,  0.        ]])
    """
    return _jacobian(f, x, method, step, "jacobian")


def _jacobian(f: Callable, x: Any, method: str, step: Any, where: str) -> Estimate:
    _check_method(method, 1, where)
    x = _as_point(x, where)
    call = _Caller(f, where)
    f0 = call.first(x)
    if where == "gradient":
        if f0.size != 1:
            raise ValueError(f"gradient: f must return a scalar, but f(x) has shape {f0.shape}; "
                             "use chainrule.numeric.jacobian for array-valued functions")
        call.f, f0 = (lambda point: np.reshape(f(point), ())), f0.reshape(())
    if method == "complex":
        _check_complex_output(f0, where)
    first, scales, power, rounding_order = _plan(method, 1, step, _nominal(x), where)
    first = first.astype(x.dtype).reshape(-1)
    eps = _eps(x, f0)
    offsets = _offsets(method, 1)
    flat, size = x.reshape(-1), x.size
    shape = f0.shape + (size,)
    dtype = np.result_type(f0, x, float) if method != "complex" else np.result_type(x, float)

    def call_along(i: int, moved_i: Any) -> np.ndarray | None:
        point = flat.astype(np.result_type(flat, moved_i))  # a fresh copy for every call
        point[i] = moved_i
        return call(point.reshape(x.shape))

    def row_at(k: int, active: np.ndarray):
        h = first * x.dtype.type(scales[k])
        needed = np.flatnonzero(active.reshape(-1, size).any(axis=0))
        quotient, rounding = np.full(shape, np.nan, dtype=dtype), np.zeros(shape)
        if method == "complex":
            plus = np.full(shape, complex(np.nan, np.nan))  # coordinates not evaluated stay NaN
            for i in needed:
                value = call_along(i, flat[i] + 1j * h[i])
                if value is not None:
                    plus[..., i] = value
            quotient, rounding = _complex_quotient(plus, None, h, 1, eps)
        else:
            points, values = [], []
            for offset in offsets:
                moved = flat + offset * h
                points.append(moved - flat)
                if offset == 0:
                    values.append(f0[..., None])
                    continue
                column = np.full(shape, np.nan, dtype=dtype)
                for i in needed:
                    value = call_along(i, moved[i])
                    if value is not None:
                        column[..., i] = value
                values.append(column)
            quotient, rounding = _quotient(points, values, 1, eps)
        return quotient.ravel(), np.broadcast_to(rounding, shape).ravel()

    tableau = _run(row_at, int(np.prod(shape)), scales, power, rounding_order)
    steps = np.array([first.reshape(x.shape) * s for s in scales[: tableau.rows]])
    element_first = np.broadcast_to(first, shape).ravel()
    return _finish(tableau, element_first, scales, f0.shape + x.shape, steps, where, method, 1, call)


def gradient(f: Callable, x: Any, method: str = "central", step: Any = None) -> Estimate:
    """Gradient of a scalar-valued ``f`` at ``x``: shape ``x.shape`` (chainrule.grad's layout).

    >>> est = gradient(lambda x: np.sum(x**2), np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> np.round(est.value, 10)
    array([[2., 4.],
           [6., 8.]])
    """
    return _jacobian(f, x, method, step, "gradient")


def directional(f: Callable, x: Any, v: Any, method: str = "central", step: Any = None) -> Estimate:
    """Directional derivative d/dt f(x + t v) at t = 0 (chainrule's JVP): shape ``f(x).shape``.

    ``v`` is not normalised: the result is ``jacobian(f, x) . v``.

    >>> est = directional(lambda x: np.sum(x**3), np.array([1.0, 2.0]), np.array([1.0, -1.0]))
    >>> round(float(est.value), 10)
    -9.0
    """
    where = "directional"
    x = _as_point(x, where)
    v = np.asarray(v, dtype=np.result_type(x, float))
    if v.shape != x.shape:
        raise ValueError(f"{where}: the direction v has shape {v.shape}, x has shape {x.shape}; they must match")
    if step is None:
        size = float(np.max(np.abs(v))) if v.size else 0.0
        if size == 0.0:
            raise ValueError(f"{where}: the direction v is zero; give a nonzero direction")
        step = 2.0 * float(_nominal(np.max(np.abs(x)) if x.size else 0.0)) / size
    estimate = derivative(lambda t: f(x + t * v), 0.0, method=method, step=step)
    return dataclasses.replace(estimate, kind="directional")


def hessian(f: Callable, x: Any, method: str = "central", step: Any = None) -> Estimate:
    """Hessian of ``f`` at ``x``: shape ``f(x).shape + x.shape + x.shape``.

    From values of ``f`` only (no gradient needed): the diagonal from three points
    per coordinate, each mixed entry from the four corners of a rectangle.
    Methods: ``"central"``, ``"forward"``, ``"backward"``.

    >>> est = hessian(lambda x: x[0] ** 2 * x[1], np.array([1.0, 2.0]))
    >>> np.round(est.value, 8) + 0.0
    array([[4., 2.],
           [2., 0.]])
    """
    where = "hessian"
    if method == "complex":
        raise ValueError(f"{where}: method='complex' is not available for Hessians; use 'central', "
                         "or derivative(..., order=2, method='complex') along one coordinate")
    _check_method(method, 2, where)
    x = _as_point(x, where)
    call = _Caller(f, where)
    f0 = call.first(x)
    first, scales, power, rounding_order = _plan(method, 2, step, _nominal(x), where)
    first = first.astype(x.dtype).reshape(-1)
    eps = _eps(x, f0)
    flat, size = x.reshape(-1), x.size
    shape = f0.shape + (size, size)
    dtype = np.result_type(f0, x, float)
    sides = {"central": (1, -1), "forward": (1, 0), "backward": (-1, 0)}[method]
    diagonal_offsets = _offsets(method, 2)

    def at(changes: dict) -> np.ndarray | None:
        point = flat.copy()
        for i, value in changes.items():
            point[i] = value
        return f0 if np.array_equal(point, flat) else call(point.reshape(x.shape))

    def row_at(k: int, active: np.ndarray):
        h = first * x.dtype.type(scales[k])
        needed = active.reshape(-1, size, size).any(axis=0)
        needed = needed | needed.T
        quotient, rounding = np.full(shape, np.nan, dtype=dtype), np.zeros(shape)
        for i in range(size):
            if needed[i, i]:
                points = [flat[i] + offset * h[i] - flat[i] for offset in diagonal_offsets]
                values = [at({i: flat[i] + offset * h[i]}) for offset in diagonal_offsets]
                if all(value is not None for value in values):
                    quotient[..., i, i], rounding[..., i, i] = _quotient(points, values, 2, eps)
            for j in range(i + 1, size):
                if not needed[i, j]:
                    continue
                corners_i = [flat[i] + side * h[i] for side in sides]
                corners_j = [flat[j] + side * h[j] for side in sides]
                values = [at({i: a, j: b}) for a in corners_i for b in corners_j]
                if any(value is None for value in values):
                    continue
                area = (corners_i[0] - corners_i[1]) * (corners_j[0] - corners_j[1])
                total = values[0] - values[1] - values[2] + values[3]
                magnitude = sum(np.abs(value) for value in values)
                quotient[..., i, j] = quotient[..., j, i] = total / area
                rounding[..., i, j] = rounding[..., j, i] = ROUNDOFF * eps * (
                    magnitude / abs(area) + FLOOR * np.abs(total / area))
        return quotient.ravel(), rounding.ravel()

    tableau = _run(row_at, int(np.prod(shape)), scales, power, rounding_order)
    steps = np.array([first.reshape(x.shape) * s for s in scales[: tableau.rows]])
    element_first = np.broadcast_to(np.sqrt(first[:, None] * first[None, :]), shape).ravel()
    full_shape = f0.shape + x.shape + x.shape
    return _finish(tableau, element_first, scales, full_shape, steps, where, method, 2, call)
