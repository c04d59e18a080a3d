"""`explain(f, *args)`: the chain rule worked by hand, the way a textbook's backprop table shows it.

Four parts: the forward pass (each variable's formula and value), every single-step
partial (`∂u/∂a = 2(a + b) = 8`), the backward pass (each adjoint as the sum over its
consumers of adjoint × local partial) and the gradient, checked against the engine's
reverse pass. The conventions used at kinks are stated.
"""
from __future__ import annotations

import html
from typing import Callable

import numpy as np

from .labels import format_value
from .variables import analyse

CONVENTIONS = ("Conventions at kinks: abs'(0) = 0 and the gradient of a norm at 0 is 0 (the "
               "minimum-norm subgradient); ties of max/min/maximum/minimum split the derivative "
               "evenly (1/2 each); sqrt'(0) = inf (the limit from the right).")


def _value(value) -> str:
    return format_value(value, digits=6)


def _factor(text: str) -> str:
    return f"({text})" if (" " in text or text.startswith("-")) else text


class Explanation:
    """The chain rule by hand for one function at one point; `str()` is the text.

    Attributes hold the pieces: `forward` [(name, formula, value)], `partials`
    [(variable, parent, formula, value)], `backward` [(name, terms, value)] where terms
    are (consumer, adjoint, partial) triples, `gradient` {input name: value} and
    `ad_gradient` (from the engine's reverse pass) with `max_difference`.
    """

    def __init__(self, graph, chain) -> None:
        self.graph = graph
        by_id = {variable.id: variable for variable in chain.variables}
        output = by_id[chain.output]
        self.output_name = output.name
        self.forward = [(v.name, v.formula, v.value) for v in chain.variables]
        self.partials = [(v.name, by_id[p].name, str(v.partials[p]), v.partial_values[p])
                         for v in chain.variables for p in v.parents]
        consumers: dict[int, list] = {v.id: [] for v in chain.variables}
        for variable in chain.variables:
            for parent in variable.parents:
                consumers[parent].append(variable)
        self.backward = []
        inputs = [v for v in chain.variables if v.id in graph.inputs]
        others = [v for v in chain.variables if v.id not in graph.inputs]
        for variable in [*reversed(others), *inputs]:
            terms = [(c.name, chain.adjoints.get(c.id), c.partial_values.get(variable.id),
                      chain.contributions.get((c.id, variable.id))) for c in consumers[variable.id]]
            self.backward.append((variable.name, terms, chain.adjoints.get(variable.id)))
        self.gradient = {}
        self.ad_gradient = {}
        for input_id in graph.inputs:
            name = by_id[input_id].name
            self.gradient[name] = chain.adjoints.get(input_id, 0.0 * np.asarray(by_id[input_id].value))
            self.ad_gradient[name] = graph[input_id].grad
        differences = [float(np.max(np.abs(np.asarray(self.gradient[n]) - np.asarray(self.ad_gradient[n]))))
                       for n in self.gradient if self.ad_gradient[n] is not None]
        self.max_difference = max(differences, default=None)

    def _lines(self) -> list[tuple[str, str]]:
        """(kind, text) pairs: kind is "title", "heading", "line" or "note"."""
        f = self.output_name
        inputs = ", ".join(self.gradient)
        function = getattr(self.graph, "function_name", f)
        point = ", ".join(f"{name} = {_value(value)}" for name, _, value in self.forward
                          if name in self.gradient)
        title = f"{function}({inputs})" + (f", whose value is {f}," if function != f else "")
        out = [("title", f"The chain rule by hand for {title} at {point}"),
               ("heading", "Forward pass: each variable from the ones before it")]
        for name, formula, value in self.forward:
            out.append(("line", f"{name} = {formula} = {_value(value)}" if formula
                        else f"{name} = {_value(value)}"))
        out.append(("heading", "Local partial derivatives: one step each"))
        for name, parent, formula, value in self.partials:
            shown = f" = {_value(value)}" if value is not None else " (a Jacobian: applied as a VJP below)"
            if value is not None and _value(value) == formula:
                shown = ""  # ∂v/∂u = 1, not 1 = 1
            out.append(("line", f"∂{name}/∂{parent} = {formula}{shown}"))
        out.append(("heading", f"Backward pass: ∂{f}/∂(variable) = Σ over the variable's "
                               f"consumers c of ∂{f}/∂c · ∂c/∂(variable)"))
        for name, terms, value in self.backward:
            if name == f:
                out.append(("line", f"∂{f}/∂{f} = 1"))
                continue
            if not terms:
                out.append(("line", f"∂{f}/∂{name} = 0   ({name} is not used)"))
                continue
            symbols = " + ".join(f"∂{f}/∂{c}·∂{c}/∂{name}" for c, _, _, _ in terms)
            scalar = all(partial is not None and adjoint is not None for _, adjoint, partial, _ in terms)
            if scalar:
                numbers = " + ".join(f"{_factor(_value(adjoint))}·{_factor(_value(partial))}"
                                     for _, adjoint, partial, _ in terms)
                out.append(("line", f"∂{f}/∂{name} = {symbols} = {numbers} = {_value(value)}"))
            else:
                out.append(("line", f"∂{f}/∂{name} = {symbols} = {_value(value)}"))
        out.append(("heading", "Gradient"))
        for name, value in self.gradient.items():
            out.append(("line", f"∂{f}/∂{name} = {_value(value)}"))
        if self.max_difference is not None:
            verdict = "agrees" if self.max_difference <= 1e-9 * max(1.0, self._scale()) else "DISAGREES"
            out.append(("note", f"Check: {verdict} with chainrule's reverse pass "
                                f"(largest difference {self.max_difference:.3g})."))
        out.append(("note", CONVENTIONS))
        return out

    def _scale(self) -> float:
        return max((float(np.max(np.abs(np.asarray(v)))) for v in self.ad_gradient.values()
                    if v is not None), default=1.0)

    def __str__(self) -> str:
        text = []
        for kind, line in self._lines():
            if kind == "heading":
                text += ["", line]
            elif kind == "note":
                text += ["", line]
            else:
                text.append(("  " if kind == "line" else "") + line)
        return "\n".join(text) + "\n"

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        parts = ['<div style="font-family: monospace; line-height: 1.45">']
        for kind, line in self._lines():
            escaped = html.escape(line)
            if kind == "title":
                parts.append(f"<b>{escaped}</b><br>")
            elif kind == "heading":
                parts.append(f'<div style="margin-top: 0.6em"><b>{escaped}</b></div>')
            elif kind == "note":
                parts.append(f'<div style="margin-top: 0.6em">{escaped}</div>')
            else:
                parts.append(f'<div style="padding-left: 1.5em">{escaped}</div>')
        parts.append("</div>")
        return "\n".join(parts)


def explain_graph(graph) -> Explanation:
    return Explanation(graph, analyse(graph))


def explain(function: Callable, *args, **kwargs) -> Explanation:
    """The chain rule by hand for `function` at `args`: forward pass, partials, backward pass.

    >>> def f(w, x, y, z):
    ...     a, b = (w + x + y + z) ** 2, (w + x - y - z) ** 2
    ...     u, v = (a + b) ** 2, (a - b) ** 2
    ...     return (u + v) ** 2
    >>> e = explain(f, -1.0, 0.0, -2.0, 1.0)
    >>> print(str(e).splitlines()[0])
    The chain rule by hand for f(w, x, y, z) at w = -1, x = 0, y = -2, z = 1
    >>> e.gradient["w"], e.forward[-1][2]
    (-4096.0, 1024.0)
    """
    from .tracing import trace

    return explain_graph(trace(function, *args, **kwargs))
