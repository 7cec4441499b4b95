"""The README's flowchart is the one the code generates, and it covers every step."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from flows.diagram import mermaid, outline
from flows.steps import STEPS

ROOT = Path(__file__).resolve().parents[2]


def test_readme_shows_the_generated_flowchart() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```mermaid\n(.*?)```", readme, flags=re.S)
    assert blocks == [mermaid()], "run `migo-bot flow --mermaid` and paste it into the README"


def test_flowchart_has_every_step_its_conditions_and_optional_marks() -> None:
    chart = mermaid()
    for step in STEPS:
        if step.name != "optional":
            assert f'["{step.name}<br/>' in chart
    assert '-- "if partner is the Tributax partner" --> s_lastRtuUpdateDate' in chart
    assert '-- "otherwise" --> s_paymentMethods' in chart
    assert chart.count("· optional") == sum(step.optional for step in STEPS)


def test_cli_prints_the_flowchart_and_the_outline() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "flow", "--mermaid"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    assert result.stdout == mermaid()
    assert len(outline().splitlines()) == len(STEPS)
