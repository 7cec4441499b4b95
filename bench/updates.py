"""Telegram updates as the Bot API delivers them, and the onboarding a prospect goes through."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

JSON = dict[str, Any]


@dataclass(frozen=True)
class Action:
    """One thing a prospect does: type text, tap a button (by label or start of it), share."""

    kind: str  # "text" | "tap" | "contact"
    value: str


def text(value: str) -> Action:
    return Action("text", value)


def tap(label: str) -> Action:
    return Action("tap", label)


def contact(phone: str) -> Action:
    return Action("contact", phone)


def onboarding(cui: str) -> list[Action]:
    """A complete Spanish onboarding: defaults tapped, a few answers wrong first, toggles."""
    return [
        text("/start"),
        tap("Usar: Ana Lucía"),
        tap("Usar: López García"),
        tap("Mujer"),
        text("32/13/1990"),  # invalid first
        text("7 de marzo de 1990"),
        tap("Casado(a)"),
        tap("Usar: Guatemala"),
        text("1234 5678"),  # invalid first
        text(cui),
        text("31/12/2030"),
        tap("Usar: Guatemala"),
        contact("50255551234"),
        text("ana@"),  # invalid first
        text("ana@example.com"),
        text("Tienda La Bendición"),
        tap("Usar: Tienda La Bendición"),
        text("Venta de abarrotes"),
        text("5a. avenida 12-34, zona 1"),
        text("576937-0"),  # wrong check digit first
        text("576937-K"),
        tap("Pequeño contribuyente"),
        tap("Sí"),
        tap("Pagos con QR (Akisi)"),
        tap("Tarjetas de débito y crédito (NeoNet)"),
        tap("✅ Pagos con QR (Akisi)"),  # toggled off…
        tap("Pagos con QR (Akisi)"),  # …and on again
        tap("Listo"),
        text("/summary"),
        tap("Migo Link"),
        tap("No"),
        tap("✅ Confirmar y enviar"),
    ]


def cuis(start: int = 0) -> Iterator[str]:
    """Distinct valid CUIs (the sandbox refuses a second lead for one CUI and partner)."""
    serial = 10_000_000 + start
    while True:
        digits = [int(c) for c in f"{serial:08d}"]
        check = sum(d * w for d, w in zip(digits, range(2, 10), strict=True)) % 11
        serial += 1
        if check < 10:
            yield f"{serial - 1:08d}{check}0101"


def user_json(user_id: int) -> JSON:
    """The prospect as Telegram describes them."""
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": "Ana Lucía",
        "last_name": "López García",
        "language_code": "es",
    }


def chat_json(chat_id: int) -> JSON:
    """A private chat (its id is the user's)."""
    return {
        "id": chat_id,
        "type": "private",
        "first_name": "Ana Lucía",
        "last_name": "López García",
    }


def message_update(update_id: int, chat_id: int, message_id: int, value: str) -> JSON:
    """A text message (commands carry their bot_command entity, as Telegram sends them)."""
    message: JSON = {
        "message_id": message_id,
        "from": user_json(chat_id),
        "chat": chat_json(chat_id),
        "date": int(time.time()),
        "text": value,
    }
    if value.startswith("/"):
        length = len(value.split()[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return {"update_id": update_id, "message": message}


def contact_update(update_id: int, chat_id: int, message_id: int, phone: str) -> JSON:
    """The prospect shares their own number with the contact button."""
    shared = {"phone_number": phone, "first_name": "Ana Lucía", "user_id": chat_id}
    message: JSON = {
        "message_id": message_id,
        "from": user_json(chat_id),
        "chat": chat_json(chat_id),
        "date": int(time.time()),
        "contact": shared,
    }
    return {"update_id": update_id, "message": message}


def callback_update(update_id: int, chat_id: int, message: JSON, data: str) -> JSON:
    """A tap on an inline button of a bot message."""
    query = {
        "id": str(4_000_000_000_000 + update_id),
        "from": user_json(chat_id),
        "message": message,
        "chat_instance": str(7_000_000_000 + chat_id),
        "data": data,
    }
    return {"update_id": update_id, "callback_query": query}


def button_data(message: JSON, label: str) -> str:
    """The callback data of the button with this label (or the one label starting with it)."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    buttons = [(b["text"], b.get("callback_data")) for row in rows for b in row]
    exact = [data for name, data in buttons if name == label]
    loose = [data for name, data in buttons if name.startswith(label)]
    found = exact or loose
    if len(found) != 1 or found[0] is None:
        raise LookupError(f"no single button {label!r} among {[name for name, _ in buttons]}")
    return str(found[0])
