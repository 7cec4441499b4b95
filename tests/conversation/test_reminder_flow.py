"""The reminder as the engine draws it, and what its Continue button does."""

from __future__ import annotations

from flows.engine import reminder
from flows.events import Pick, Reply, Submitted
from tests.conversation.driver import Chat
from tests.conversation.test_onboarding import typical_spanish_onboarding


def remind(chat: Chat) -> Reply:
    drawn = reminder(chat.session, chat.ctx)
    assert drawn is not None
    return drawn


def test_a_reminder_counts_the_steps_left_and_offers_one_continue_button() -> None:
    chat = Chat()
    chat.start()
    chat.type("Ana")
    chat.type("López")

    drawn = remind(chat)

    assert drawn.key == "reminder"
    assert drawn.args == {"left": 19}
    assert [(b.action, b.label.key) for b in drawn.buttons] == [("resume", "btn-continue")]
    assert drawn.binding == f"{chat.session.sid}.r"
    assert len(f"{drawn.binding}:0".encode()) < 64


def test_at_the_summary_nothing_is_left_but_to_send() -> None:
    chat = Chat(profile={"profile_first": "Ana Lucía", "profile_last": "López García"})
    typical_spanish_onboarding(chat)
    assert chat.asking == "summary"
    assert remind(chat).args == {"left": 0}


def test_continue_asks_the_current_question_again_even_when_its_buttons_are_still_live() -> None:
    chat = Chat()
    chat.start()
    chat.type("Ana")
    chat.type("López")
    question = chat.screen
    assert question is not None and question.binding is not None
    drawn = remind(chat)
    assert drawn.binding is not None

    chat.act(Pick(drawn.binding, 0))

    assert chat.keys == ["welcome-back", "gender-ask"]
    assert chat.session.answers == {"firstName": "Ana", "lastName": "López"}
    chat.act(Pick(question.binding, 0))  # the question above the reminder was drawn again
    assert chat.keys == ["stale-button"]
    chat.tap("F")
    assert chat.asking == "dateOfBirth"


def test_continue_during_a_confirmation_asks_the_confirmation_again() -> None:
    chat = Chat()
    chat.start()
    chat.type("Ana")
    chat.command("cancel")
    drawn = remind(chat)
    assert drawn.binding is not None

    chat.act(Pick(drawn.binding, 0))

    assert chat.keys == ["welcome-back", "confirm-cancel"]


def test_no_reminder_outside_a_flow_and_continue_goes_stale_when_the_flow_ends() -> None:
    chat = Chat(profile={"profile_first": "Ana Lucía", "profile_last": "López García"})
    assert reminder(chat.session, chat.ctx) is None
    typical_spanish_onboarding(chat)
    drawn = remind(chat)
    assert drawn.binding is not None
    chat.tap("submit")
    chat.server_answers(Submitted("25DC4D1"))
    assert reminder(chat.session, chat.ctx) is None

    chat.act(Pick(drawn.binding, 0))

    assert chat.keys == ["stale-button"]
    assert chat.session.at == "done"
    chat.command("restart")
    chat.tap("confirm-yes")
    chat.command("cancel")
    chat.type("sí")
    assert reminder(chat.session, chat.ctx) is None
    chat.act(Pick(drawn.binding, 0))
    assert chat.keys == ["stale-button"]
    assert chat.session.at == ""
