"""The backward graph: what the reverse pass computes, recorded by running it under an outer trace.

`recorded_backward(graph)` runs the function again with its inputs boxed twice: an inner
reverse trace (the one `grad` uses) and an outer recording trace below it. The VJPs
the inner reverse pass calls compute with outer boxes, so the outer trace records every
primitive of the backward pass: the graph the reverse pass really runs.

`backward_graph(graph)` draws it the textbook way: one node per variable holding its
adjoint ∂f/∂v, and reversed edges each labelled with the local derivative ∂c/∂v
(formula and value). Its adjoints are the ones the recorded run produced.
"""
from __future__ import annotations

import numpy as np

from ..core import Box, backward_pass
from ..core.trace import unbox
from ..numpy.box import ArrayBox
from .labels import format_value
from .model import Graph, Node
from .names import argument_names
from .tracing import Recorder, RecordingTrace, _fill_expressions, run_traced
from .variables import analyse

GRANULARITIES = ("variables", "operations", "recorded")


def recorded_backward(graph) -> tuple[Graph, dict]:
    """The forward and backward primitives of one reverse pass, as a `Graph`.

    Returns the graph (the backward-pass nodes are in `graph.highlight`) and a map
    from input name to its gradient value.
    """
    outer = Recorder()
    outer_trace = RecordingTrace(outer)
    names = argument_names(graph.function, graph.args, graph.kwargs)

    def box_on_outer(value, name):
        core_node, _ = outer.input(value, name)
        return ArrayBox(value, outer_trace, core_node)

    inner_recorder = Recorder()
    inner = RecordingTrace(inner_recorder)  # made second: a higher level than the outer trace
    result, local_names = run_traced(graph.function, graph.args, graph.kwargs, inner, names,
                                     box_on_outer)
    for value in local_names.found_values:  # u, v: the inner box holds the outer one
        outer_box = value._value
        if isinstance(outer_box, Box) and outer_box._trace is outer_trace:
            node_id = outer.by_core[id(outer_box._node)]
            for node in outer.nodes:
                if node.id == node_id and not node.is_input:
                    node.name = local_names.found[id(value)]
    inner_inputs = [inner_recorder.core_nodes[node.id] for node in inner_recorder.nodes if node.is_input]
    forward_count = len(outer.nodes)
    if not (isinstance(result, Box) and result._trace is inner):
        raise ValueError("backward_graph: the output does not depend on the inputs, so the reverse "
                         "pass has nothing to do")
    if np.shape(unbox(result)) != ():
        raise ValueError(f"backward_graph: the output has shape {np.shape(unbox(result))}; the "
                         f"reverse pass is drawn for a scalar output (reduce it, e.g. with sum)")
    cotangents = backward_pass(result._node, 1.0, inner_inputs, free=False)
    output_name = graph.output_name
    output_ids, gradients = [], {}
    input_nodes = [node for node in outer.nodes if node.is_input]
    for input_node, cotangent in zip(input_nodes, cotangents):
        gradients[input_node.name] = unbox(cotangent) if cotangent is not None else 0.0
        if isinstance(cotangent, Box) and cotangent._trace is outer_trace:
            node_id = outer.by_core[id(cotangent._node)]
            outer_node = next(node for node in outer.nodes if node.id == node_id)
            if not outer_node.is_input:
                outer_node.name = f"∂{output_name}/∂{input_node.name}"
                output_ids.append(node_id)
    _fill_expressions(outer.nodes)
    recorded = Graph(outer.nodes, [node.id for node in input_nodes], output_ids,
                     highlight=outer.nodes[forward_count:], title=f"the reverse pass of {output_name} as recorded: "
                           f"{forward_count - len(input_nodes)} forward and "
                           f"{len(outer.nodes) - forward_count} backward operations")
    return recorded, gradients


def backward_graph(graph, granularity: str = "variables") -> Graph:
    """See `TracedGraph.backward_graph`."""
    if granularity not in GRANULARITIES:
        raise ValueError(f"backward_graph(granularity={granularity!r}): use one of {GRANULARITIES}")
    recorded, gradients = recorded_backward(graph)
    if granularity == "recorded":
        return recorded
    chain = analyse(graph, every_node=granularity == "operations")
    by_id = {variable.id: variable for variable in chain.variables}
    f = by_id[chain.output].name
    consumers: dict[int, list] = {variable.id: [] for variable in chain.variables}
    for variable in chain.variables:
        for parent in variable.parents:
            consumers[parent].append(variable.id)
    nodes, labels = [], {}
    inputs_last = [v for v in reversed(chain.variables) if v.id not in graph.inputs] + \
        [v for v in chain.variables if v.id in graph.inputs]  # w, x, y, z from the top
    for variable in inputs_last:
        if variable.id != chain.output and not consumers[variable.id]:
            continue  # not on any path to the output
        adjoint = gradients.get(variable.name) if variable.id in graph.inputs else None
        if adjoint is None:
            adjoint = chain.adjoints.get(variable.id)
        users = tuple(consumers[variable.id])
        nodes.append(Node(variable.id, "adjoint", users, value=adjoint,
                          label=f"∂{f}/∂{variable.name}",
                          shape=np.shape(variable.value)))
        for position, user in enumerate(users):
            partial = by_id[user].partials[variable.id]
            value = by_id[user].partial_values[variable.id]
            text = f"∂{by_id[user].name}/∂{variable.name} = {partial}"
            if value is not None and format_value(value) != str(partial):
                text += f"\n= {format_value(value)}"
            labels[(user, variable.id, position)] = text
    kept = {node.id for node in nodes}
    inputs = [node_id for node_id in graph.inputs if node_id in kept]
    result = Graph(nodes, [chain.output], inputs, style="values", edge_labels=labels,
                   direction="RL", title=f"backward graph of {f}: adjoints ∂{f}/∂v in the boxes, "
                                         f"local derivatives on the edges")
    result.recorded = recorded
    return result
