"""Random event sequences against the engine: it never breaks, never loses what it should keep."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.engine import advance
from flows.events import (
    COMMANDS,
    Command,
    Contact,
    Event,
    Pick,
    Reply,
    Start,
    SubmitFailed,
    SubmitRequest,
    Submitted,
    Text,
    Unsupported,
)
from flows.session import load_session, new_session
from flows.steps import FlowContext
from tests.conversation.driver import TODAY

CTX = FlowContext(today=TODAY)
VALID = [
    "Ana", "López", "mujer", "07/03/1990", "soltera", "Guatemala", "1234 56789 0101",
    "31/12/2030", "5555 1234", "ana@example.com", "Tienda", "576937-K", "sí", "no", "1", "2",
    "listo", "EEUU", "01/01/2020",
]  # fmt: skip
ODD_TEXT = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", " ", "\u200b", "\u202eAna", "<b>x</b>", "&amp;", "*_[", "🙂" * 50]),
    st.just("x" * 10_000),
)
FIELD_ERRORS = st.tuples(st.sampled_from([None, "email", "cui", "zzz"]), st.text(max_size=9))
OWN = "own"  # a Pick marker: tap a button of the keyboard on screen


def events() -> st.SearchStrategy[Event | str]:
    return st.one_of(
        st.builds(Text, st.sampled_from(VALID)),
        st.builds(Text, ODD_TEXT),
        st.builds(Command, st.sampled_from(COMMANDS), st.sampled_from(["", "en", "es", "zz"])),
        st.builds(Contact, st.sampled_from(["50255551234", "+1 202 555 0101", "x"]), st.booleans()),
        st.builds(Unsupported, st.sampled_from(["photo", "sticker", "forward"])),
        st.builds(Pick, st.text(max_size=20), st.integers(-5, 60)),
        st.just(Start()),
        st.builds(Submitted, st.sampled_from(["25DC4D1", "ABCD123"])),
        st.builds(
            SubmitFailed,
            st.sampled_from(["rejected", "unavailable", "not-created", "already-registered"]),
            st.lists(FIELD_ERRORS, max_size=2).map(tuple),
        ),
        st.tuples(st.just(OWN), st.integers(0, 40)).map(lambda t: f"{t[0]}:{t[1]}"),
    )  # fmt: skip


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events(), min_size=1, max_size=60))
def test_any_sequence_of_events_keeps_a_valid_session(sequence: list[Event | str]) -> None:
    session = new_session("abc123", "es", "migo-demo", profile_first="Ana")
    screen: Reply | None = None
    for item in sequence:
        event = _resolve(item, screen)
        before = session.model_copy(deep=True)
        session, outputs = advance(session, event, CTX)
        assert load_session(session.dump()) == session
        replies = [o for o in outputs if isinstance(o, Reply)]
        requests = [o for o in outputs if isinstance(o, SubmitRequest)]
        assert len(requests) <= 1
        if requests:
            assert not before.submitting
            assert session.submitting
        if _inert(event, before):
            assert session.answers == before.answers
            assert session.at == before.at
        if isinstance(event, Submitted | SubmitFailed) and not before.submitting:
            assert session == before
        screen = next((r for r in reversed(replies) if r.binding), screen)


def _resolve(item: Event | str, screen: Reply | None) -> Event:
    if not isinstance(item, str):
        return item
    index = int(item.split(":")[1])
    if screen is None or screen.binding is None:
        return Pick("none", index)
    return Pick(screen.binding, index)


def _inert(event: Event, before: object) -> bool:
    """Events that must never change an answer."""
    if isinstance(event, Unsupported):
        return True
    return isinstance(event, Pick) and not event.binding.startswith("abc123.")
