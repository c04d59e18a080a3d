"""Seeing the chain rule: the traced graph as a picture, the backward graph, explanations.

`Graph` is the neutral model (nodes in topological order, inputs, outputs); it renders
itself to DOT, SVG, PNG and PDF and shows itself in Jupyter.
"""
from .model import Constant, Edge, Graph, Node

__all__ = ["Constant", "Edge", "Graph", "Node"]
