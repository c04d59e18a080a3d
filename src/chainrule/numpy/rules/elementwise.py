"""Elementwise primitives (ufuncs) and their local partial derivatives, one line each.

An elementwise primitive's Jacobian is diagonal, so one rule gives both modes:
VJP = cotangent * partial and JVP = tangent * partial. `ONE` and `MINUS_ONE` skip the
multiplication. Broadcasting is undone in `broadcast.py`, never here. Every partial is
written with NumPy functions, so under an outer trace it is recorded again (higher order).
"""
from __future__ import annotations

import operator

import numpy as np

from ...core import defjvp, defvjp
from ...core.stage import peek
from .. import box, registry
from ..broadcast import broadcasting_jvp, fit_to_argument
from ..registry import nondifferentiable, primitive

ONE, MINUS_ONE = "one", "minus_one"


def def_partials(prim, *partials) -> None:
    """Register `partial_i(ans, *args)` = d ans / d args[i] (None: not differentiable in that argument)."""
    prim.partials = partials
    for argnum, partial in enumerate(partials):
        if partial is None:
            defvjp(prim, None, argnums=[argnum])
            defjvp(prim, None, argnums=[argnum])
            continue
        defvjp(prim, _partial_vjp_maker(partial, argnum), argnums=[argnum])
        defjvp(prim, broadcasting_jvp(_partial_jvp(partial), argnum), argnums=[argnum])


def _partial_vjp_maker(partial, argnum: int):
    """The staged VJP `cotangent * partial`, fitted to the argument's shape (hot path: kept flat)."""
    if partial is ONE or partial is MINUS_ONE:
        vjp = _identity if partial is ONE else operator.neg

        def constant_maker(ans, *args):
            primal = args[argnum]
            try:
                if primal.shape == ans.shape and primal.dtype is ans.dtype:
                    return vjp
            except AttributeError:
                pass
            return fit_to_argument(vjp, primal, ans)
        return constant_maker

    def maker(ans, *args):
        primal = args[argnum]
        try:
            if primal.shape == ans.shape and primal.dtype is ans.dtype:
                return lambda cotangent: cotangent * partial(ans, *args)
        except AttributeError:  # a Python scalar: fit_to_argument handles it
            pass
        return fit_to_argument(lambda cotangent: cotangent * partial(ans, *args), primal, ans)
    return maker


def _partial_jvp(partial):
    if partial is ONE:
        return lambda tangent, ans, *args: tangent
    if partial is MINUS_ONE:
        return lambda tangent, ans, *args: -tangent
    return lambda tangent, ans, *args: tangent * partial(ans, *args)


def _identity(cotangent):
    return cotangent


def _nonzero(x, fill=1.0):
    """x with zeros replaced by `fill` (keeps 0/0 out of rules whose true value there is finite)."""
    return np.where(x == 0, fill, x)


def _mask(condition, dtype_like):
    """A 0/1 mask for the order-based rules (maximum, minimum, fmax, fmin, clip)."""
    if np.iscomplexobj(peek(dtype_like)):
        raise TypeError(COMPLEX_ORDER_ERROR.format(name="maximum / minimum / fmax / fmin / clip"))
    dtype = np.result_type(peek(dtype_like), np.float16)
    return condition.astype(dtype) if isinstance(condition, box.Box) else np.asarray(condition, dtype=dtype)


COMPLEX_ORDER_ERROR = (
    "chainrule: {name} of complex values is not differentiable: complex numbers have no order "
    "(NumPy compares them lexicographically, real part first, which has a kink wherever two real "
    "parts are equal). Compare np.abs(z) or np.real(z) instead, e.g. np.where(np.abs(a) > np.abs(b), a, b).")


ln2, ln10 = np.log(2.0), np.log(10.0)

# Arithmetic uses Python's operators on NumPy values: same results as the ufuncs, 15x less
# overhead on scalars.
add           = primitive(operator.add, "add", numpy_fun=np.add)
subtract      = primitive(operator.sub, "subtract", numpy_fun=np.subtract)
multiply      = primitive(operator.mul, "multiply", numpy_fun=np.multiply)
true_divide   = primitive(operator.truediv, "divide", numpy_fun=np.true_divide)
power         = primitive(operator.pow, "power", numpy_fun=np.power)
negative      = primitive(operator.neg, "negative", numpy_fun=np.negative)
unary = {name: primitive(getattr(np, name)) for name in (
    "positive square sqrt cbrt reciprocal absolute fabs exp exp2 expm1 log log2 log10 log1p "
    "sin cos tan arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh deg2rad rad2deg "
    "sinc real imag conjugate angle").split() if isinstance(getattr(np, name), np.ufunc)}
binary = {name: primitive(getattr(np, name)) for name in (
    "float_power arctan2 hypot logaddexp logaddexp2 maximum minimum fmax fmin fmod remainder "
    "copysign floor_divide").split()}
globals().update(unary)
globals().update(binary)
# np.sinc, np.real, np.imag, np.angle are Python functions, not ufuncs.
sinc = primitive(np.sinc)
real = primitive(np.real)
imag = primitive(np.imag)
angle = primitive(np.angle)


def _clip(x, lower, upper):
    return np.clip(x, lower, upper)


clip = primitive(_clip, "clip", numpy_fun=False)


@registry.composite(np.clip)
def clip_dispatch(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **kwargs):
    """np.clip with positional bounds, so traced bounds are differentiated too."""
    lower = a_min if min is None else min
    upper = a_max if max is None else max
    return clip(a, lower, upper)


def _power_partial(x, y):
    """d(x**y)/dx = y x**(y-1), and 0 where y == 0 (not 0 * inf at x = 0)."""
    if isinstance(y, (int, float)):
        if y == 2:  # the common square: one operation fewer at every derivative order
            return 2 * x
        return y * x ** (y - 1) if y != 0 else 0 * x
    return y * x ** np.where(y == 0, 1, y - 1)


def _sinc_partial(ans, x):
    safe = _nonzero(x)
    return np.where(x == 0, 0.0, (np.cos(np.pi * x) - ans) / safe)


def _abs_partial(ans, x):
    if np.iscomplexobj(peek(x)):
        return np.conjugate(x) / _nonzero(ans)
    return np.sign(x)


def _abs_jvp(tangent, ans, x):
    """|z| is real: its tangent is Re(conj(z) t) / |z| (for real x: sign(x) t)."""
    if np.iscomplexobj(peek(x)):
        return np.real(tangent * _abs_partial(ans, x))
    return tangent * np.sign(x)


def _between(ans, x, lower, upper):
    inside = np.ones_like(peek(x), dtype=bool)
    if lower is not None:
        inside = inside & (x >= lower)
    if upper is not None:
        inside = inside & (x <= upper)
    return _mask(inside, x)


# fmt: off
def_partials(add,         ONE, ONE)
def_partials(subtract,    ONE, MINUS_ONE)
def_partials(multiply,    lambda ans, x, y: y,                 lambda ans, x, y: x)
def_partials(true_divide, lambda ans, x, y: 1 / y,             lambda ans, x, y: -ans / y)
def_partials(power,       lambda ans, x, y: _power_partial(x, y),
                          lambda ans, x, y: np.log(_nonzero(x)) * ans)
def_partials(float_power, lambda ans, x, y: y * np.float_power(x, np.where(y == 0, 1, y - 1)),
                          lambda ans, x, y: np.log(_nonzero(x)) * ans)
def_partials(negative,    MINUS_ONE)
def_partials(positive,    ONE)
def_partials(square,      lambda ans, x: 2 * x)
def_partials(sqrt,        lambda ans, x: 0.5 / ans)
def_partials(cbrt,        lambda ans, x: 1 / (3 * ans ** 2))
def_partials(reciprocal,  lambda ans, x: -ans ** 2)
def_partials(absolute,    _abs_partial)
defjvp(absolute, broadcasting_jvp(_abs_jvp, 0))
def_partials(fabs,        lambda ans, x: np.sign(x))
def_partials(exp,         lambda ans, x: ans)
def_partials(exp2,        lambda ans, x: ans * ln2)
def_partials(expm1,       lambda ans, x: ans + 1)
def_partials(log,         lambda ans, x: 1 / x)
def_partials(log2,        lambda ans, x: 1 / (x * ln2))
def_partials(log10,       lambda ans, x: 1 / (x * ln10))
def_partials(log1p,       lambda ans, x: 1 / (1 + x))
def_partials(logaddexp,   lambda ans, x, y: np.exp(x - ans),   lambda ans, x, y: np.exp(y - ans))
def_partials(logaddexp2,  lambda ans, x, y: 2 ** (x - ans),    lambda ans, x, y: 2 ** (y - ans))
def_partials(sin,         lambda ans, x: np.cos(x))
def_partials(cos,         lambda ans, x: -np.sin(x))
def_partials(tan,         lambda ans, x: 1 + ans ** 2)
def_partials(arcsin,      lambda ans, x: 1 / np.sqrt(1 - x ** 2))
def_partials(arccos,      lambda ans, x: -1 / np.sqrt(1 - x ** 2))
def_partials(arctan,      lambda ans, x: 1 / (1 + x ** 2))
def_partials(sinh,        lambda ans, x: np.cosh(x))
def_partials(cosh,        lambda ans, x: np.sinh(x))
def_partials(tanh,        lambda ans, x: 1 - ans ** 2)
def_partials(arcsinh,     lambda ans, x: 1 / np.sqrt(x ** 2 + 1))
def_partials(arccosh,     lambda ans, x: 1 / (np.sqrt(x - 1) * np.sqrt(x + 1)))  # not sqrt(x**2-1): complex branch
def_partials(arctanh,     lambda ans, x: 1 / (1 - x ** 2))
def_partials(deg2rad,     lambda ans, x: np.pi / 180)
def_partials(rad2deg,     lambda ans, x: 180 / np.pi)
def_partials(sinc,        _sinc_partial)
def_partials(arctan2,     lambda ans, y, x: x / (x ** 2 + y ** 2), lambda ans, y, x: -y / (x ** 2 + y ** 2))
def_partials(hypot,       lambda ans, x, y: x / _nonzero(ans), lambda ans, x, y: y / _nonzero(ans))
def_partials(maximum,     lambda ans, x, y: _mask(x > y, ans) + 0.5 * _mask(x == y, ans),
                          lambda ans, x, y: _mask(y > x, ans) + 0.5 * _mask(x == y, ans))
def_partials(minimum,     lambda ans, x, y: _mask(x < y, ans) + 0.5 * _mask(x == y, ans),
                          lambda ans, x, y: _mask(y < x, ans) + 0.5 * _mask(x == y, ans))
def_partials(fmax,        lambda ans, x, y: _mask((x > y) | np.isnan(y), ans) + 0.5 * _mask(x == y, ans),
                          lambda ans, x, y: _mask((y > x) | np.isnan(x), ans) + 0.5 * _mask(x == y, ans))
def_partials(fmin,        lambda ans, x, y: _mask((x < y) | np.isnan(y), ans) + 0.5 * _mask(x == y, ans),
                          lambda ans, x, y: _mask((y < x) | np.isnan(x), ans) + 0.5 * _mask(x == y, ans))
def_partials(clip,        _between,
                          lambda ans, x, lower, upper: _mask(x < lower, ans),
                          lambda ans, x, lower, upper: _mask(x > upper, ans))
def_partials(fmod,        ONE, lambda ans, x, y: -np.trunc(x / y))
def_partials(remainder,   ONE, lambda ans, x, y: -np.floor(x / y))
def_partials(copysign,    lambda ans, x, y: np.sign(x) * np.sign(np.copysign(1, y)), None)
def_partials(floor_divide, None, None)
# fmt: on
# multiply is the most common primitive: its VJPs skip the partial's extra call.
def _multiply_vjp_x(ans, x, y):
    try:
        if x.shape == ans.shape and x.dtype is ans.dtype:
            return lambda cotangent: cotangent * y
    except AttributeError:
        pass
    return fit_to_argument(lambda cotangent: cotangent * y, x, ans)


def _multiply_vjp_y(ans, x, y):
    try:
        if y.shape == ans.shape and y.dtype is ans.dtype:
            return lambda cotangent: cotangent * x
    except AttributeError:
        pass
    return fit_to_argument(lambda cotangent: cotangent * x, y, ans)


defvjp(multiply, _multiply_vjp_x, _multiply_vjp_y)


# Complex parts: not holomorphic, so their VJPs are written out (autograd's convention).
def _match_complex(primal, cotangent):
    return cotangent if np.iscomplexobj(peek(primal)) else np.real(cotangent)


def _def_complex_part(prim, vjp, jvp) -> None:
    prim.partials = None
    defvjp(prim, vjp)
    defjvp(prim, jvp)


# fmt: off
_def_complex_part(real,      lambda ans, x: lambda g: _match_complex(x, g),                 lambda t, ans, x: np.real(t))
_def_complex_part(imag,      lambda ans, x: lambda g: _match_complex(x, -1j * g),           lambda t, ans, x: np.imag(t))
_def_complex_part(conjugate, lambda ans, x: lambda g: np.conjugate(g),                      lambda t, ans, x: np.conjugate(t))
_def_complex_part(angle,     lambda ans, x: lambda g: _match_complex(x, g * np.conjugate(x * 1j) / _nonzero(np.abs(x)) ** 2),
                             lambda t, ans, x: np.real(t * np.conjugate(x * 1j)) / _nonzero(np.abs(x)) ** 2)
# fmt: on
registry.register(np.conj, conjugate)
registry.register(np.abs, absolute)
registry.register(np.degrees, rad2deg)  # separate ufunc objects computing the same thing
registry.register(np.radians, deg2rad)

# Comparisons, logic, rounding and predicates: piecewise constant, so their results are constants.
NONDIFF_UFUNCS = (
    "equal not_equal less less_equal greater greater_equal logical_and logical_or logical_xor "
    "logical_not floor ceil rint trunc sign isnan isinf isfinite signbit bitwise_and bitwise_or "
    "bitwise_xor invert left_shift right_shift heaviside spacing nextafter isnat gcd lcm").split()
for _name in NONDIFF_UFUNCS:
    if hasattr(np, _name):
        registry.register(getattr(np, _name), nondifferentiable(getattr(np, _name)))

for _name in ("add", "subtract", "multiply", "true_divide", "power", "negative", "absolute", "remainder"):
    setattr(box, _name, globals()[_name])
for _name in ("real", "imag", "conjugate"):
    setattr(box._ops, _name, globals()[_name])
box._ops.clip = clip
