"""Both catalogs are complete: same keys, same variables, every key the flow can produce."""

from __future__ import annotations

import ast as pyast
from datetime import date
from pathlib import Path

import pytest
from fluent.syntax import FluentParser
from fluent.syntax import ast as fluent_ast
from fluent.syntax.visitor import Visitor

from bot.telegram import MENU
from flows.events import SubmitFailed
from flows.session import new_session
from flows.steps import STEPS, FlowContext, Kind, options_for
from locales import LANGUAGES, Catalog, CatalogError, catalog, message_keys

ROOT = Path(__file__).resolve().parents[2]


class _Variables(Visitor):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def visit_VariableReference(self, node: fluent_ast.VariableReference) -> None:
        self.names.add(node.id.name)


def variables(lang: str) -> dict[str, set[str]]:
    source = (ROOT / "locales" / f"{lang}.ftl").read_text(encoding="utf-8")
    found: dict[str, set[str]] = {}
    for entry in FluentParser().parse(source).body:
        if isinstance(entry, fluent_ast.Message):
            visitor = _Variables()
            visitor.visit(entry)
            found[entry.id.name] = visitor.names
    return found


def engine_literal_keys() -> set[str]:
    """Every literal catalog key the engine and the renderers name in their source."""
    keys: set[str] = set()
    for path in [
        "flows/engine.py",
        "bot/render.py",
        "bot/console.py",
        "bot/telegram.py",
        "bot/status.py",
        "bot/conversation.py",
        "bot/funnel.py",
    ]:
        tree = pyast.parse((ROOT / path).read_text(encoding="utf-8"))
        for node in pyast.walk(tree):
            if not isinstance(node, pyast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            literal_args = [a for a in node.args if isinstance(a, pyast.Constant)]
            if name == "say" and node.args:
                keys |= _string_constants(node.args[-1])
            if name == "render" and node.args:
                keys |= _string_constants(node.args[0])
            if name == "_button" and len(literal_args) == 2:
                keys.add(literal_args[1].value)
            for keyword in node.keywords:
                if keyword.arg == "key":
                    keys |= _string_constants(keyword.value)
    return keys


def _string_constants(node: pyast.expr) -> set[str]:
    if isinstance(node, pyast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, pyast.IfExp):
        return _string_constants(node.body) | _string_constants(node.orelse)
    return set()


def flow_keys() -> set[str]:
    """Every key a step can produce, derived from the step declarations."""
    keys = engine_literal_keys()
    keys |= {f"confirm-{kind}" for kind in ("cancel", "restart", "expired")}
    keys |= {f"{kind}-aborted" for kind in ("cancel", "restart")}
    keys |= {f"submit-{reason}" for reason in ("already-registered", "unavailable", "not-created")}
    keys |= {"progress", "progress-optional", "summary-nothing-yet", "btn-retry", "btn-submit"}
    keys |= {"phone-ask-typed"}  # the console's phone question (no share button there)
    keys |= {f"cmd-{name}" for name in MENU}
    keys |= {"field-createdAt", "field-partner"}
    ctx = FlowContext(today=date(2026, 12, 3))
    for lang in LANGUAGES:
        session = new_session("s", lang, "p")  # type: ignore[arg-type]
        for step in STEPS:
            keys |= {f"{step.key}-ask", f"{step.key}-hint", f"field-{step.key}"}
            keys.add(f"section-{step.section.value}")
            keys |= {f"{step.error_family}-invalid-{reason}" for reason in step.invalid_reasons}
            if step.depends_on:
                keys.add(f"{step.key}-recheck")
            keys |= {o.key for o in options_for(step, session, ctx) if o.key}
            if step.kind is Kind.PHONE:
                keys.add("btn-share-phone")
    return keys


def test_both_languages_have_the_same_keys() -> None:
    assert message_keys("es") == message_keys("en")


def test_both_languages_use_the_same_variables() -> None:
    es, en = variables("es"), variables("en")
    different = {key: (es[key], en[key]) for key in es if es[key] != en.get(key)}
    assert different == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_key_the_flow_can_produce_exists(lang: str) -> None:
    missing = sorted(key for key in flow_keys() if not catalog(lang).has(key))
    assert missing == []


def test_the_flow_produces_nothing_the_catalogs_do_not_know_and_vice_versa() -> None:
    unused = sorted(message_keys("es") - flow_keys() - TRANSPORT_KEYS)
    assert unused == []


# Keys the catalogs hold for the transports beyond what the source names literally.
TRANSPORT_KEYS: set[str] = set()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_renders_without_isolation_marks(lang: str) -> None:
    sample = {"total": 21, "n": 3, "section": "S", "code": "25DC4D1", "kind": "photo",
              "max": 60, "min": 2, "years": 10, "year": 1990, "messages": "m", "field": "f",
              "message": "m", "value": 0.25, "answer": "a", "position": 1, "step": "s",
              "reached": 4, "completed": 3, "dropoff": "25 %", "invalid": "0.5",
              "abandoned": 1, "left": 4}  # fmt: skip
    for key in sorted(message_keys(lang)):
        text = catalog(lang).render(key, sample)
        assert text.strip(), key
        assert "\u2068" not in text and "\u2069" not in text, key


def test_missing_message_and_missing_argument_raise() -> None:
    with pytest.raises(CatalogError):
        catalog("es").render("no-such-key")
    with pytest.raises(CatalogError):
        catalog("es").render("submit-done", {})
    with pytest.raises(CatalogError):
        Catalog("es", "broken = {")


def test_spanish_speaks_usted_consistently() -> None:
    source = (ROOT / "locales" / "es.ftl").read_text(encoding="utf-8").lower()
    for tuteo in [" tú ", " tu dpi", " tienes", " quieres", " escribe ", " toca ", " puedes "]:
        assert tuteo not in source, tuteo


def test_submit_failure_reasons_all_have_messages() -> None:
    for reason in ("already-registered", "unavailable", "not-created", "rejected"):
        SubmitFailed(reason)
        assert catalog("es").has(f"submit-{reason}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_year_is_written_as_a_year(lang: str) -> None:
    text = catalog(lang).render("lastRtuUpdateDate-invalid-too-old", {"year": 1990})
    assert "1990" in text  # not "1.990" nor "1,990"
