"""Sends the engine's submit request to the Leads API; turns the outcome into an event."""

from __future__ import annotations

import logging

from bot.leads_api import (
    LeadAlreadyRegistered,
    LeadNotCreated,
    LeadRejected,
    LeadsApiClient,
    LeadsApiError,
)
from flows.events import SubmitFailed, SubmitRequest, Submitted

_log = logging.getLogger(__name__)


async def submit(client: LeadsApiClient, request: SubmitRequest) -> Submitted | SubmitFailed:
    """Send the lead once; every failure becomes a SubmitFailed the engine can explain."""
    try:
        code = await client.create_lead(request.lead, merchant_id=request.merchant_id)
    except LeadRejected as error:
        _log.info("lead rejected: %d field error(s)", len(error.errors))
        return SubmitFailed("rejected", tuple((e.field, e.message) for e in error.errors))
    except LeadAlreadyRegistered:
        return SubmitFailed("already-registered")
    except LeadNotCreated:
        return SubmitFailed("not-created")
    except LeadsApiError as error:
        # Misconfiguration is the operators' problem; the prospect sees "try again later".
        _log.warning("lead not submitted: %s", type(error).__name__)
        return SubmitFailed("unavailable")
    return Submitted(code)
