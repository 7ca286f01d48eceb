"""Diagrams of a workflow definition: Graphviz (SVG on the server, no external assets) and Mermaid text.

Labels are the definition's state and trigger labels, translated in the current locale when they are lazy
strings (Flask-Babel's ``lazy_gettext``); the ``current`` state (a record's) is highlighted.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # pragma: no cover
    from workflows.engine import Workflow

__all__ = ["graphviz_digraph", "mermaid"]

HIGHLIGHT = "#f0ad4e"  # the record's current state


def _edges(wf: "Workflow"):
    """(source, dest, label) per transition and source; a reflexive trigger is a loop on its state."""
    for t in wf.transitions.values():
        for source in t.sources:
            yield source, t.dest, wf.trigger_label(t.trigger)


def graphviz_digraph(wf: "Workflow", *, current: Optional[str] = None):
    import graphviz

    graph = graphviz.Digraph(name=wf.name, graph_attr={"rankdir": "LR", "label": str(wf.name),
                                                       "labelloc": "t", "fontname": "DejaVu Sans"},
                             node_attr={"shape": "box", "style": "rounded,filled", "fillcolor": "white",
                                        "fontname": "DejaVu Sans"},
                             edge_attr={"fontname": "DejaVu Sans", "fontsize": "10"})
    graph.node("start", label="", shape="circle", width="0.2", style="filled", fillcolor="black")
    node = {state: f"s{i}" for i, state in enumerate(wf.states)}  # node names: no state code in the SVG text
    for state in wf.states:
        attrs = {"label": str(wf.label(state)), "id": f"wf_state_{state}"}
        if state in wf.final_states:
            attrs["peripheries"] = "2"
        if state == current:
            attrs.update(fillcolor=HIGHLIGHT, penwidth="2", **{"class": "wf_current"})
        graph.node(node[state], **attrs)
    graph.edge("start", node[wf.initial])
    for source, dest, label in _edges(wf):
        graph.edge(node[source], node[dest], label=label)
    return graph


def _mermaid_text(value) -> str:
    # Mermaid labels end at a line break and treat ':' and '#' specially in transition labels.
    return " ".join(str(value).split()).replace(":", "∶").replace("#", "＃").replace(";", ",")


def mermaid(wf: "Workflow", *, current: Optional[str] = None) -> str:
    """A Mermaid ``stateDiagram-v2`` of the definition (for documentation; GitHub renders it)."""
    lines = ["stateDiagram-v2", f"    %% workflow {wf.name}"]
    for state in wf.states:
        lines.append(f"    state \"{_mermaid_text(wf.label(state)).replace(chr(34), '')}\" as {state}")
    lines.append(f"    [*] --> {wf.initial}")
    for source, dest, label in _edges(wf):
        lines.append(f"    {source} --> {dest}: {_mermaid_text(label)}")
    for state in wf.final_states:
        lines.append(f"    {state} --> [*]")
    if current:
        lines.append(f"    classDef current fill:{HIGHLIGHT},stroke-width:2px")
        lines.append(f"    class {current} current")
    return "\n".join(lines) + "\n"
