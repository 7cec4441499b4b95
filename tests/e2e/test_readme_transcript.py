"""The README's Spanish transcript is what `migo-bot console --lang es` really says."""

from __future__ import annotations

import re

from tests.contract.conftest import ROOT
from tests.e2e.test_console import SPANISH_ANSWERS, run_console

GAP = "[…]"
# The README's run: the answers of the console test up to the SDK profile, one mistyped CUI
# (a wrong check digit) before the right one, no optional details, and confirm.
CUI = SPANISH_ANSWERS.index("1234 56789 0101")
SDK = SPANISH_ANSWERS.index("sí", SPANISH_ANSWERS.index("Listo")) - 1
ANSWERS = [
    *SPANISH_ANSWERS[:CUI],
    "1234 56780 0101",
    *SPANISH_ANSWERS[CUI : SDK + 1],
    "no",
    "1",
]
CODE = re.compile(r"\b[A-Z0-9]{7}\b")


def readme_transcript() -> list[str]:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("\n## An onboarding, as the prospect sees it\n", 1)[1]
    block = re.search(r"```text\n(.*?)```", section, flags=re.S)
    assert block is not None
    return block.group(1).splitlines()


def is_subsequence(needles: list[str], haystack: list[str]) -> bool:
    remaining = iter(haystack)
    return all(any(needle == line for line in remaining) for needle in needles)


def test_the_readme_transcript_is_a_trimmed_real_run() -> None:
    lines = readme_transcript()
    typed = [line[2:] for line in lines if line.startswith("> ")]
    said = [CODE.sub("CODE", line) for line in lines if line and not line.startswith(">")]
    said = [line for line in said if line != GAP]
    assert is_subsequence(typed, ANSWERS), "a `>` line is not one of the answers, in order"
    result = run_console(ANSWERS, "--lang", "es", env={"LEADS_API_URL": "", "REDIS_URL": ""})
    assert result.returncode == 0, result.stderr
    output = [CODE.sub("CODE", line) for line in result.stdout.splitlines() if line]
    assert output[-1] == "CODE", "the run ends with the invitation code"
    missing = [line for line in said if line not in output]
    assert missing == [], "README lines the bot no longer says"
    assert is_subsequence(said, output), "the README's lines are out of order"
