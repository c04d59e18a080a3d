"""Seeing the chain rule: the traced graph as a picture, the backward graph, explanations, formulas.

- `trace(f, *args)` → `Graph` (nodes in topological order, inputs, outputs, names);
  `graph.to_dot()`, `graph.save("g.svg" | ".png" | ".pdf" | ".dot")`, Jupyter display,
  `graph.simplified()`, `graph.backward_graph()`.
- `explain(f, *args)`: the chain rule worked by hand.
- `to_sympy(f, "x")`, `symbolic_grad(f, "x")`: the formula and its derivative (SymPy).
- `compare(f, x)`: AD, numeric, symbolic and by-hand derivatives side by side.
"""
from .compare import Comparison, compare
from .explain import Explanation, explain
from .model import Constant, Edge, Graph, Node
from .symbolic import symbolic_grad, to_sympy
from .tracing import TracedGraph, trace

__all__ = ["Comparison", "Constant", "Edge", "Explanation", "Graph", "Node", "TracedGraph",
           "compare", "explain", "symbolic_grad", "to_sympy", "trace"]
