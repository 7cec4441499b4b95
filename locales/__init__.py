"""Fluent catalogs behind a strict wrapper: a missing message or a formatting error raises."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax import ast

LANGUAGES = ("es", "en")


class CatalogError(LookupError):
    """A message is missing, or could not be formatted with the arguments given."""


class Catalog:
    """One language's messages."""

    def __init__(self, lang: str, source: str) -> None:
        self.lang = lang
        # Isolation marks are invisible Unicode characters that show up as garbage in Telegram.
        self._bundle = FluentBundle([lang], use_isolating=False)
        resource = FluentResource(source)
        junk = [entry for entry in resource.body if isinstance(entry, ast.Junk)]
        if junk:
            near = (junk[0].content or "")[:60]
            raise CatalogError(f"{lang}.ftl does not parse near: {near!r}")
        self._bundle.add_resource(resource)
        # Messages without arguments always read the same; formatting them is a measurable
        # part of a turn (docs/performance.md). Only these are kept: no user value is cached.
        self._plain: dict[str, str] = {}

    def has(self, key: str) -> bool:
        """Whether the message exists."""
        return bool(self._bundle.has_message(key))

    def render(self, key: str, args: dict[str, Any] | None = None) -> str:
        """The message formatted with its arguments; raises CatalogError on any problem."""
        if not args and key in self._plain:
            return self._plain[key]
        if not self._bundle.has_message(key):
            raise CatalogError(f"message {key!r} is missing from {self.lang}.ftl")
        message = self._bundle.get_message(key)
        if message.value is None:
            raise CatalogError(f"message {key!r} in {self.lang}.ftl has no value")
        text, errors = self._bundle.format_pattern(message.value, args or {})
        if errors:
            raise CatalogError(f"message {key!r} in {self.lang}.ftl: {errors[0]}")
        if not args:
            self._plain[key] = str(text)
        return str(text)


@cache
def catalog(lang: str) -> Catalog:
    """The catalog of a language, loaded once."""
    if lang not in LANGUAGES:
        raise CatalogError(f"no catalog for language {lang!r}")
    return Catalog(lang, _source(lang))


def message_keys(lang: str) -> set[str]:
    """Every message id in a language's file (for the tests that compare catalogs)."""
    resource = FluentResource(_source(lang))
    return {entry.id.name for entry in resource.body if isinstance(entry, ast.Message)}


def _source(lang: str) -> str:
    return resources.files(__name__).joinpath(f"{lang}.ftl").read_text(encoding="utf-8")
