"""Property tests of the validators: any text gives a value or `Invalid`, and round trips hold."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from flows import validators as v
from flows.lead import Gender, MaritalStatus

TODAY = date(2026, 3, 15)
MUNICIPALITIES = (17, 8, 16, 16, 14, 14, 19, 8, 24, 21, 9, 30, 33, 21, 8, 17, 14, 5, 11, 11, 7, 17)
# Parser caches are warm after the first example; a deadline would only measure the machine.
FUZZ = settings(max_examples=150, deadline=None)
ROUND_TRIP = settings(max_examples=100, deadline=None)

# Each parser, called on text alone, with the type it returns.
PARSERS: dict[str, tuple[Callable[[str], Any], type]] = {
    "parse_name": (v.parse_name, str),
    "parse_free_text": (v.parse_free_text, str),
    "parse_cui": (v.parse_cui, str),
    "parse_nit": (v.parse_nit, str),
    "parse_phone": (v.parse_phone, str),
    "parse_email": (v.parse_email, str),
    "parse_date": (v.parse_date, date),
    "parse_birth_date": (lambda t: v.parse_birth_date(t, TODAY), date),
    "parse_expiration_date": (lambda t: v.parse_expiration_date(t, TODAY), date),
    "parse_past_date": (lambda t: v.parse_past_date(t, TODAY), date),
    "parse_country": (v.parse_country, str),
    "parse_department": (v.parse_department, str),
    "parse_currency": (v.parse_currency, int),
    "parse_gender": (v.parse_gender, Gender),
    "parse_marital_status": (v.parse_marital_status, MaritalStatus),
    "parse_yes_no": (v.parse_yes_no, bool),
}

# Characters that break naive parsers: controls, bidi and zero-width marks, combining
# accents, odd spaces and digits, emoji with modifiers, lone surrogates, separators.
TRICKY_CHARACTERS = st.sampled_from(
    [
        *"\x00\x07\t\n\r\x1b\x7f\x85\x9f",
        *"\u200b\u200c\u200d\u200e\u200f\u202a\u202e\u2066\u2069\ufeff\u00ad",
        *"\u0301\u0303\u20dd\u00a0\u2028\u3000",
        *"²①١٣５𝟏",
        *"🙂👍🏽\ufe0f🇬🇹",
        "\ud800",
        "\udfff",
        *"0123456789 -./,+()@$€Kk",
    ]
)
TRICKY_WORDS = st.sampled_from(["de", "marzo", "Sept", "GT-", "502", "00", "CF", "sí", "@x.com"])
ANY_TEXT = st.one_of(
    st.text(),
    st.text(st.one_of(TRICKY_CHARACTERS, st.characters()), max_size=40),
    st.lists(st.one_of(TRICKY_CHARACTERS, TRICKY_WORDS), max_size=30).map("".join),
)
LONG_TEXT = st.text(st.one_of(TRICKY_CHARACTERS, st.characters()), min_size=1, max_size=8).map(
    lambda chunk: (chunk * (10_000 // len(chunk) + 1))[:10_000]
)


def outcome(parse: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """What the parser returns, or the `Invalid` it raises (any other exception escapes)."""
    try:
        return parse(*args, **kwargs)
    except v.Invalid as error:
        return error


def check_parser(name: str, text: str) -> None:
    """`text` parses to the parser's type or is refused with one of its reasons."""
    parse, kind = PARSERS[name]
    result = outcome(parse, text)
    if isinstance(result, v.Invalid):
        assert result.reason in v.REASONS[name]
        assert all(isinstance(a, str | int) for a in result.args_.values())
    else:
        assert isinstance(result, kind)


def test_every_parser_is_fuzzed() -> None:
    assert set(PARSERS) == set(v.REASONS)


@pytest.mark.parametrize("name", sorted(PARSERS))
@FUZZ
@given(text=ANY_TEXT)
def test_any_text_gives_a_value_or_invalid(name: str, text: str) -> None:
    check_parser(name, text)


@pytest.mark.parametrize("name", sorted(PARSERS))
@settings(max_examples=5, deadline=None)
@given(text=LONG_TEXT)
def test_ten_thousand_characters_give_a_value_or_invalid(name: str, text: str) -> None:
    check_parser(name, text)


@FUZZ
@given(text=ANY_TEXT, region=st.sampled_from(["GT", "GTM", "US", "USA", "MX", "SLV", "ATA"]))
def test_phone_in_any_region_gives_a_value_or_invalid(text: str, region: str) -> None:
    result = outcome(v.parse_phone, text, region)
    if isinstance(result, v.Invalid):
        assert result.reason in v.REASONS["parse_phone"]
    else:
        assert re.fullmatch(r"\+[1-9][0-9]{3,14}", result)


@FUZZ
@given(text=ANY_TEXT)
def test_clean_text_is_clean_and_idempotent(text: str) -> None:
    cleaned = v.clean_text(text)
    assert v.clean_text(cleaned) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    assert cleaned == cleaned.strip()
    assert "  " not in cleaned
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in cleaned)
    assert not any(c.isspace() and c != " " for c in cleaned)


@FUZZ
@given(text=ANY_TEXT, max_length=st.integers(min_value=1, max_value=300))
def test_free_text_is_clean_and_bounded(text: str, max_length: int) -> None:
    result = outcome(v.parse_free_text, text, max_length=max_length)
    if isinstance(result, v.Invalid):
        assert result.reason in ("empty", "too-long")
    else:
        assert result == v.clean_text(result)
        assert 1 <= len(result) <= max_length


@FUZZ
@given(text=ANY_TEXT)
def test_an_accepted_name_is_clean_and_sized(text: str) -> None:
    name = outcome(v.parse_name, text)
    if not isinstance(name, v.Invalid):
        assert name == v.clean_text(name)
        assert 2 <= len(name) <= 60


@st.composite
def valid_cuis(draw: st.DrawFn) -> str:
    """A CUI with a right check digit and an existing department and municipality."""
    serial = draw(st.text("0123456789", min_size=8, max_size=8))
    check = sum(int(d) * w for d, w in zip(serial, range(2, 10), strict=True)) % 11
    department = draw(st.integers(min_value=1, max_value=22))
    municipality = draw(st.integers(min_value=1, max_value=MUNICIPALITIES[department - 1]))
    if check == 10:
        serial = serial[:-1] + str((int(serial[-1]) + 1) % 10)
        check = sum(int(d) * w for d, w in zip(serial, range(2, 10), strict=True)) % 11
    return f"{serial}{check}{department:02d}{municipality:02d}"


def sprinkle(draw: st.DrawFn, text: str, separators: str) -> str:
    """`text` with separators drawn between (and around) its characters."""
    gaps = draw(st.lists(st.text(separators, max_size=2), min_size=len(text) + 1))
    return "".join(gap + char for gap, char in zip(gaps, text, strict=False)) + gaps[len(text)]


@ROUND_TRIP
@given(data=st.data(), cui=valid_cuis())
def test_a_valid_cui_with_separators_parses_back(data: st.DataObject, cui: str) -> None:
    assert v.parse_cui(sprinkle(data.draw, cui, " -.")) == cui


@ROUND_TRIP
@given(
    cui=valid_cuis(),
    position=st.integers(min_value=0, max_value=8),
    shift=st.integers(min_value=1, max_value=9),
)
def test_one_wrong_digit_in_serial_or_check_breaks_the_checksum(
    cui: str, position: int, shift: int
) -> None:
    wrong = str((int(cui[position]) + shift) % 10)
    with pytest.raises(v.Invalid) as caught:
        v.parse_cui(cui[:position] + wrong + cui[position + 1 :])
    assert caught.value.reason == "checksum"


def nit_check(body: str) -> str:
    """SAT's check character, computed as spec/guatemala.md §2 states it."""
    weights = range(len(body) + 1, 1, -1)  # leftmost body digit has the largest weight
    remainder = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11
    return "0123456789K"[(11 - remainder) % 11]


@ROUND_TRIP
@given(
    data=st.data(),
    body=st.from_regex(r"[1-9][0-9]{0,10}", fullmatch=True),
    zeros=st.integers(min_value=0, max_value=2),
)
def test_a_valid_nit_in_any_spelling_parses_to_its_compact_form(
    data: st.DataObject, body: str, zeros: int
) -> None:
    nit = body + nit_check(body)
    # Thirteen digits may spell a valid CUI, which parse_nit rightly reports instead.
    assume(zeros + len(nit) != 13)
    typed = "0" * zeros + body + data.draw(st.sampled_from(["", "-", " - "])) + nit[-1].lower()
    assert v.parse_nit(sprinkle(data.draw, typed, " ")) == nit


MONTHS_ES = (
    *("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto"),
    *("septiembre", "octubre", "noviembre", "diciembre"),
)
MONTHS_EN = (
    *("January", "February", "March", "April", "May", "June", "July", "August"),
    *("September", "October", "November", "December"),
)


@ROUND_TRIP
@given(day=st.dates(min_value=date(1000, 1, 1)), style=st.integers(min_value=0, max_value=6))
def test_a_date_in_any_accepted_style_parses_back(day: date, style: int) -> None:
    es, en = MONTHS_ES[day.month - 1], MONTHS_EN[day.month - 1]
    typed = (
        f"{day.day:02d}/{day.month:02d}/{day.year}",
        f"{day.day}-{day.month}-{day.year}",
        f"{day.day}.{day.month}.{day.year}",
        day.isoformat(),
        f"{day.day} de {es} de {day.year}",
        f"{en} {day.day}, {day.year}",
        f"{day.day} {en[:3]} {day.year}",
    )[style]
    assert v.parse_date(typed) == day


@ROUND_TRIP
@given(born=st.dates(min_value=date(1890, 1, 1), max_value=date(2030, 12, 31)))
def test_an_accepted_birth_date_is_of_an_adult_of_at_most_120(born: date) -> None:
    result = outcome(v.parse_birth_date, born.strftime("%d/%m/%Y"), TODAY)
    adult = date(1905, 3, 16) <= born <= date(2008, 3, 15)
    if isinstance(result, v.Invalid):
        assert result.reason == ("too-young" if born > date(2008, 3, 15) else "too-old")
    else:
        assert result == born
    assert adult is not isinstance(result, v.Invalid)


@ROUND_TRIP
@given(
    national=st.from_regex(r"[345][0-9]{7}", fullmatch=True),
    prefix=st.sampled_from(["", "+502", "+502 ", "00502", "502", "(502) "]),
    hyphen=st.booleans(),
)
def test_a_guatemalan_mobile_in_any_spelling_is_stored_e164(
    national: str, prefix: str, hyphen: bool
) -> None:
    local = f"{national[:4]}-{national[4:]}" if hyphen else national
    assert v.parse_phone(prefix + local, "GT") == "+502" + national
