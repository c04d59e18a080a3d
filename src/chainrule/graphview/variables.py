"""The chain rule at the level a person writes it: one step per variable, not per primitive.

A *variable* is an input, a value the user named (`a`, `u`), an output, or an unnamed
value used more than once or too long to print inline (named `t1`, `t2`, …). Every other
node is folded into the variable that uses it, so `y = 2*x**3 + 3` is one step whose
local derivative is `6x²`: the partials along the folded operations are multiplied
(`1 · 2 · 3x²`) and summed over paths. Values are pushed through the primitives' own
VJPs (`adjoint × local partial`), so the numbers are exactly the engine's.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .algebra import Sum, Term
from .labels import ATOM, call_text, constant_text
from .model import Constant
from .partials import Operand, local_partials


@dataclass
class Variable:
    id: int  # the graph node that holds its value
    name: str
    value: Any
    formula: str = ""  # its definition in terms of earlier variables ("" for inputs)
    parents: list = field(default_factory=list)  # ids of the variables it is computed from
    partials: dict = field(default_factory=dict)  # parent id -> Sum (printed ∂self/∂parent)
    partial_values: dict = field(default_factory=dict)  # parent id -> number (scalars) or None
    folded: list = field(default_factory=list)  # node ids folded into it, self last


@dataclass
class ChainRule:
    variables: list  # in forward order
    output: int
    adjoints: dict  # variable id -> adjoint computed by hand (Σ adjoint × partial)
    contributions: dict  # (consumer id, parent id) -> adjoint(consumer) pushed to parent


def _one_like(value):
    return np.ones_like(value) if isinstance(value, np.ndarray | np.generic) else 1.0


def analyse(graph, *, every_node: bool = False) -> ChainRule:
    """Group `graph` (a `TracedGraph` with one output) into variables and do the chain rule."""
    if len(graph.outputs) != 1:
        raise ValueError(f"the chain rule by hand needs one output; this function has "
                         f"{len(graph.outputs)} (return a single scalar, e.g. a sum)")
    recorder = graph.recorder
    consumers = graph.consumers()
    output = graph.outputs[0]
    taken = {node.name for node in graph.nodes if node.name}
    counter = 0
    names: dict[int, str] = {}
    for node in graph.nodes:
        use_count = sum(1 for c in consumers[node.id] for p in graph[c].parents if p == node.id)
        if node.is_input or node.name:
            names[node.id] = node.name or f"x{node.id}"
        elif node.id == output:
            names[node.id] = graph.output_name
        elif every_node:
            names[node.id] = node.expr or f"t{node.id}"
        elif use_count > 1 or not node.expr or node.op == "constant" or not consumers[node.id]:
            counter += 1
            while f"t{counter}" in taken:
                counter += 1
            names[node.id] = f"t{counter}"
    texts: dict[int, tuple[str, int]] = {}
    variables: dict[int, Variable] = {}
    owner: dict[int, int] = {}  # folded node id -> the variable that folds it
    for node in reversed(graph.nodes):  # consumers come first: a folded node joins its user
        if node.id in names:
            owner[node.id] = node.id
        else:
            owner[node.id] = owner[consumers[node.id][0]] if consumers[node.id] else node.id
    for node in graph.nodes:
        if node.id in names:
            variables[node.id] = Variable(node.id, names[node.id], node.value)
    for node in graph.nodes:
        if node.id in names:
            texts[node.id] = (names[node.id], ATOM)
        if node.is_input or node.op == "constant":
            continue
        operands = [texts[arg] if not isinstance(arg, Constant) else constant_text(arg.value)
                    for arg in node.args]
        formula = call_text(node.op, operands, node.params)
        if node.id not in names:
            texts[node.id] = formula
        variables[owner[node.id]].folded.append(node.id)
        if node.id in names:
            variables[node.id].formula = formula[0]
    for variable in variables.values():
        _local_partials(graph, recorder, variable, texts, names)
    chain = ChainRule(list(variables.values()), output, {}, {})
    _backward(graph, recorder, chain, names)
    return chain


def _operands(node, texts) -> list[Operand]:
    operands = []
    for arg in node.args:
        if isinstance(arg, Constant):
            text, precedence = constant_text(arg.value)
            operands.append(Operand(text, precedence, arg.value))
        else:
            operands.append(Operand(*texts[arg]))
    return operands


def _local_partials(graph, recorder, variable: Variable, texts: dict, names: dict) -> None:
    """∂variable/∂parent: printed (paths of Terms) and, for scalars, its value (paths of VJPs)."""
    if not variable.folded:
        return
    scalar = np.shape(variable.value) == ()
    printed: dict[int, Sum] = {variable.id: Sum([Term(1)])}
    numeric: dict[int, Any] = {variable.id: _one_like(variable.value)} if scalar else {}
    for node_id in reversed(variable.folded):
        node = graph[node_id]
        operands = _operands(node, texts)
        terms = local_partials(node.op, operands, Term.factor(*texts[node_id]))
        above = printed.pop(node_id, Sum())
        cotangent = numeric.pop(node_id, None)
        for position, arg in enumerate(node.args):
            if isinstance(arg, Constant):
                continue
            term = terms[position]
            step = Sum([t * term for t in above.terms])
            printed[arg] = printed.get(arg, Sum()) + step
            if scalar:
                vjp = recorder.vjps[node_id].get(position)
                pushed = vjp(cotangent) if (vjp is not None and cotangent is not None) else None
                if pushed is not None:
                    numeric[arg] = numeric[arg] + pushed if arg in numeric else pushed
                else:
                    numeric.setdefault(arg, None)
            if arg in names and arg not in variable.parents:
                variable.parents.append(arg)
    variable.parents.sort()
    for parent in variable.parents:
        variable.partials[parent] = printed.get(parent, Sum())
        value = numeric.get(parent)
        if scalar and value is None:
            value = 0.0
        variable.partial_values[parent] = value


def _backward(graph, recorder, chain: ChainRule, names: dict) -> None:
    """Adjoints by hand: push each variable's adjoint through its folded primitives' VJPs."""
    output = graph[chain.output]
    if output.op == "constant":
        return
    adjoints = {chain.output: _one_like(output.value)}
    for variable in reversed(chain.variables):
        adjoint = adjoints.get(variable.id)
        if not variable.folded or adjoint is None:
            continue
        pending = {variable.id: adjoint}
        for node_id in reversed(variable.folded):
            cotangent = pending.pop(node_id, None)
            if cotangent is None:
                continue
            for position, arg in enumerate(graph[node_id].args):
                if isinstance(arg, Constant):
                    continue
                vjp = recorder.vjps[node_id].get(position)
                if vjp is None:
                    continue
                pushed = vjp(cotangent)
                if pushed is None:
                    continue
                if arg in names:
                    key = (variable.id, arg)
                    chain.contributions[key] = chain.contributions[key] + pushed \
                        if key in chain.contributions else pushed
                else:
                    pending[arg] = pending[arg] + pushed if arg in pending else pushed
        for parent in variable.parents:
            pushed = chain.contributions.get((variable.id, parent))
            if pushed is not None:
                adjoints[parent] = adjoints[parent] + pushed if parent in adjoints else pushed
    chain.adjoints = adjoints
