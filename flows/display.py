"""How a stored answer is shown to the prospect: names, not codes; dates the local way."""

from __future__ import annotations

from datetime import date
from typing import Any

import phonenumbers

from flows import validators as v
from flows.events import Label
from flows.session import Session
from flows.steps import FlowContext, Kind, Step, options_for

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def show_date(iso: str, lang: str) -> str:
    """07/03/1990 in Spanish (day first, as Guatemala writes it); 7 Mar 1990 in English."""
    day = date.fromisoformat(iso)
    if lang == "es":
        return day.strftime("%d/%m/%Y")
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def show_phone(e164: str) -> str:
    """+502 5555 1234: the international format people read."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def show_cui(cui: str) -> str:
    """1234 56789 0101: grouped as printed on the DPI."""
    return f"{cui[:4]} {cui[4:9]} {cui[9:]}" if len(cui) == 13 else cui


def show_nit(nit: str) -> str:
    """576937-K: body and check character, as SAT prints it."""
    return f"{nit[:-1]}-{nit[-1]}" if len(nit) >= 2 else nit


_FORMATS = {"cui": show_cui, "nit": show_nit}


def show_value(step: Step, value: Any, session: Session, ctx: FlowContext) -> tuple[Label, ...]:
    """The labels that show an answer (several for a multi choice)."""
    if step.kind in (Kind.CHOICE, Kind.MULTI, Kind.YES_NO):
        values = (
            value
            if isinstance(value, list)
            else ["yes" if value is True else "no" if value is False else value]
        )
        options = {o.value: o for o in options_for(step, session, ctx)}
        labels = []
        for item in values:
            option = options.get(str(item))
            if option is None:
                labels.append(Label(text=str(item)))
            else:
                labels.append(Label(key=option.key, text=option.label))
        return tuple(labels)
    if step.kind is Kind.COUNTRY:
        return (Label(text=v.country_name(str(value), session.lang)),)
    if step.kind is Kind.DATE:
        return (Label(text=show_date(str(value), session.lang)),)
    if step.kind is Kind.PHONE:
        return (Label(text=show_phone(str(value))),)
    shown = _FORMATS.get(step.name, str)(str(value))
    return (Label(text=shown),)


def _choice_value(value: Any) -> Any:
    """Yes/no answers are stored as booleans but offered as the options `yes` and `no`."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def show_plain(step: Step, value: Any, session: Session, ctx: FlowContext) -> str | None:
    """The answer as literal text when it has no catalog label (for one-tap defaults)."""
    labels = show_value(step, value, session, ctx)
    if any(label.key for label in labels):
        return None
    return ", ".join(label.text or "" for label in labels)
