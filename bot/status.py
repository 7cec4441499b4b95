"""Looking an invitation code up: `/status CODE` in Telegram and `migo-bot status CODE`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import datetime
from typing import Literal

from bot.leads_api import (
    InvalidCode,
    LeadsApiClient,
    LeadsApiError,
    LeadsApiMisconfigured,
    build_http_client,
    normalize_code,
)
from bot.render import PLAIN, Markup
from bot.settings import Settings
from flows.catalogue import Catalogue, load_catalogue
from flows.display import show_date, show_phone
from flows.lead import LeadRecord
from flows.validators import country_name
from locales import catalog

_log = logging.getLogger(__name__)
# "refused": the Leads API refused our token; prospects read "unavailable", staff are told.
Found = Literal["found", "not-found", "unavailable", "refused"]


def mask(value: str, keep: int = 4) -> str:
    """All but the last `keep` characters hidden: enough for staff to match, not to copy."""
    visible = value[-keep:] if len(value) > keep else ""
    return "•" * (len(value) - len(visible)) + visible


def mask_email(email: str) -> str:
    """a•••@example.com: the first letter and the domain."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}{'•' * max(len(local) - 1, 2)}@{domain}"


def render_status(
    record: LeadRecord,
    lang: str,
    *,
    full: bool,
    catalogue: Catalogue,
    markup: Markup = PLAIN,
) -> str:
    """A lead as staff (full, masked identifiers) or as anyone holding the code sees it."""
    cat = catalog(lang)
    rows: list[tuple[str, str | None]] = [("field-createdAt", _created(record, lang))]
    rows.append(("field-commercialName", record.commercialName))
    if full:
        rows += [
            ("field-firstName", record.firstName),
            ("field-lastName", record.lastName),
            ("field-cui", mask(record.cui) if record.cui else None),
            ("field-phone", _masked_phone(record.phone)),
            ("field-email", mask_email(record.email) if record.email else None),
            ("field-nit", mask(record.nit, 3) if record.nit else None),
            ("field-businessName", record.businessName),
            ("field-country", country_name(record.country, lang) if record.country else None),
            ("field-partner", record.partner),
        ]
    rows += [
        ("field-paymentMethods", _methods(record, lang, catalogue)),
        ("field-sdk", _sdk(record, lang, catalogue)),
    ]
    lines = [
        markup.bold(markup.escape(cat.render("status-header", {"code": record.invitationCode})))
    ]
    for key, value in rows:
        if value:
            lines.append(f"• {markup.escape(cat.render(key))}: {markup.escape(value)}")
    return "\n".join(lines)


async def look_up(
    leads: LeadsApiClient,
    code: str,
    lang: str,
    *,
    full: bool,
    catalogue: Catalogue,
    markup: Markup = PLAIN,
) -> tuple[Found, str]:
    """Look a (normalized) code up: the record as text, or why there is none, localized."""
    cat = catalog(lang)
    try:
        record = await leads.get_lead(code)
    except LeadsApiMisconfigured as error:
        _log.warning("status lookup failed: %s", type(error).__name__)
        return "refused", markup.escape(cat.render("status-unavailable"))
    except LeadsApiError as error:
        _log.warning("status lookup failed: %s", type(error).__name__)
        return "unavailable", markup.escape(cat.render("status-unavailable"))
    if record is None:
        return "not-found", markup.escape(cat.render("status-not-found", {"code": code}))
    return "found", render_status(record, lang, full=full, catalogue=catalogue, markup=markup)


def _created(record: LeadRecord, lang: str) -> str | None:
    if not record.createdAt:
        return None
    try:
        created = datetime.fromisoformat(record.createdAt.replace("Z", "+00:00"))
    except ValueError:
        return None
    return show_date(created.date().isoformat(), lang)


def _masked_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    shown = show_phone(phone)
    return shown[: len(shown) - 4].translate(str.maketrans("0123456789", "••••••••••")) + shown[-4:]


def _methods(record: LeadRecord, lang: str, catalogue: Catalogue) -> str | None:
    if not record.paymentMethods:
        return None
    names = []
    for method in record.paymentMethods:
        offered = catalogue.payment_method(method.slug)
        names.append(getattr(offered, lang) if offered else method.slug)
    return ", ".join(names)


def _sdk(record: LeadRecord, lang: str, catalogue: Catalogue) -> str | None:
    profile = next((p for p in catalogue.sdk_profiles if p.value == record.sdk), None)
    return str(getattr(profile, lang)) if profile else record.sdk


def status_command(settings: Settings, args: argparse.Namespace) -> int:
    """Print a lead as support staff see it; exit 1 not found, 2 bad code or token, 3 outage."""
    return asyncio.run(_status(settings, args.code))


async def _status(settings: Settings, text: str) -> int:
    lang = settings.default_language
    try:
        code = normalize_code(text)
    except InvalidCode:
        print(catalog(lang).render("status-invalid-code"), file=sys.stderr)
        return 2
    if settings.missing("LEADS_API_TOKEN"):
        print("migo-bot status: LEADS_API_TOKEN is not set", file=sys.stderr)
        return 2
    catalogue = load_catalogue(settings.products_file)
    async with build_http_client(settings) as http:
        client = LeadsApiClient(
            http, settings.leads_api_token, tributax_partner_slug=settings.tributax_partner_slug
        )
        found, text = await look_up(client, code, lang, full=True, catalogue=catalogue)
    if found == "refused":
        print("migo-bot status: the Leads API refused LEADS_API_TOKEN", file=sys.stderr)
        return 2
    if found == "unavailable":
        print(text, file=sys.stderr)
        return 3
    print(text)
    return 0 if found == "found" else 1
