"""Turns the engine's replies into text: plain for the console, HTML for Telegram."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flows.events import Button, Label, Reply
from locales import catalog


@dataclass(frozen=True)
class Markup:
    """How a transport escapes user data and emphasises a heading."""

    escape: Callable[[str], str]
    bold: Callable[[str], str]
    code: Callable[[str], str]


PLAIN = Markup(escape=lambda text: text, bold=lambda text: text, code=lambda text: text)
HTML = Markup(
    escape=lambda text: html.escape(text, quote=False),
    bold=lambda text: f"<b>{text}</b>",
    code=lambda text: f"<code>{text}</code>",
)


def label_text(label: Label, lang: str) -> str:
    """A label as plain text: its catalog message, or its literal data."""
    if label.key is not None:
        return catalog(lang).render(label.key, _plain_args(label.args, lang))
    return label.text or ""


def button_text(button: Button, lang: str) -> str:
    """A button's caption (buttons are never parsed as HTML); toggles show a check mark."""
    text = label_text(button.label, lang)
    return f"✅ {text}" if button.picked else text


def reply_text(reply: Reply, lang: str, markup: Markup = PLAIN) -> str:
    """One reply as text, every user value escaped exactly once."""
    cat = catalog(lang)
    if reply.key in ("summary", "summary-so-far"):
        return _summary_text(reply, lang, markup)
    args = _plain_args(reply.args, lang)
    body = markup.escape(cat.render(reply.key, args))
    if reply.key == "submit-done" and "code" in args:
        code = markup.escape(str(args["code"]))
        body = body.replace(code, markup.code(code), 1) if markup is HTML else body
    if reply.progress is not None and reply.section is not None:
        n, total = reply.progress
        section = cat.render(f"section-{reply.section}")
        counter = "progress-optional" if reply.optional else "progress"
        header = cat.render(counter, {"n": n, "total": total, "section": section})
        return f"{markup.bold(markup.escape(header))}\n{body}"
    return body


def replies_text(replies: Sequence[Reply], lang: str, markup: Markup = PLAIN) -> str:
    """Several replies of one turn as one message, separated by blank lines."""
    return "\n\n".join(reply_text(reply, lang, markup) for reply in replies)


def _summary_text(reply: Reply, lang: str, markup: Markup) -> str:
    cat = catalog(lang)
    lines = [markup.escape(cat.render(reply.key))]
    if not reply.summary:
        lines.append(markup.escape(cat.render("summary-nothing-yet")))
    for section in reply.summary:
        lines.append("")
        lines.append(markup.bold(markup.escape(cat.render(f"section-{section.section}"))))
        for line in section.lines:
            field = cat.render(f"field-{line.field}")
            value = ", ".join(label_text(label, lang) for label in line.value)
            lines.append(f"• {markup.escape(field)}: {markup.escape(value)}")
    return "\n".join(lines)


def _plain_args(args: Any, lang: str) -> dict[str, Any]:
    """Arguments with nested labels rendered; values stay raw (escaping happens once, after)."""
    return {
        name: label_text(value, lang) if isinstance(value, Label) else value
        for name, value in dict(args).items()
    }
