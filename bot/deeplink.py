"""Deep-link payloads: `https://t.me/<bot>?start=<payload>` carries a partner and a merchant.

Format (Telegram allows 1–64 characters of A–Z, a–z, 0–9, `_` and `-`): parts separated by
a double underscore, each a one-letter tag, a hyphen and a value:

    p-<partner slug>            e.g. p-tributax
    m-<merchant id>             e.g. m-4f2a91
    p-tributax__m-4f2a91        both

Unknown tags and partners that are not configured are ignored, so a mistyped or forged link
still starts a normal onboarding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_PAYLOAD = 64
_VALUE = re.compile(r"[A-Za-z0-9-]+(?:_[A-Za-z0-9-]+)*")


@dataclass(frozen=True)
class DeepLink:
    """What a start payload says, once checked against configuration."""

    partner: str | None = None
    merchant: str | None = None


def parse_payload(payload: str | None, allowed_partners: set[str]) -> DeepLink:
    """Read a /start payload; anything malformed or not allowed is dropped."""
    if not payload or len(payload) > MAX_PAYLOAD:
        return DeepLink()
    partner = merchant = None
    for part in payload.split("__"):
        tag, _, value = part.partition("-")
        if not value or not _VALUE.fullmatch(value):
            continue
        if tag == "p" and value in allowed_partners:
            partner = value
        elif tag == "m":
            merchant = value
    return DeepLink(partner=partner, merchant=merchant)


def make_payload(partner: str | None = None, merchant: str | None = None) -> str:
    """The payload for a link; raises ValueError when it would not fit Telegram's limit."""
    parts = [f"p-{partner}"] if partner else []
    if merchant:
        parts.append(f"m-{merchant}")
    payload = "__".join(parts)
    if len(payload) > MAX_PAYLOAD or not re.fullmatch(r"[A-Za-z0-9_-]*", payload):
        raise ValueError("a deep-link payload is at most 64 characters of A-Z, a-z, 0-9, _ and -")
    return payload
