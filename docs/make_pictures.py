"""Draw the pictures in docs/graphs.md and the README: y = sin(a·x + b) three ways.

Run from the repository root:  python docs/make_pictures.py
It writes PNG and SVG files into docs/img/ with chainrule's built-in layout (no Graphviz
needed, so the pictures are the same on every machine).
"""
from __future__ import annotations

import os
import sys

import numpy as np

import chainrule as cr

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "img")


def f(a, x, b):
    u = a * x
    v = u + b
    y = np.sin(v)
    return y


def main() -> int:
    os.makedirs(OUT, exist_ok=True)
    graph = cr.trace(f, 2.0, 0.5, 1.0)
    point = "at a = 2, x = 0.5, b = 1"
    pictures = {
        "sin_forward": graph.replace(title=f"forward graph of y = sin(a·x + b) {point}"),
        "sin_simplified": graph.simplified().replace(
            title="simplified graph: the operations moved onto the edges"),
        "sin_backward": graph.backward_graph(),
        "sin_backward_recorded": graph.backward_graph("recorded"),
    }
    for name, picture in pictures.items():
        for extension in ("png", "svg"):
            path = os.path.join(OUT, f"{name}.{extension}")
            picture.save(path, engine="builtin", dpi=110)
            print(f"wrote {os.path.relpath(path)} ({os.path.getsize(path)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
