"""Diagrams: Mermaid text (no dependency) and Graphviz SVG (when installed) with labels and the current state."""
import shutil

import pytest

from workflows import Transition, Workflow


def wf():
    return Workflow("leave", states=("draft", "asked", "granted"), initial="draft",
                    state_labels={"draft": "Draft", "asked": "Asked: waiting", "granted": "Granted"},
                    transitions=[Transition("ask", "draft", "asked", roles=("Staff",), label="Ask #1"),
                                 Transition("remind", "asked", "asked", roles=("Staff",), label="Remind"),
                                 Transition("grant", "asked", "granted", roles=("Boss",))])


def test_mermaid_export_names_labels_loops_finals_and_the_current_state():
    text = wf().mermaid(current="asked")
    lines = text.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert '    state "Asked∶ waiting" as asked' in lines  # ':' would end a Mermaid label
    assert "    [*] --> draft" in lines and "    granted --> [*]" in lines
    assert "    draft --> asked: Ask ＃1" in lines and "    asked --> asked: Remind" in lines
    assert "    asked --> granted: grant" in lines
    assert lines[-1] == "    class asked current"


def test_final_states_default_to_states_without_exit():
    assert wf().final_states == ("granted",)
    with pytest.raises(ValueError, match="final"):
        Workflow("x", states=("a",), initial="a", transitions=[], final_states=("b",))


def test_graphviz_svg_highlights_the_current_state():
    try:
        import graphviz  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError):
            wf().diagram_svg()
        return
    if shutil.which("dot") is None:
        return  # the Python package without the dot program: nothing to draw with
    svg = wf().diagram_svg(current="asked").decode()
    assert '<g id="wf_state_asked" class="node wf_current">' in svg
    assert "Asked: waiting" in svg and "Remind" in svg
