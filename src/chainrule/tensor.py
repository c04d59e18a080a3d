"""PyTorch-style tensors on chainrule's core: `tensor(..., requires_grad=True)`, `.backward()`, `.grad`.

A `Tensor` is an `ArrayBox` on a long-lived `TensorTrace` shared by the tensors: every
operation on tensors records a node (while grad mode is on and some input requires grad),
and `y.backward()` walks the recorded graph with the core's reverse pass, then adds the
cotangents of the leaves into their `.grad`, as PyTorch does. The trace, its nodes, grad
mode and the version checks are in `tensor_graph.py`; this file is the tensor itself.

Levels. The shared trace is made when this module is imported, so its level is lower than
that of every transform: a tensor graph can be differentiated by `grad`/`jacobian` from
outside (`grad(f)(w)` of a tensor `w` gives a tensor whose `.backward()` reaches `w`).
A tensor made *from a value that a transform is tracing* (`tensor(x)` inside `grad(f)`)
lives on a tensor trace above that transform, so the tensor graph is nested inside it;
`backward()` then differentiates every tensor level found in the output, each one for its
own leaves. Plain NumPy functions reach tensors through NumPy's dispatch protocols.

PyTorch semantics kept: `.grad` accumulates; `retain_graph`; a second backward through a
freed graph, and an in-place change to a tensor the graph still needs, raise at
`backward()` naming the operation (each node remembers the version of the tensors it
saved); in-place ops on a leaf that requires grad raise unless grad mode is off;
`create_graph=True` makes `.grad` differentiable. Differences: `.grad` is a NumPy array
(a `Tensor` with `create_graph=True`), float64 is the default dtype, and an in-place
operation gives the tensor a new array (arrays handed out earlier keep their old values).

>>> import chainrule as cr
>>> w = cr.tensor([1.0, 2.0], requires_grad=True)
>>> loss = (w ** 2).sum()
>>> loss
tensor(5., grad_fn=<SumBackward>)
>>> loss.backward()
>>> w.grad
array([2., 4.])
"""
from __future__ import annotations

import collections
import re
import warnings

import numpy as np

from .core.stage import StagingTrace, peek
from .core.trace import Box, holds_box
from .numpy import registry as _registry
from .numpy.box import ArrayBox, TracedValueError
from .numpy.rules import shape as _shape
from .tensor_graph import (TensorNode, TensorTrace, _Version, enable_grad, is_grad_enabled, no_grad, restage,
                           set_grad_enabled, trace_for)

__all__ = ["Tensor", "tensor", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]


# --- the Tensor --------------------------------------------------------------------------------
class _Size(int):
    """`t.size` is NumPy's element count, and `t.size()` / `t.size(dim)` PyTorch's shape."""

    def __new__(cls, shape: tuple):
        size = int(np.prod(shape, dtype=np.int64))
        obj = super().__new__(cls, size)
        obj.shape = tuple(shape)
        return obj

    def __call__(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]


def _strip_tensors(value):
    """The value under every tensor layer (boxes of transforms stay)."""
    while isinstance(value, Tensor):
        value = value._value
    return value


def _backward_name(node) -> str:
    name = getattr(node.primitive, "name", "Function")
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", name) if part) + "Backward"


MaxMin = collections.namedtuple("MaxMin", "values indices")


class Tensor(ArrayBox):
    """A NumPy array with PyTorch's autograd: made by `chainrule.tensor(data, requires_grad=...)`.

    Arithmetic, indexing, methods and every NumPy / `chainrule.numpy` function work on it and
    return tensors. `y.backward()` fills `.grad` of the leaves that require grad.
    """

    __slots__ = ("_grad", "_version_cell", "_version", "_retains_grad")
    __hash__ = object.__hash__  # by identity, as PyTorch (== is elementwise)

    def __init__(self, value, trace, node) -> None:
        if not isinstance(trace, TensorTrace):
            raise TypeError("chainrule.Tensor is not built directly: use chainrule.tensor(data, requires_grad=...).")
        super().__init__(value, trace, node)
        self._grad = None
        self._version_cell = None
        self._version = 0
        self._retains_grad = False

    def _version_counter(self) -> _Version:
        cell = self._version_cell
        if cell is None:
            cell = self._version_cell = _Version()
        return cell

    # --- autograd state ------------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        """True for leaves made with `requires_grad=True` and for results computed from them."""
        return self._node is not None

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        """Start (or stop) recording operations on this leaf; returns the tensor."""
        if requires_grad and self._node is None:
            if np.result_type(_strip_tensors(self._value)).kind not in "fc":
                raise RuntimeError("only Tensors of floating point and complex dtype can require gradients "
                                   "(make it with chainrule.tensor(data, dtype=float) or x.double()).")
            self._node = TensorNode.root()
            self._trace.leaves[id(self)] = self
        elif not requires_grad and self._node is not None:
            if not self.is_leaf:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want "
                                   "to use a computed variable in a subgraph that doesn't require "
                                   "differentiation use var_no_grad = var.detach().")
            self._node = None
            self._trace.leaves.pop(id(self), None)
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user (and every tensor that does not require grad)."""
        return self._node is None or self._node.primitive is None

    @property
    def grad_fn(self):
        """The node that computed this tensor (None for leaves)."""
        return None if self.is_leaf else self._node

    @property
    def grad(self):
        """The accumulated gradient: a NumPy array of this tensor's shape (a Tensor after create_graph=True)."""
        if not self.is_leaf and not self._retains_grad:
            warnings.warn("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                          ".grad attribute won't be populated during .backward(). If you indeed want the "
                          ".grad field to be populated for a non-leaf Tensor, use .retain_grad() on it.",
                          UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None and np.shape(value) != self.shape:
            raise RuntimeError(f"assigned grad has shape {np.shape(value)}, but the tensor has shape {self.shape}.")
        self._grad = value

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the accumulated gradient (or set it to zeros with `set_to_none=False`)."""
        self._grad = None if set_to_none or self._grad is None else np.zeros_like(_strip_tensors(self._grad))

    def retain_grad(self) -> None:
        """Make `.backward()` fill `.grad` of this non-leaf tensor too."""
        if self._node is None:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        self._retains_grad = True
        self._trace.leaves[id(self)] = self

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def detach(self) -> "Tensor":
        """The same values as a new leaf that does not require grad (no graph behind it)."""
        return Tensor(self._value, self._trace, None)

    @property
    def data(self) -> "Tensor":
        """The values as a tensor outside the graph; assigning `.data` replaces the values without recording."""
        return self.detach()

    @data.setter
    def data(self, value) -> None:
        value = _strip_tensors(value)
        self._value = value if isinstance(value, Box) else np.asarray(value)

    # --- backward ------------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs=None) -> None:
        """Add d(self)/d(leaf) (times `gradient`) into `.grad` of every leaf that requires grad.

        `gradient` is needed for a non-scalar tensor (PyTorch's rule); `retain_graph=True`
        keeps the graph for another backward (default: `create_graph`); `create_graph=True`
        records the backward pass so `.grad` can be differentiated again; `inputs` limits
        which tensors get gradients.
        """
        backward(self, gradient, retain_graph, create_graph, inputs)

    def _accumulate(self, cotangent, create_graph: bool) -> None:
        """Add one backward pass's cotangent into `.grad` (a NumPy array, or a Tensor under create_graph)."""
        raw = _strip_tensors(self._value)
        shape, dtype = np.shape(raw), np.result_type(raw if not isinstance(raw, Box) else _strip_all(raw))
        if create_graph:
            if not (isinstance(cotangent, Tensor) and cotangent._trace is self._trace):
                cotangent = Tensor(np.array(_strip_tensors(cotangent), dtype=dtype), self._trace, None)
        else:
            # tensor layers go, and so do boxes of transforms running above this tensor's level:
            # they end before this tensor does, so .grad keeps only the value they trace
            level = self._trace.level
            while isinstance(cotangent, Box) and (isinstance(cotangent, Tensor) or cotangent._trace.level > level):
                cotangent = cotangent._value
            if not isinstance(cotangent, Box):
                if dtype.kind == "f" and np.iscomplexobj(cotangent):
                    cotangent = np.real(cotangent)
                cotangent = np.array(np.broadcast_to(np.asarray(cotangent, dtype=dtype), shape))
            elif cotangent._trace.__class__ is StagingTrace:  # a compile records it: the same fixes, recorded
                from .transforms import fresh_staged  # transforms imports nothing from here
                cotangent = fresh_staged(cotangent, shape, dtype)
        self._grad = cotangent if self._grad is None else self._grad + cotangent

    # --- conversions ---------------------------------------------------------------------------
    def _plain(self, what: str):
        raw = _strip_tensors(self._value)
        if isinstance(raw, Box):
            raise TracedValueError(
                f"{what} of a tensor whose value is being differentiated by an enclosing chainrule "
                f"transform would silently lose that derivative. Keep it as a tensor, or "
                f"chainrule.stop_gradient() it first if a constant is what you want.")
        return raw

    def numpy(self, force: bool = False) -> np.ndarray:
        """The values as a read-only NumPy array (PyTorch refuses this for tensors that require grad)."""
        raw = self._plain(".numpy()")
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return _read_only(raw)

    def __array__(self, dtype=None, copy=None):
        raw = self._plain("np.asarray()")
        if self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad (np.asarray / np.array of it). "
                               "Use tensor.detach().numpy() instead.")
        if copy:
            return np.array(raw, dtype=dtype, copy=True)
        return _read_only(raw if dtype is None else np.asarray(raw, dtype=dtype))

    def item(self):
        """The single value as a Python number (allowed even when the tensor requires grad)."""
        raw = np.asarray(self._plain(".item()"))
        if raw.size != 1:
            raise RuntimeError(f"a Tensor with {raw.size} elements cannot be converted to Scalar")
        return raw.item()

    def tolist(self):
        return np.asarray(self._plain(".tolist()")).tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __index__(self):
        raw = np.asarray(self._plain("using a tensor as an index"))
        if raw.dtype.kind not in "biu" or raw.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(raw.item())

    def __format__(self, spec: str) -> str:
        if spec and np.size(_strip_tensors(self._value)) == 1 and not isinstance(_strip_tensors(self._value), Box):
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __repr__(self) -> str:
        raw = self._value
        if isinstance(raw, Box):
            body = repr(raw)
        else:
            body = np.array2string(np.asarray(raw), separator=", ", prefix="tensor(")
        extras = []
        dtype = np.result_type(_strip_tensors(raw) if not isinstance(_strip_tensors(raw), Box) else np.float64)
        if dtype not in (np.dtype(np.float64), np.dtype(np.int64), np.dtype(bool), np.dtype(np.complex128)):
            extras.append(f"dtype={dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{_backward_name(self._node)}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    __str__ = __repr__

    # --- NumPy dispatch: results that are plain arrays (comparisons, argmax) come back as tensors ---
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if (method != "__call__" or ufunc not in _registry.UFUNCS) and not _needs_grad((inputs, kwargs)):
            if "out" in kwargs:
                raise TypeError(f"chainrule: numpy.{ufunc.__name__}(..., out=...) into a tensor: drop out=.")
            return self._as_tensor(getattr(ufunc, method)(*_unwrap_constants(inputs), **_unwrap_constants(kwargs)))
        return self._as_tensor(super().__array_ufunc__(ufunc, method, *inputs, **kwargs))

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment; use t.detach().clone() or chainrule.tensor(t).")
        copied = tensor(self._value, requires_grad=self.requires_grad)
        memo[id(self)] = copied
        return copied

    def __reduce__(self):
        if not self.is_leaf or isinstance(self._value, Box):
            raise RuntimeError("only leaf tensors with plain values can be pickled; detach() first.")
        return (tensor, (np.asarray(self._value), self.requires_grad))

    def __array_function__(self, func, types, args, kwargs):
        if func not in _registry.FUNCTIONS and not _needs_grad((args, kwargs)):
            raw_args, raw_kwargs = _unwrap_constants(args), _unwrap_constants(kwargs)
            return self._as_tensor(func(*raw_args, **raw_kwargs))
        return self._as_tensor(super().__array_function__(func, types, args, kwargs))

    def _as_tensor(self, result):
        if isinstance(result, (np.ndarray, np.generic)) and not isinstance(result, Box):
            return Tensor(result, self._trace, None)
        return result

    # --- PyTorch spellings ------------------------------------------------------------------------
    @property
    def size(self):  # noqa: D401  (both NumPy's attribute and PyTorch's method)
        return _Size(self.shape)

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return int(self.size)

    nelement = numel

    def clone(self) -> "Tensor":
        """A copy that stays in the graph (gradients flow back to the original)."""
        return np.copy(self)

    def view(self, *shape) -> "Tensor":
        return self.reshape(*shape)

    def view_as(self, other) -> "Tensor":
        return self.reshape(np.shape(other))

    def unsqueeze(self, dim: int) -> "Tensor":
        return np.expand_dims(self, dim)

    def permute(self, *dims) -> "Tensor":
        return np.transpose(self, dims[0] if len(dims) == 1 and not isinstance(dims[0], int) else dims)

    def t(self) -> "Tensor":
        return self.T

    def matmul(self, other) -> "Tensor":
        return self @ other

    mm = matmul

    def float(self) -> "Tensor":
        return self.astype(np.float32)

    def double(self) -> "Tensor":
        return self.astype(np.float64)

    def to(self, dtype) -> "Tensor":
        return self.astype(dtype)

    def _reduce(self, fun, dim, keepdim, axis, keepdims, **extra):
        axis = dim if dim is not None else axis
        keep = keepdim if keepdims is None else keepdims
        return fun(self, axis=axis, keepdims=keep, **extra)

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None, out=None):
        return self._reduce(np.sum, dim, keepdim, axis, keepdims, dtype=dtype, out=out)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None, out=None):
        return self._reduce(np.mean, dim, keepdim, axis, keepdims, dtype=dtype, out=out)

    def prod(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None, out=None):
        return self._reduce(np.prod, dim, keepdim, axis, keepdims, dtype=dtype, out=out)

    def max(self, axis=None, out=None, keepdims=False, *, dim=None, keepdim=False):
        """NumPy's `max(axis)`; with `dim=` PyTorch's `(values, indices)`."""
        if dim is not None:
            return MaxMin(np.max(self, axis=dim, keepdims=keepdim), self._as_tensor(
                np.expand_dims(np.argmax(self, axis=dim), dim) if keepdim else np.argmax(self, axis=dim)))
        return np.max(self, axis=axis, out=out, keepdims=keepdims)

    def min(self, axis=None, out=None, keepdims=False, *, dim=None, keepdim=False):
        """NumPy's `min(axis)`; with `dim=` PyTorch's `(values, indices)`."""
        if dim is not None:
            return MaxMin(np.min(self, axis=dim, keepdims=keepdim), self._as_tensor(
                np.expand_dims(np.argmin(self, axis=dim), dim) if keepdim else np.argmin(self, axis=dim)))
        return np.min(self, axis=axis, out=out, keepdims=keepdims)

    def exp(self): return np.exp(self)
    def log(self): return np.log(self)
    def log1p(self): return np.log1p(self)
    def expm1(self): return np.expm1(self)
    def sqrt(self): return np.sqrt(self)
    def sin(self): return np.sin(self)
    def cos(self): return np.cos(self)
    def tan(self): return np.tan(self)
    def tanh(self): return np.tanh(self)
    def abs(self): return np.abs(self)
    def neg(self): return -self
    def square(self): return self * self
    def pow(self, exponent): return self ** exponent
    def sigmoid(self): return 1.0 / (1.0 + np.exp(-self))
    def relu(self): return np.where(self._plain_mask() > 0, self, 0.0)
    def clamp(self, min=None, max=None): return np.clip(self, min, max)  # noqa: A002

    def _plain_mask(self):
        """The raw values (for a non-differentiable mask)."""
        value = self._value
        while isinstance(value, Box):
            value = value._value
        return value

    def softmax(self, dim: int = -1):
        shifted = self - np.max(self._plain_mask(), axis=dim, keepdims=True)
        exps = np.exp(shifted)
        return exps / np.sum(exps, axis=dim, keepdims=True)

    def log_softmax(self, dim: int = -1):
        shifted = self - np.max(self._plain_mask(), axis=dim, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))

    # --- in-place operations -------------------------------------------------------------------------
    def _in_place(self, operation: str, compute) -> "Tensor":
        if self._node is not None and self._node.primitive is None and is_grad_enabled():
            raise RuntimeError(
                f"`{operation}`: a leaf Variable that requires grad is being used in an in-place operation. "
                f"Do the update under `with chainrule.no_grad():` (as an optimiser step does), or compute "
                f"a new tensor (x = x + ...).")
        counter = self._version_counter()
        counter.count += 1  # saved uses of the old value are invalid from now on
        previous_operation, counter.operation = counter.operation, operation
        try:
            new = compute(self)
            new = _check_in_place_result(self, new, operation)
        except BaseException:
            counter.count -= 1
            counter.operation = previous_operation
            raise
        self._value = new._value
        self._version += 1
        if is_grad_enabled():
            self._node = new._node
            self._version_cell = new._version_cell
        return self

    def __iadd__(self, other): return self._in_place("+=", lambda x: x + other)
    def __isub__(self, other): return self._in_place("-=", lambda x: x - other)
    def __imul__(self, other): return self._in_place("*=", lambda x: x * other)
    def __itruediv__(self, other): return self._in_place("/=", lambda x: x / other)
    def __ipow__(self, other): return self._in_place("**=", lambda x: x ** other)
    def add_(self, other, *, alpha=1): return self._in_place("add_", lambda x: x + alpha * other)
    def sub_(self, other, *, alpha=1): return self._in_place("sub_", lambda x: x - alpha * other)
    def mul_(self, other): return self._in_place("mul_", lambda x: x * other)
    def div_(self, other): return self._in_place("div_", lambda x: x / other)
    def pow_(self, other): return self._in_place("pow_", lambda x: x ** other)
    def clamp_(self, min=None, max=None): return self._in_place("clamp_", lambda x: np.clip(x, min, max))  # noqa: A002
    def zero_(self): return self._in_place("zero_", lambda x: Tensor(np.zeros_like(x._plain_mask()), x._trace, None))

    def fill_(self, value):
        return self._in_place("fill_", lambda x: np.broadcast_to(value, x.shape) + np.zeros_like(x._plain_mask()))

    def copy_(self, source):
        return self._in_place("copy_", lambda x: np.broadcast_to(source, x.shape) + np.zeros_like(x._plain_mask()))

    def __setitem__(self, index, value):
        self._in_place("x[...] = value (__setitem__)", lambda x: _index_update(x, index, value))


TensorTrace.box_type = Tensor


def _read_only(raw) -> np.ndarray:
    array = np.asarray(raw)
    view = array.view()
    view.flags.writeable = False
    return view


def _needs_grad(tree) -> bool:
    """Whether any value in (nested lists/tuples/dicts of) `tree` is traced beyond a no-grad tensor."""
    return holds_box(tree, _traced_beyond_no_grad)


def _traced_beyond_no_grad(item) -> bool:
    return not isinstance(item, Tensor) or item._node is not None or isinstance(_strip_tensors(item), Box)


def _unwrap_constants(tree):
    if isinstance(tree, Tensor):
        return _strip_tensors(tree)
    if isinstance(tree, (list, tuple)):
        return type(tree)(_unwrap_constants(item) for item in tree) if not hasattr(tree, "_fields") else tree
    if isinstance(tree, dict):
        return {key: _unwrap_constants(item) for key, item in tree.items()}
    return tree


def _check_in_place_result(target: Tensor, new, operation: str) -> Tensor:
    if not isinstance(new, Tensor) or new._trace is not target._trace:
        if isinstance(new, Box):
            raise RuntimeError(
                f"`{operation}`: the new value is being differentiated by an enclosing chainrule transform, "
                f"so it cannot be written into this tensor in place. Use an out-of-place operation.")
        new = Tensor(new, target._trace, None)
    if new.shape != target.shape:
        raise RuntimeError(f"`{operation}`: output with shape {list(target.shape)} doesn't match the "
                           f"broadcast shape {list(new.shape)}")
    target_dtype, new_dtype = np.result_type(_strip_tensors(target._value)), np.result_type(_strip_tensors(new._value))
    if new_dtype != target_dtype:
        if not np.can_cast(new_dtype, target_dtype, "same_kind"):
            raise RuntimeError(f"`{operation}`: result type {new_dtype} can't be cast to the desired output "
                               f"type {target_dtype}")
        new = new.astype(target_dtype)
        if not isinstance(new, Tensor):
            new = Tensor(new, target._trace, None)
    return new


def _index_update(x: Tensor, index, value):
    """`x` with `x[index]` replaced by `value`, written with differentiable primitives."""
    index = _shape._normalize_index(index)
    shape = x.shape
    selected = np.empty(shape, dtype=bool)[index].shape
    hits = np.zeros(shape, dtype=np.int64)
    np.add.at(hits, index, 1)
    if hits.max(initial=0) > 1:
        raise ValueError("chainrule: x[index] = value with an index that repeats an element is ambiguous "
                         "(which write wins?); use distinct indices.")
    mask = hits > 0
    placed = _shape.scatter_add(np.broadcast_to(value, selected), index, shape=shape)
    return np.where(mask, placed, x)


# --- the user-facing functions ----------------------------------------------------------------------
def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """A new leaf tensor holding a copy of `data` (a number, list or array).

    Integers become float64 when `requires_grad=True` (so `tensor(2, requires_grad=True)`
    works); the default float dtype is float64. A tensor passed in is copied and detached.

    >>> tensor([1.0, 2.0], requires_grad=True)
    tensor([1., 2.], requires_grad=True)
    >>> tensor(3)
    tensor(3)
    """
    value = _strip_tensors(data)
    if isinstance(value, Box) or (isinstance(value, (list, tuple)) and _shape._contains_box(value)):
        value = _strip_tensors(_shape.array(value, dtype))
        if not isinstance(value, Box):
            value = np.array(value)
    else:
        value = np.array(value, dtype=dtype)
    if requires_grad and dtype is None and np.result_type(_strip_tensors(value)).kind in "biu":
        value = value.astype(np.float64)
    result = Tensor(value, trace_for(value), None)
    if requires_grad:
        result.requires_grad_(True)
    return result


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None, create_graph: bool = False,
             inputs=None) -> None:
    """PyTorch's `torch.autograd.backward`: backward from one tensor or a list of them at once."""
    if isinstance(tensors, Tensor):
        tensors, grad_tensors = [tensors], [grad_tensors]
    tensors = list(tensors)
    grad_tensors = [None] * len(tensors) if grad_tensors is None else list(grad_tensors)
    retain_graph = create_graph if retain_graph is None else retain_graph
    # one (end box, seed) per tensor level found in each output, grouped by trace
    by_trace: dict = {}
    for position, (output, gradient) in enumerate(zip(tensors, grad_tensors)):
        seed = _seed(output, gradient, position, create_graph)
        found = False
        value = output
        while isinstance(value, Box) and value._trace.__class__ is not StagingTrace:  # staged: no tensors below
            if isinstance(value, Tensor) and value._node is not None:
                by_trace.setdefault(value._trace, []).append((value._node, seed))
                found = True
            value = value._value
        if not found:
            raise RuntimeError(f"element {position} of tensors does not require grad and does not have a grad_fn "
                               f"(make the inputs with chainrule.tensor(..., requires_grad=True)).")
    wanted = None if inputs is None else [inputs] if isinstance(inputs, Tensor) else list(inputs)
    for trace, pairs in sorted(by_trace.items(), key=lambda item: -item[0].level):
        _backward_on(trace, pairs, wanted, retain_graph, create_graph)


def _seed(output: Tensor, gradient, position: int, create_graph: bool):
    raw = _strip_tensors(output._value)
    shape, dtype = np.shape(raw), np.result_type(raw if not isinstance(raw, Box) else _strip_all(raw))
    if gradient is None:
        if int(np.prod(shape)) != 1:
            raise RuntimeError(f"grad can be implicitly created only for scalar outputs: output {position} has "
                               f"shape {shape}. Pass backward(gradient=...) with a tensor of that shape "
                               f"(e.g. ones), or reduce the output first (.sum()).")
        return np.ones(shape, dtype=dtype) if shape else dtype.type(1)
    if not create_graph:
        gradient = _strip_tensors(gradient)
    if not isinstance(gradient, Box):
        gradient = np.asarray(gradient, dtype=np.result_type(gradient, dtype))
    if np.shape(gradient) != shape:
        raise RuntimeError(f"Mismatch in shape: grad_output[{position}] has a shape of {np.shape(gradient)} "
                           f"and output[{position}] has a shape of {shape}.")
    return gradient


def _strip_all(value):
    return peek(value)  # read for its dtype only


def _backward_on(trace: TensorTrace, pairs, wanted, retain_graph: bool, create_graph: bool) -> None:
    from .transforms import backward_many  # transforms imports nothing from here
    targets = [t for t in (list(trace.leaves.values()) if wanted is None else wanted)
               if isinstance(t, Tensor) and t._trace is trace and t._node is not None]
    nodes = [t._node for t in targets]
    with set_grad_enabled(create_graph):
        restaged = restage([node for node, _ in pairs], trace) if create_graph else []
        try:
            cotangents = backward_many(pairs, nodes, free=not retain_graph)
        finally:
            if retain_graph:
                for node, vjps in restaged:
                    node.vjps = vjps
        for target, cotangent in zip(targets, cotangents):
            if cotangent is not None:
                target._accumulate(cotangent, create_graph)
