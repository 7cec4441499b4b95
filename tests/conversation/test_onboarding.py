"""Complete onboardings through the pure engine, asserting on reply keys and the exact payload."""

from __future__ import annotations

from datetime import date

import pytest

from flows.catalogue import Catalogue
from flows.events import Pick, SubmitFailed, Submitted, Unsupported
from flows.steps import FlowContext
from tests.conversation.driver import Chat

EXPECTED_PAYLOAD = {
    "firstName": "Ana Lucía",
    "lastName": "López García",
    "gender": "F",
    "dateOfBirth": "1990-03-07",
    "maritalStatus": "casado",
    "nationality": "GTM",
    "cui": "1234567890101",
    "expirationDate": "2030-12-31",
    "country": "GTM",
    "phone": "+50255551234",
    "email": "ana@example.com",
    "commercialName": "Tienda La Bendición",
    "businessName": "Tienda La Bendición",
    "economicActivity": "Venta de abarrotes",
    "address": "5a. avenida 12-34, zona 1",
    "nit": "576937K",
    "taxRegime": "pequeno_contribuyente",
    "canInvoice": True,
    "paymentMethods": [
        {"slug": "akisiQR", "acquirerSlug": "akisi"},
        {"slug": "td/tc", "acquirerSlug": "neonet"},
    ],
    "sdk": "MIGO_LINK_USD",
    "partner": "migo-demo",
}


def typical_spanish_onboarding(chat: Chat) -> None:
    """The shortest honest path: defaults tapped, required answers typed, optionals declined."""
    chat.start()
    assert chat.keys[0] == "welcome"
    assert chat.asking == "firstName"
    chat.tap("btn-use")  # the Telegram profile's first name
    chat.tap("btn-use")
    chat.tap("F")
    chat.type("7 de marzo de 1990")
    chat.tap("casado")
    chat.tap("btn-use")  # Guatemala
    chat.type("1234 56789 0101")
    chat.type("31/12/2030")
    chat.tap("btn-use")  # Guatemala
    chat.share_contact("50255551234")
    chat.type("ana@example.com")
    chat.type("Tienda La Bendición")
    chat.tap("btn-use")  # same as the commercial name
    chat.type("Venta de abarrotes")
    chat.type("5a. avenida 12-34, zona 1")
    chat.type("576937-K")
    chat.tap("pequeno_contribuyente")
    chat.tap("yes")
    chat.tap("akisiQR")
    chat.tap("td/tc")
    chat.tap("done")
    chat.tap("MIGO_LINK_USD")
    chat.tap("no")  # no optional details


def test_typical_spanish_onboarding_sends_the_exact_payload_in_few_actions() -> None:
    chat = Chat(lang="es", profile={"profile_first": "Ana Lucía", "profile_last": "López García"})
    typical_spanish_onboarding(chat)
    assert chat.keys == ["summary"]
    chat.tap("submit")
    assert chat.keys == ["submit-sending"]
    assert len(chat.requests) == 1
    assert chat.requests[0].lead.payload() == EXPECTED_PAYLOAD
    chat.server_answers(Submitted("25DC4D1"))
    assert chat.keys == ["submit-done"]
    assert chat.replies[0].args == {"code": "25DC4D1"}
    assert chat.actions <= 30, f"a typical lead took {chat.actions} actions"
    # After success only the code is kept: no personal answer stays in the session.
    assert chat.session.answers == {}
    assert chat.session.profile_first is None
    assert chat.session.code == "25DC4D1"


def test_progress_counts_only_the_steps_that_apply() -> None:
    chat = Chat()
    chat.start()
    assert chat.screen is not None and chat.screen.progress == (1, 21)
    tributax = Chat(partner="tributax")
    tributax.start()
    assert tributax.screen is not None and tributax.screen.progress == (1, 22)


def test_english_onboarding_with_typing_back_skip_language_and_edit() -> None:
    chat = Chat(lang="en")
    chat.start()
    chat.type("Ana")
    chat.type("Lopez")
    assert chat.asking == "gender"
    chat.command("back")
    assert chat.asking == "lastName"
    # Going back shows the previous answer as a one-tap default.
    use = [b for b in chat.buttons() if b.label.key == "btn-use"]
    assert use and use[0].label.args == {"value": "Lopez"}
    chat.type("López")
    chat.type("woman")
    chat.type("March 7, 1990")
    chat.type("single")
    chat.command("language")
    assert chat.keys == ["language-changed", "nationality-ask"]
    assert chat.session.lang == "es"
    chat.command("language", "en")
    assert chat.session.lang == "en"
    chat.type("Guatemala")
    chat.type("1587564440904")
    chat.type("2030-12-31")
    chat.type("GT")
    chat.type("+502 5555-1234")
    chat.type("ana@example.com")
    chat.type("Ana's Store")
    chat.tap("btn-use")
    chat.type("Groceries")
    chat.type("5a avenida 1-23")
    chat.type("42932-5")
    chat.type("1")  # first tax regime by its number
    chat.type("no")
    chat.type("1")  # toggles the first payment method
    chat.type("done")
    chat.type("MIGO_LINK_USD")
    chat.tap("yes")  # optional details, please
    assert chat.asking == "countryOfBirth"
    # The optional details are counted on their own, not added to the 21 questions.
    assert chat.screen is not None and chat.screen.progress == (1, 9)
    assert chat.screen.optional
    chat.command("skip")
    chat.type("Quetzaltenango")
    chat.command("skip")  # serialNumber
    chat.tap("Sacatepéquez")
    chat.type("Antigua Guatemala")
    chat.command("skip")  # region
    chat.type("Colonia El Carmen")
    chat.command("skip")  # rtuType
    chat.tap("USD")
    chat.tap("done")
    assert chat.keys == ["summary"]
    # Edit from the summary, then come back to it.
    chat.tap("edit")
    chat.tap("email")
    assert chat.asking == "email"
    chat.type("ana.lopez@example.com")
    assert chat.keys == ["summary"]
    chat.tap("submit")
    payload = chat.requests[0].lead.payload()
    assert payload["email"] == "ana.lopez@example.com"
    assert payload["lastName"] == "López"
    assert payload["dateOfBirth"] == "1990-03-07"
    assert payload["phone"] == "+50255551234"
    assert payload["nit"] == "429325"
    assert payload["taxRegime"] == "general"
    assert payload["canInvoice"] is False
    assert payload["paymentMethods"] == [{"slug": "akisiQR", "acquirerSlug": "akisi"}]
    assert payload["placeOfBirth"] == "Quetzaltenango"
    assert payload["location"] == {
        "administrativeAreaLevel1": "Sacatepéquez",
        "administrativeAreaLevel2": "Antigua Guatemala",
    }
    assert payload["neighborhood"] == "Colonia El Carmen"
    assert payload["currencies"] == [840]
    assert "countryOfBirth" not in payload and "serialNumber" not in payload


def test_an_invalid_answer_says_why_and_asks_again() -> None:
    chat = Chat()
    chat.start()
    chat.type("Ana")
    chat.type("López")
    chat.tap("F")
    chat.type("31/02/1990")
    assert chat.keys == ["dateOfBirth-invalid-impossible", "dateOfBirth-ask"]
    chat.type("07/03/2015")
    assert chat.keys == ["dateOfBirth-invalid-too-young", "dateOfBirth-ask"]
    assert "dateOfBirth" not in chat.session.answers


def test_three_failures_offer_help_skip_or_cancel_instead_of_looping() -> None:
    chat = Chat()
    chat.start()
    for _ in range(2):
        chat.type("Ana123")
        assert "stuck" not in chat.keys
    chat.type("Ana123")
    assert chat.keys == ["name-invalid-digits", "stuck", "firstName-ask"]
    actions = {b.action for b in chat.buttons()}
    assert {"help", "cancel"} <= actions
    chat.tap("help")
    assert chat.keys[:2] == ["firstName-hint", "help-commands"]
    chat.type("Ana")
    assert chat.asking == "lastName"


def test_skip_is_refused_for_required_steps() -> None:
    chat = Chat()
    chat.start()
    chat.command("skip")
    assert chat.keys == ["skip-required", "firstName-ask"]
    assert all(b.action != "skip" for b in chat.buttons())


def test_cancel_asks_first_then_forgets_everything() -> None:
    chat = Chat()
    chat.start()
    chat.type("Ana")
    chat.command("cancel")
    assert chat.keys == ["confirm-cancel"]
    chat.tap("confirm-no")
    assert chat.keys == ["cancel-aborted", "lastName-ask"]
    assert chat.session.answers == {"firstName": "Ana"}
    chat.command("cancel")
    chat.type("sí")
    assert chat.keys == ["cancelled"]
    assert chat.session.answers == {}
    assert chat.session.at == ""


def test_restart_starts_over_after_confirmation() -> None:
    chat = Chat()
    chat.start()
    chat.type("Ana")
    chat.command("restart")
    chat.tap("confirm-yes")
    assert chat.keys == ["restarted", "firstName-ask"]
    assert chat.session.answers == {}


def test_a_stale_button_changes_nothing() -> None:
    chat = Chat()
    chat.start()
    chat.type("Ana")
    chat.type("López")
    old = chat.screen
    chat.tap("F")
    before = chat.session.model_copy(deep=True)
    assert old is not None and old.binding is not None
    chat.act(Pick(old.binding, 1))
    assert chat.keys == ["stale-button"]
    assert chat.session == before


def test_forged_button_index_is_refused() -> None:
    chat = Chat()
    chat.start()
    chat.type("Ana")
    chat.type("López")
    assert chat.screen is not None and chat.screen.binding is not None
    chat.act(Pick(chat.screen.binding, 99))
    assert chat.keys == ["stale-button"]
    chat.act(Pick("zzz.1", 0))
    assert chat.keys == ["stale-button"]
    assert "gender" not in chat.session.answers


def answers_up_to_the_expiry(chat: Chat) -> None:
    """Typed answers from /start up to the DPI's expiry date."""
    chat.start()
    for answer in ["Ana", "López", "mujer", "07/03/1990", "soltera", "Guatemala"]:
        chat.type(answer)
    chat.type("1234 56789 0101")


def test_expired_document_needs_confirmation() -> None:
    chat = Chat()
    answers_up_to_the_expiry(chat)
    chat.type("01/01/2020")
    assert chat.keys == ["confirm-expired"]
    chat.tap("confirm-no")
    assert chat.asking == "expirationDate"
    chat.type("01/01/2020")
    chat.tap("confirm-yes")
    assert chat.session.answers["expirationDate"] == "2020-01-01"
    assert chat.asking == "country"


def test_a_corrected_date_typed_at_the_expiry_question_is_taken() -> None:
    chat = Chat()
    answers_up_to_the_expiry(chat)
    chat.type("01/01/2020")
    assert chat.keys == ["confirm-expired"]
    chat.type("31/12/2030")  # instead of "no", the date it should have been
    assert chat.session.answers["expirationDate"] == "2030-12-31"
    assert chat.asking == "country"
    assert chat.session.confirming is None


def test_phone_is_checked_again_when_the_country_changes() -> None:
    chat = Chat()
    answers_up_to_the_expiry(chat)
    chat.type("31/12/2030")
    chat.type("Guatemala")
    chat.type("5555 1234")
    assert chat.session.answers["phone"] == "+50255551234"
    chat.command("back")
    chat.command("back")
    assert chat.asking == "country"
    chat.type("México")
    assert "phone-recheck" in chat.keys
    assert chat.asking == "phone"
    assert "phone" not in chat.session.answers


def test_a_phone_that_would_mean_another_number_in_the_new_country_is_asked_again() -> None:
    chat = Chat(profile={"profile_first": "Ana", "profile_last": "López"})
    typical_spanish_onboarding(chat)
    chat.tap("edit")
    chat.tap("phone")
    chat.type("5555 1234")  # typed as a national number, read in Guatemala
    assert chat.session.answers["phone"] == "+50255551234"
    chat.tap("edit")
    chat.tap("country")
    chat.type("El Salvador")  # 5555 1234 is a valid number there too, someone else's
    assert "phone-recheck" in chat.keys
    assert chat.asking == "phone"
    chat.type("+502 5555 1234")
    assert chat.keys == ["summary"]
    assert chat.session.answers["phone"] == "+50255551234"


def test_unknown_country_offers_suggestions_as_buttons() -> None:
    chat = Chat()
    chat.start()
    for answer in ["Ana", "López", "mujer", "07/03/1990", "soltera"]:
        chat.type(answer)
    chat.type("Guatemal")
    assert chat.keys == ["country-invalid-unknown", "nationality-ask"]
    suggested = [b.value for b in chat.buttons() if b.action == "answer" and b.label.text]
    assert "GTM" in suggested[:3]
    chat.tap("GTM")
    assert chat.session.answers["nationality"] == "GTM"


def test_tributax_partner_is_asked_the_rtu_date() -> None:
    chat = Chat(partner="tributax")
    typical_answers_until_tax(chat)
    chat.tap("yes")
    assert chat.asking == "lastRtuUpdateDate"
    chat.type("15/01/2027")
    assert chat.keys == ["lastRtuUpdateDate-invalid-future", "lastRtuUpdateDate-ask"]
    chat.type("15/01/2025")
    assert chat.asking == "paymentMethods"


def typical_answers_until_tax(chat: Chat) -> None:
    chat.start()
    for answer in ["Ana", "López", "mujer", "07/03/1990", "soltera", "Guatemala"]:
        chat.type(answer)
    for answer in ["1234 56789 0101", "31/12/2030", "Guatemala", "5555 1234", "a@example.com"]:
        chat.type(answer)
    for answer in ["Tienda", "Tienda", "Abarrotes", "zona 1", "576937-K"]:
        chat.type(answer)
    chat.tap("general")


def finish_products(chat: Chat) -> None:
    chat.tap("akisiQR")
    chat.tap("done")
    chat.tap("MIGO_LINK_USD")
    chat.tap("no")


def chat_at_summary() -> Chat:
    """A chat with every required answer given (no invoicing), at the summary."""
    chat = Chat()
    typical_answers_until_tax(chat)
    chat.tap("no")
    finish_products(chat)
    return chat


def test_multi_choice_needs_at_least_one_and_toggles_in_place() -> None:
    chat = Chat()
    typical_answers_until_tax(chat)
    chat.tap("no")
    chat.tap("done")
    assert chat.keys == ["paymentMethods-invalid-none", "paymentMethods-ask"]
    chat.tap("akisiQR")
    assert chat.replies[0].in_place
    assert [b.picked for b in chat.buttons() if b.action == "toggle"] == [True, False]
    chat.tap("akisiQR")
    assert [b.picked for b in chat.buttons() if b.action == "toggle"] == [False, False]


def test_server_rejection_sends_the_prospect_back_to_that_field() -> None:
    chat = chat_at_summary()
    chat.tap("submit")
    chat.server_answers(SubmitFailed("rejected", (("email", "email: domain not accepted"),)))
    assert chat.keys == ["submit-rejected-field", "email-ask"]
    assert chat.replies[0].args["message"] == "email: domain not accepted"
    chat.type("ana@migo.gt")
    assert chat.keys == ["summary"]
    chat.tap("submit")
    assert len(chat.requests) == 2
    assert chat.requests[1].lead.payload()["email"] == "ana@migo.gt"


@pytest.mark.parametrize("reason", ["unavailable", "not-created"])
def test_failed_submission_keeps_every_answer_and_offers_retry(reason: str) -> None:
    chat = chat_at_summary()
    answers = dict(chat.session.answers)
    chat.tap("submit")
    chat.server_answers(SubmitFailed(reason))
    assert chat.keys == [f"submit-{reason}", "summary"]
    assert chat.session.answers == answers
    assert "btn-retry" in {b.label.key for b in chat.buttons()}
    chat.tap("submit")
    assert len(chat.requests) == 2


def test_already_registered_offers_no_retry_until_an_answer_is_corrected() -> None:
    chat = chat_at_summary()
    answers = dict(chat.session.answers)
    chat.tap("submit")
    chat.server_answers(SubmitFailed("already-registered"))
    assert chat.keys == ["submit-already-registered", "summary"]
    assert chat.session.answers == answers
    assert [b.action for b in chat.buttons()] == ["edit", "cancel"]
    chat.tap("edit")
    chat.tap("cui")
    chat.type("1587564440904")
    assert [b.action for b in chat.buttons()] == ["submit", "edit", "cancel"]
    chat.tap("submit")
    assert len(chat.requests) == 2
    assert chat.requests[1].lead.payload()["cui"] == "1587564440904"


def test_confirm_tapped_twice_submits_once() -> None:
    chat = chat_at_summary()
    summary = chat.screen
    chat.tap("submit")
    assert summary is not None and summary.binding is not None
    chat.act(Pick(summary.binding, 0))
    assert chat.keys == ["stale-button"]
    chat.type("confirmar")
    assert len(chat.requests) == 1
    chat.server_answers(Submitted("ABCD123"))
    chat.command("summary")
    assert chat.keys == ["done-already"]
    assert len(chat.requests) == 1


@pytest.mark.parametrize("command", ["cancel", "restart", "back", "skip", "summary"])
def test_nothing_changes_while_the_lead_is_on_its_way(command: str) -> None:
    chat = chat_at_summary()
    chat.tap("submit")
    answers = dict(chat.session.answers)

    chat.command(command)

    assert chat.keys == ["submit-in-progress"]
    assert chat.session.answers == answers
    chat.server_answers(Submitted("ABCD123"))
    assert chat.keys == ["submit-done"]
    assert len(chat.requests) == 1


def test_edit_that_turns_on_optional_details_asks_them_then_returns_to_summary() -> None:
    chat = chat_at_summary()
    chat.tap("edit")
    chat.tap("optional")
    chat.tap("yes")
    assert chat.asking == "countryOfBirth"
    for _ in range(12):
        if chat.asking == "summary":
            break
        chat.command("skip")
    assert chat.keys[-1] == "summary"


def test_unsupported_messages_change_nothing() -> None:
    chat = Chat()
    chat.start()
    chat.type("Ana")
    before = chat.session.model_copy(deep=True)
    chat.act(Unsupported("photo"))
    assert chat.keys == ["unsupported"]
    assert chat.session == before


def test_contact_of_someone_else_is_refused() -> None:
    chat = Chat()
    typical_answers_until_phone(chat)
    chat.share_contact("50255559999", own=False)
    assert chat.keys == ["phone-invalid-not-own", "phone-ask"]
    assert "phone" not in chat.session.answers


def typical_answers_until_phone(chat: Chat) -> None:
    chat.start()
    for answer in ["Ana", "López", "mujer", "07/03/1990", "soltera", "Guatemala"]:
        chat.type(answer)
    for answer in ["1234 56789 0101", "31/12/2030", "Guatemala"]:
        chat.type(answer)


def test_start_again_resumes_instead_of_restarting() -> None:
    chat = Chat()
    chat.start()
    chat.type("Ana")
    chat.start()
    assert chat.keys == ["welcome-back", "lastName-ask"]
    assert chat.session.answers == {"firstName": "Ana"}


def test_start_before_any_answer_just_asks_again() -> None:
    chat = Chat()
    chat.start()
    chat.start()
    assert chat.keys == ["firstName-ask"]


def test_session_stays_small() -> None:
    chat = Chat(profile={"profile_first": "Ana Lucía", "profile_last": "López García"})
    typical_spanish_onboarding(chat)
    assert len(chat.session.dump().encode()) < 1024


def test_adulthood_is_counted_from_the_injected_date() -> None:
    chat = Chat(ctx=FlowContext(today=date(2008, 3, 6), catalogue=Catalogue()))
    chat.start()
    chat.type("Ana")
    chat.type("López")
    chat.tap("F")
    chat.type("07/03/1990")
    assert chat.keys == ["dateOfBirth-invalid-too-young", "dateOfBirth-ask"]
    chat.ctx = FlowContext(today=date(2008, 3, 7), catalogue=Catalogue())
    chat.type("07/03/1990")
    assert chat.asking == "maritalStatus"


def test_a_profile_default_is_validated_like_a_typed_answer() -> None:
    chat = Chat(profile={"profile_first": "Ana 2000 🌸", "profile_last": None})
    chat.start()
    chat.tap("btn-use")
    assert chat.keys == ["name-invalid-digits", "firstName-ask"]
    assert "firstName" not in chat.session.answers


def test_markup_in_answers_is_shown_literally_and_sent_raw() -> None:
    from bot.render import HTML, replies_text
    from tests.e2e.botapi import parse_html

    hostile = {"commercialName": "<b>Súper</b> & *_[Hnos]", "address": "Calle <i>5</i> & 6 *_`"}
    chat = Chat(lang="es", profile={"profile_first": "Ana", "profile_last": "López"})
    typical_spanish_onboarding(chat)
    for field, value in hostile.items():
        chat.tap("edit")
        chat.tap(field)
        chat.type(value)
    summary = replies_text(chat.replies, "es", HTML)
    # Telegram's HTML parse mode must show exactly what was typed, with no entity from it.
    visible, entities = parse_html(summary)
    for value in hostile.values():
        assert value in visible
    assert all(entity["type"] == "bold" for entity in entities)
    chat.tap("submit")
    payload = chat.requests[0].lead.payload()
    assert payload["commercialName"] == hostile["commercialName"]
    assert payload["address"] == hostile["address"]
