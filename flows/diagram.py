"""The conversation as a Mermaid flowchart, generated from the step declarations."""

from __future__ import annotations

from flows.steps import OPTIONAL_GATE, STEPS, Kind, Section, Step

_KIND_LABEL = {
    Kind.TEXT: "text",
    Kind.CHOICE: "buttons",
    Kind.MULTI: "multi-select",
    Kind.YES_NO: "yes / no",
    Kind.DATE: "date",
    Kind.COUNTRY: "country",
    Kind.PHONE: "phone or shared contact",
    Kind.EMAIL: "email",
}


def _node(step: Step) -> str:
    return "s_" + step.name.replace(".", "_")


def _label(step: Step) -> str:
    extra = " · optional" if step.optional else ""
    return f"{step.name}<br/><small>{_KIND_LABEL[step.kind]}{extra}</small>"


def _chain(start: str, steps: list[Step], end: str, *, first: str, then: str) -> list[str]:
    """Arrows through the steps in order; a conditional step also gets its way around."""
    lines: list[str] = []
    nodes = [start, *(_node(step) for step in steps), end]
    for index, step in enumerate(steps):
        arrow = first if index == 0 else then
        if step.condition:
            lines.append(f'    {nodes[index]} -- "if {step.condition}" --> {nodes[index + 1]}')
            lines.append(f'    {nodes[index]} -- "otherwise" --> {nodes[index + 2]}')
        else:
            lines.append(f"    {nodes[index]} {arrow} {nodes[index + 1]}")
    lines.append(f"    {nodes[-2]} --> {end}")
    return lines


def mermaid() -> str:
    """A `flowchart TD` with one subgraph per section and the conditions on the arrows."""
    lines = ["flowchart TD", '    start(["/start"]) --> welcome["welcome"]']
    order = [step for step in STEPS if step.name != OPTIONAL_GATE]
    required = [step for step in order if not step.optional]
    optional = [step for step in order if step.optional]
    for section in Section:
        members = [step for step in order if step.section is section]
        if not members:
            continue
        lines.append(f"    subgraph {section.value}")
        lines += [f'        {_node(step)}["{_label(step)}"]' for step in members]
        lines.append("    end")
    lines.append(f'    gate{{"{OPTIONAL_GATE}: add optional details?"}}')
    lines += _chain("welcome", required, "gate", first="-->", then="-->")
    lines.append('    gate -- "no" --> summary')
    lines += _chain("gate", optional, "summary", first='-- "yes" -->', then="-. answer or skip .->")
    lines.append('    summary{"summary: confirm, edit or cancel"}')
    lines.append('    summary -- "edit" --> edit["edit a field"] --> summary')
    lines.append('    summary -- "confirm" --> submit[["POST /leads"]]')
    lines.append('    submit -- "created" --> code(["invitation code"])')
    lines.append('    submit -- "rejected field" --> edit')
    lines.append('    submit -- "unavailable" --> summary')
    return "\n".join(lines) + "\n"


def outline() -> str:
    """One line per step: section, field, kind, and whether it is optional or conditional."""
    lines = []
    for step in STEPS:
        notes = [_KIND_LABEL[step.kind]]
        if step.optional:
            notes.append("optional")
        if step.condition:
            notes.append(f"only if {step.condition}")
        lines.append(f"{step.section.value:<9} {step.name:<34} {', '.join(notes)}")
    return "\n".join(lines) + "\n"
