"""A layered (Sugiyama-style) layout of a `Drawing`, in pure Python, without Graphviz.

1. Rank: each shape's rank is its longest path from a source (topological generation).
   When arrows carry labels the ranks are doubled and each label becomes a node of the
   rank in between, so labels take part in spacing and never overlap a shape.
2. Arrows that span several ranks get a chain of invisible points, one per rank.
3. Order within a rank: barycentre sweeps, down and up, keeping the ordering with the
   fewest crossings.
4. Position across ranks: each shape moves toward the mean of its neighbours, subject to
   keeping its order and a gap (solved exactly by merging blocks of overlapping shapes).
5. Arrows become cubic Bézier curves through their points, tangent to the rank axis.

Everything is iterative; the result is a `Scene` of positioned primitives for the painters.

>>> from .drawing import Drawing, Shape, Arrow
>>> d = Drawing([Shape("a", "box", ["a"], "#fff"), Shape("b", "ellipse", ["sin"], "#fff")],
...             [Arrow("a", "b")])
>>> scene = layout(d)
>>> [item.kind for item in scene.items]
['curve', 'arrowhead', 'box', 'text', 'ellipse', 'text']
"""
from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

from .drawing import COLORS, Drawing

FONT_SIZE = 14.0
LABEL_FONT_SIZE = 12.0
CHAR_WIDTH = 0.62  # of the font size: a generous average for DejaVu Sans / Helvetica
LINE_HEIGHT = 1.3
RANK_GAP = 44.0
NODE_GAP = 18.0
MARGIN = 16.0
ARROW_LENGTH = 9.0
BEND_BUDGET = 3000  # bend points allowed before long arrows are drawn directly


def text_size(lines: list, font_size: float) -> tuple[float, float]:
    width = max((len(line) for line in lines), default=0) * font_size * CHAR_WIDTH
    return width, len(lines) * font_size * LINE_HEIGHT


@dataclass
class Item:
    """One positioned primitive. `kind` is box, ellipse, curve, arrowhead, text or label."""

    kind: str
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0
    lines: list = field(default_factory=list)
    points: list = field(default_factory=list)
    fill: str = "none"
    stroke: str = COLORS["stroke"]
    double: bool = False
    size: float = FONT_SIZE
    tooltip: str = ""


@dataclass
class Scene:
    width: float
    height: float
    items: list


@dataclass
class _Vertex:
    key: str
    along: float  # size along the rank axis
    across: float  # size across it
    shape: object = None  # the Shape, or None for a bend point / label holder
    label: list | None = None
    rank: int = 0
    pos: float = 0.0  # centre across the ranks
    depth: float = 0.0  # centre along the rank axis


def _shape_size(shape, horizontal: bool) -> tuple[float, float]:
    size = FONT_SIZE if shape.kind != "constant" else LABEL_FONT_SIZE
    width, height = text_size(shape.lines, size)
    if shape.kind == "ellipse":
        width, height = max(width * 1.25 + 18, 40), max(height * 1.25 + 10, 34)
    else:
        width, height = width + 22, height + 12
        if shape.output:
            width, height = width + 8, height + 8
    return (width, height) if horizontal else (height, width)


def layout(drawing: Drawing) -> Scene:
    """Positions for every shape, label and arrow of `drawing` (see the module docstring)."""
    horizontal = drawing.direction in ("LR", "RL")
    vertices: dict[str, _Vertex] = {}
    for shape in drawing.shapes:
        along, across = _shape_size(shape, horizontal)
        vertices[shape.key] = _Vertex(shape.key, along, across, shape)
    for arrow in drawing.arrows:
        for key in (arrow.source, arrow.target):
            if key not in vertices:
                raise ValueError(f"layout: arrow {arrow.source} -> {arrow.target} names no shape {key!r}")

    _assign_ranks(drawing, vertices)
    labelled = any(arrow.label for arrow in drawing.arrows)
    if labelled:
        for vertex in vertices.values():
            vertex.rank *= 2
    chains = _make_chains(drawing, vertices, horizontal)
    ranks = _group_by_rank(vertices)
    up, down = _neighbours(chains)
    _order(ranks, up, down)
    _place_across(ranks, up, down)
    _place_along(ranks)
    return _scene(drawing, vertices, chains, horizontal)


def _assign_ranks(drawing: Drawing, vertices: dict) -> None:
    """Longest path from a source, in topological order (Kahn's algorithm)."""
    incoming = {key: 0 for key in vertices}
    children: dict[str, list] = {key: [] for key in vertices}
    for arrow in drawing.arrows:
        incoming[arrow.target] += 1
        children[arrow.source].append(arrow.target)
    queue = [key for key in vertices if incoming[key] == 0]
    seen = 0
    while queue:
        key = queue.pop()
        seen += 1
        for child in children[key]:
            vertices[child].rank = max(vertices[child].rank, vertices[key].rank + 1)
            incoming[child] -= 1
            if incoming[child] == 0:
                queue.append(child)
    if seen != len(vertices):
        raise ValueError("layout: the drawing has a cycle; a computational graph never does")
    targets = {arrow.target for arrow in drawing.arrows}
    for key, vertex in vertices.items():  # a source sits just before its first use (b in a·x + b)
        if children[key] and key not in targets:
            vertex.rank = min(vertices[child].rank for child in children[key]) - 1


def _make_chains(drawing: Drawing, vertices: dict, horizontal: bool) -> list:
    """Each arrow as a list of vertex keys, one per rank it crosses.

    A value used at every depth (`x` in a sum of 200 terms) would need a bend point per
    rank per arrow, quadratic in the graph's size; past BEND_BUDGET such long arrows are
    drawn directly (only their label, if any, gets a place of its own).
    """
    spans = sum(vertices[a.target].rank - vertices[a.source].rank - 1 for a in drawing.arrows)
    direct = spans > BEND_BUDGET
    chains = []
    for number, arrow in enumerate(drawing.arrows):
        source, target = vertices[arrow.source], vertices[arrow.target]
        chain = [source.key]
        last = target.rank if not direct else min(target.rank, source.rank + 2)
        for rank in range(source.rank + 1, last):
            key = f"_bend{number}_{rank}"
            label = arrow.label.split("\n") if (arrow.label and rank == source.rank + 1) else None
            if label:
                width, height = text_size(label, LABEL_FONT_SIZE)
                width, height = width + 8, height + 4
                along, across = (width, height) if horizontal else (height, width)
            else:
                along, across = 0.0, 4.0
            vertices[key] = _Vertex(key, along, across, None, label, rank)
            chain.append(key)
        chain.append(target.key)
        chains.append((arrow, chain))
    return chains


def _group_by_rank(vertices: dict) -> list[list]:
    count = max((vertex.rank for vertex in vertices.values()), default=0) + 1
    ranks: list[list] = [[] for _ in range(count)]
    for vertex in vertices.values():  # insertion order: the drawing's (topological) order
        ranks[vertex.rank].append(vertex)
    return ranks


def _neighbours(chains: list) -> tuple[dict, dict]:
    up: dict[str, list] = {}
    down: dict[str, list] = {}
    for _, chain in chains:
        for first, second in zip(chain, chain[1:]):
            down.setdefault(first, []).append(second)
            up.setdefault(second, []).append(first)
    return up, down


def _crossings(ranks: list, down: dict) -> int:
    """Edge crossings between adjacent ranks: inversions of the lower ends, O(E log E)."""
    total = 0
    for upper, lower in zip(ranks, ranks[1:]):
        index = {vertex.key: i for i, vertex in enumerate(lower)}
        segments = sorted((i, index[child]) for i, vertex in enumerate(upper)
                          for child in down.get(vertex.key, ()) if child in index)
        seen: list[int] = []  # lower ends of the segments so far, sorted
        for _, lower_end in segments:
            total += len(seen) - bisect.bisect_right(seen, lower_end)
            bisect.insort(seen, lower_end)
    return total


def _order(ranks: list, up: dict, down: dict, sweeps: int = 8) -> None:
    """Barycentre heuristic: sort each rank by the mean index of its neighbours."""
    best = [list(rank) for rank in ranks]
    best_crossings = _crossings(ranks, down)
    if sum(len(rank) for rank in ranks) > 3000:
        return  # huge graphs: keep the topological order rather than spend minutes
    for sweep in range(sweeps):
        order = range(1, len(ranks)) if sweep % 2 == 0 else range(len(ranks) - 2, -1, -1)
        neighbours = up if sweep % 2 == 0 else down
        for r in order:
            fixed = ranks[r - 1] if sweep % 2 == 0 else ranks[r + 1]
            index = {vertex.key: i for i, vertex in enumerate(fixed)}

            def key(item, index=index):
                position, vertex = item
                linked = [index[k] for k in neighbours.get(vertex.key, ()) if k in index]
                return sum(linked) / len(linked) if linked else position

            ranks[r][:] = [vertex for _, vertex in sorted(enumerate(ranks[r]), key=key)]
        crossings = _crossings(ranks, down)
        if crossings < best_crossings:
            best, best_crossings = [list(rank) for rank in ranks], crossings
    for r, rank in enumerate(best):
        ranks[r][:] = rank


def _pack(rank: list, desired: list[float]) -> None:
    """Place `rank` in order, each near its desired centre, with NODE_GAP between neighbours.

    Minimises the squared distance to the desired centres: blocks of touching vertices
    are merged and put at the mean of their members' desired offsets.
    """
    blocks: list[list] = []  # [first index, last index, sum of (desired - offset), offsets]
    for i, vertex in enumerate(rank):
        block = [i, i, desired[i], [0.0]]
        while blocks:
            previous = blocks[-1]
            prev_pos = previous[2] / len(previous[3])
            last = rank[previous[1]]
            gap = (last.across + vertex.across) / 2 + NODE_GAP
            end = prev_pos + previous[3][-1]
            block_pos = block[2] / len(block[3])
            if end + gap <= block_pos:
                break
            shift = previous[3][-1] + gap
            merged_offsets = previous[3] + [shift + offset for offset in block[3]]
            merged_sum = previous[2] + block[2] - shift * len(block[3])
            blocks.pop()
            block = [previous[0], block[1], merged_sum, merged_offsets]
        blocks.append(block)
    for first, _, total, offsets in blocks:
        position = total / len(offsets)
        for k, offset in enumerate(offsets):
            rank[first + k].pos = position + offset


def _place_across(ranks: list, up: dict, down: dict, rounds: int = 12) -> None:
    by_key = {vertex.key: vertex for rank in ranks for vertex in rank}
    for rank in ranks:
        _pack(rank, [0.0] * len(rank))
    for sweep in range(rounds):
        use = (up,) if sweep % 3 == 0 else (down,) if sweep % 3 == 1 else (up, down)
        order = ranks if sweep % 3 != 1 else ranks[::-1]
        for rank in order:
            desired = []
            for vertex in rank:
                linked = [by_key[k].pos for table in use for k in table.get(vertex.key, ())]
                desired.append(sum(linked) / len(linked) if linked else vertex.pos)
            _pack(rank, desired)


def _place_along(ranks: list) -> None:
    depth = 0.0
    for rank in ranks:
        size = max((vertex.along for vertex in rank), default=0.0)
        for vertex in rank:
            vertex.depth = depth + size / 2
        depth += size + (RANK_GAP if size else RANK_GAP / 2)


def _boundary(vertex: _Vertex, toward_along: float, offset: float, horizontal: bool) -> tuple:
    """Where an arrow leaves/enters `vertex` on the side facing `toward_along`, `offset` across."""
    side = 1.0 if toward_along > vertex.depth else -1.0
    if vertex.shape is None:
        return vertex.depth, vertex.pos
    half_along, half_across = vertex.along / 2, vertex.across / 2
    offset = max(-half_across * 0.6, min(half_across * 0.6, offset))
    if vertex.shape.kind == "ellipse":
        ratio = min(1.0, abs(offset) / half_across) if half_across else 0.0
        reach = half_along * math.sqrt(max(0.0, 1 - ratio * ratio))
    else:
        reach = half_along
    return vertex.depth + side * reach, vertex.pos + offset


def _port_offsets(chains: list, vertices: dict) -> dict:
    """Spread the arrows that meet one side of a shape so their heads do not overlap."""
    ends: dict[tuple, list] = {}
    for number, (_, chain) in enumerate(chains):
        ends.setdefault((chain[-1], "in"), []).append((vertices[chain[-2]].pos, number))
        ends.setdefault((chain[0], "out"), []).append((vertices[chain[1]].pos, number))
    offsets = {}
    for (key, side), items in ends.items():
        items.sort()
        step = min(10.0, vertices[key].across / (len(items) + 1))
        for i, (_, number) in enumerate(items):
            offsets[(number, side)] = (i - (len(items) - 1) / 2) * step
    return offsets


def _scene(drawing: Drawing, vertices: dict, chains: list, horizontal: bool) -> Scene:
    items: list[Item] = []
    offsets = _port_offsets(chains, vertices)
    for number, (arrow, chain) in enumerate(chains):
        path = [vertices[key] for key in chain]
        start = _boundary(path[0], path[1].depth, offsets[(number, "out")], horizontal)
        end = _boundary(path[-1], path[-2].depth, offsets[(number, "in")], horizontal)
        points = [start] + [(v.depth, v.pos) for v in path[1:-1]] + [end]
        direction = 1.0 if end[0] >= points[-2][0] else -1.0
        tip = end
        end = (end[0] - direction * ARROW_LENGTH, end[1])
        points[-1] = end
        curve = [points[0]]
        for (a0, c0), (a1, c1) in zip(points, points[1:]):
            middle = (a1 - a0) / 2
            curve += [(a0 + middle, c0), (a1 - middle, c1), (a1, c1)]
        items.append(Item("curve", points=curve, stroke=COLORS["edge"]))
        items.append(Item("arrowhead", points=[tip, (end[0], end[1] - 4), (end[0], end[1] + 4)],
                          fill=COLORS["edge"], stroke=COLORS["edge"]))
        for vertex in path[1:-1]:
            if vertex.label:
                items.append(Item("label", vertex.depth, vertex.pos, vertex.along, vertex.across,
                                  lines=vertex.label, size=LABEL_FONT_SIZE,
                                  stroke=COLORS["edge_label"]))
    for vertex in vertices.values():
        shape = vertex.shape
        if shape is None:
            continue
        kind = "ellipse" if shape.kind == "ellipse" else "box"
        items.append(Item(kind, vertex.depth, vertex.pos, vertex.along, vertex.across,
                          fill=shape.fill, double=shape.output, tooltip=shape.tooltip))
        size = LABEL_FONT_SIZE if shape.kind == "constant" else FONT_SIZE
        items.append(Item("text", vertex.depth, vertex.pos, lines=shape.lines, size=size,
                          stroke="#0f172a"))
    return _to_page(items, drawing, horizontal)


def _to_page(items: list, drawing: Drawing, horizontal: bool) -> Scene:
    """Map (along, across) to page (x, y), mirror for RL/BT, shift into the margins."""
    def flip(point):
        along, across = point
        return (along, across) if horizontal else (across, along)

    for item in items:
        item.x, item.y = flip((item.x, item.y))
        item.w, item.h = flip((item.w, item.h))
        item.points = [flip(point) for point in item.points]
    xs, ys = [], []
    for item in items:
        if item.kind in ("box", "ellipse", "label"):
            xs += [item.x - item.w / 2, item.x + item.w / 2]
            ys += [item.y - item.h / 2, item.y + item.h / 2]
        for x, y in item.points:
            xs.append(x)
            ys.append(y)
    if not xs:
        xs, ys = [0.0], [0.0]
    mirror_x = drawing.direction == "RL"
    mirror_y = drawing.direction == "BT"
    left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)
    title_height = FONT_SIZE * 2 if drawing.title else 0.0

    def place(x, y):
        x = (right - x) if mirror_x else (x - left)
        y = (bottom - y) if mirror_y else (y - top)
        return x + MARGIN, y + MARGIN + title_height

    for item in items:
        item.x, item.y = place(item.x, item.y)
        item.points = [place(x, y) for x, y in item.points]
    width = right - left + 2 * MARGIN
    if drawing.title:
        title_width = text_size([drawing.title], FONT_SIZE)[0] + 2 * MARGIN
        width = max(width, title_width)
        items.append(Item("text", width / 2, MARGIN + FONT_SIZE * 0.7, lines=[drawing.title],
                          size=FONT_SIZE, stroke="#0f172a"))
    return Scene(width, bottom - top + 2 * MARGIN + title_height, items)
