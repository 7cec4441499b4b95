"""Table-driven tests of the validators: every worked example of spec/guatemala.md."""

from __future__ import annotations

import gettext
import inspect
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

import pycountry
import pytest

from flows import validators as v
from flows.lead import Gender, MaritalStatus

TODAY = date(2026, 3, 15)

# spec/guatemala.md §1: municipalities per department 01..22, 340 in all.
MUNICIPALITIES = {
    **{1: 17, 2: 8, 3: 16, 4: 16, 5: 14, 6: 14, 7: 19, 8: 8, 9: 24, 10: 21, 11: 9},
    **{12: 30, 13: 33, 14: 21, 15: 8, 16: 17, 17: 14, 18: 5, 19: 11, 20: 11, 21: 7, 22: 17},
}

# spec/guatemala.md §4: the 22 departments and the letter codes ISO replaced in 2021.
DEPARTMENTS = (
    ("GT-01", "Guatemala", "GU"),
    ("GT-02", "El Progreso", "PR"),
    ("GT-03", "Sacatepéquez", "SA"),
    ("GT-04", "Chimaltenango", "CM"),
    ("GT-05", "Escuintla", "ES"),
    ("GT-06", "Santa Rosa", "SR"),
    ("GT-07", "Sololá", "SO"),
    ("GT-08", "Totonicapán", "TO"),
    ("GT-09", "Quetzaltenango", "QZ"),
    ("GT-10", "Suchitepéquez", "SU"),
    ("GT-11", "Retalhuleu", "RE"),
    ("GT-12", "San Marcos", "SM"),
    ("GT-13", "Huehuetenango", "HU"),
    ("GT-14", "Quiché", "QC"),
    ("GT-15", "Baja Verapaz", "BV"),
    ("GT-16", "Alta Verapaz", "AV"),
    ("GT-17", "Petén", "PE"),
    ("GT-18", "Izabal", "IZ"),
    ("GT-19", "Zacapa", "ZA"),
    ("GT-20", "Chiquimula", "CQ"),
    ("GT-21", "Jalapa", "JA"),
    ("GT-22", "Jutiapa", "JU"),
)


def reason_of(
    parse: Callable[..., Any], *args: Any, **kwargs: Any
) -> tuple[str, dict[str, str | int]]:
    """The reason and message arguments `parse` refuses its arguments with."""
    with pytest.raises(v.Invalid) as caught:
        parse(*args, **kwargs)
    return caught.value.reason, caught.value.args_


def cui_with(serial: str, department: int, municipality: int) -> str:
    """A CUI with a correct check digit (the serial must not give remainder 10)."""
    check = sum(int(d) * w for d, w in zip(serial, range(2, 10), strict=True)) % 11
    assert check < 10, "test data: choose a serial whose remainder is not 10"
    return f"{serial}{check}{department:02d}{municipality:02d}"


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# ---- Invalid and REASONS -------------------------------------------------------------------


def test_invalid_carries_reason_arguments_and_suggestions() -> None:
    error = v.Invalid("too-long", suggestions=("GTM",), max=60)
    assert (error.reason, error.args_, error.suggestions) == ("too-long", {"max": 60}, ("GTM",))
    assert v.Invalid("empty").suggestions == ()
    assert v.Invalid("empty").args_ == {}


def test_reasons_name_every_parser_and_are_short_kebab_case() -> None:
    parsers = {name for name in v.__all__ if name.startswith("parse_")}
    assert set(v.REASONS) == parsers
    for reasons in v.REASONS.values():
        assert len(set(reasons)) == len(reasons)
        for reason in reasons:
            assert re.fullmatch(r"[a-z]+(-[a-z]+)*", reason)
            assert len(reason) <= 16


@pytest.mark.parametrize("name", sorted(v.REASONS))
def test_each_docstring_lists_exactly_its_reasons(name: str) -> None:
    doc = inspect.getdoc(getattr(v, name)) or ""
    without_asides = re.sub(r"\([^)]*\)", "", doc)
    listed = re.search(r"Reasons:([^.]*)\.", without_asides)
    assert listed is not None, f"{name} docstring lists no reasons"
    assert tuple(r.strip() for r in listed.group(1).split(",")) == v.REASONS[name]


# ---- text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Ana   María  ", "Ana María"),
        ("Jose\u0301", "José"),  # decomposed accent composed (NFC)
        ("Ana\u200bMaría", "AnaMaría"),  # zero-width space
        ("\u200fAna\u200e", "Ana"),  # RTL and LTR marks
        ("\ufeffAna", "Ana"),  # byte order mark
        ("Ana\x00\x07\x1b\x9fMaría", "AnaMaría"),  # C0 and C1 controls
        ("Ana\tMaría\r\nPérez", "Ana María Pérez"),
        ("Ana\u00a0María\u2028Pérez", "Ana María Pérez"),  # no-break space, line separator
        ("\u2066zona 1\u2069", "zona 1"),  # bidi isolates
        ("", ""),
        ("\u200b \u200d\n", ""),
        ("🙂 ok", "🙂 ok"),
    ],
)
def test_clean_text(text: str, expected: str) -> None:
    assert v.clean_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("María José", "María José"),
        ("  juan   carlos ", "juan carlos"),
        ("O'Brien", "O'Brien"),
        ("D’Angelo", "D’Angelo"),
        ("Pérez-Molina", "Pérez-Molina"),
        ("de León", "de León"),
        ("Nguyễn", "Nguyễn"),
        ("王伟", "王伟"),
        ("Ix", "Ix"),
        ("Ana\u200b María", "Ana María"),
        ("a" * 60, "a" * 60),
    ],
)
def test_parse_name_accepts(text: str, expected: str) -> None:
    assert v.parse_name(text) == expected


@pytest.mark.parametrize(
    ("text", "reason", "args"),
    [
        ("", "empty", {}),
        ("  \u200b ", "empty", {}),
        ("a" * 61, "too-long", {"max": 60}),
        ("Juan2", "digits", {}),
        ("Juan ²", "digits", {}),
        ("J.", "characters", {}),
        ("Ana_María", "characters", {}),
        ("Ana@", "characters", {}),
        ("Ana 🙂", "characters", {}),
        ("-Ana", "characters", {}),
        ("Ana-", "characters", {}),
        ("'", "characters", {}),
        ("A", "too-short", {"min": 2}),
    ],
)
def test_parse_name_refuses(text: str, reason: str, args: dict[str, int]) -> None:
    assert reason_of(v.parse_name, text) == (reason, args)


def test_parse_free_text() -> None:
    assert v.parse_free_text("  5a avenida 3-45,\n zona 1 ") == "5a avenida 3-45, zona 1"
    assert v.parse_free_text("x" * 200) == "x" * 200
    assert v.parse_free_text("12") == "12"
    assert v.parse_free_text("Tiendita", max_length=8) == "Tiendita"
    assert reason_of(v.parse_free_text, "x" * 201) == ("too-long", {"max": 200})
    assert reason_of(v.parse_free_text, "Tiendita", max_length=7) == ("too-long", {"max": 7})
    for nothing in ("", "   ", "...", "🙂🙂", "\u200b"):
        assert reason_of(v.parse_free_text, nothing) == ("empty", {})


# ---- CUI and NIT ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234 56789 0101", "1234567890101"),
        ("1587564440904", "1587564440904"),
        ("2718 28188 0514", "2718281880514"),  # Sipacate, Escuintla's 14th
        ("3141-59266-1333", "3141592661333"),  # Petatán, Huehuetenango's 33rd
        ("1580352240101", "1580352240101"),
        ("1234.56789.0101", "1234567890101"),
        (" 1234 – 56789 – 0101 ", "1234567890101"),
        ("１２３４５６７８９０１０１", "1234567890101"),  # fullwidth digits
    ],
)
def test_parse_cui_accepts(text: str, expected: str) -> None:
    assert v.parse_cui(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("1234567800101", "checksum"),
        ("1680352240101", "checksum"),
        ("2415751810000", "checksum"),  # Minfin's invalid example (also dept 00)
        ("1000 00070 0101", "checksum"),  # remainder 10 matches no digit
        ("1234 56789 0118", "municipality"),  # Guatemala has 17
        ("1234 56789 0100", "municipality"),
        ("1234 56789 2301", "department"),
        ("1234 56789 0001", "department"),
        ("123456789010", "format"),
        ("12345678901010", "format"),
        ("1234 5678A 0101", "format"),
        ("", "format"),
        ("CUI 1234567890101", "format"),
    ],
)
def test_parse_cui_refuses(text: str, reason: str) -> None:
    assert reason_of(v.parse_cui, text) == (reason, {})


def test_municipality_table_has_340_and_bounds_every_department() -> None:
    assert sum(MUNICIPALITIES.values()) == 340
    for department, count in MUNICIPALITIES.items():
        last = cui_with("12345678", department, count)
        assert v.parse_cui(last) == last
        assert reason_of(v.parse_cui, cui_with("12345678", department, count + 1))[0] == (
            "municipality"
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("576937-K", "576937K"),
        ("576937-k", "576937K"),
        ("576937K", "576937K"),
        ("42932-5", "429325"),
        ("1234567-9", "12345679"),
        ("7108-0", "71080"),
        ("39525503", "39525503"),
        ("3952550-3", "39525503"),
        ("2725010", "2725010"),
        ("988842K", "988842K"),
        ("35263164", "35263164"),
        (" 1234 567-9 ", "12345679"),
        ("0576937-K", "576937K"),  # leading zeros dropped
    ],
)
def test_parse_nit_accepts(text: str, expected: str) -> None:
    assert v.parse_nit(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("8977112-0", "checksum"),
        ("1234567-8", "checksum"),
        ("12345678", "checksum"),
        ("576937-5", "checksum"),
        ("CF", "cf"),
        ("C/F", "cf"),
        ("c.f.", "cf"),
        ("Consumidor Final", "cf"),
        ("1234 56789 0101", "looks-like-cui"),
        ("1587564440904", "looks-like-cui"),
        ("1234567890123", "format"),  # 13 digits but no CUI: too long for a NIT
        ("K", "format"),
        ("0K", "format"),
        ("0000", "format"),
        ("", "format"),
        ("12K34", "format"),
        ("NIT 1234567-9", "format"),
    ],
)
def test_parse_nit_refuses(text: str, reason: str) -> None:
    assert reason_of(v.parse_nit, text) == (reason, {})


# ---- phone and email -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("+502 5555 1234", "GT", "+50255551234"),
        ("55551234", "GT", "+50255551234"),
        ("5555-1234", "GT", "+50255551234"),
        ("00502 5555 1234", "GT", "+50255551234"),
        ("502 5555 1234", "GT", "+50255551234"),
        ("(502) 5555-1234", "GT", "+50255551234"),
        ("+502-5555-1234", "GT", "+50255551234"),
        ("2222 3333", "GT", "+50222223333"),
        ("7723 4567", "GT", "+50277234567"),
        ("6623 4567", "GT", "+50266234567"),
        ("3123 4567", "GT", "+50231234567"),
        ("4123 4567", "GT", "+50241234567"),
        ("55551234", "GTM", "+50255551234"),  # the lead's country as alpha-3
        ("50255551234", "GTM", "+50255551234"),  # a Telegram contact without "+"
        ("12015550123", "GTM", "+12015550123"),  # a foreign Telegram contact
        ("+1 201 555 0123", "GTM", "+12015550123"),
        ("(201) 555-0123", "USA", "+12015550123"),
        ("00502 5555 1234", "USA", "+50255551234"),  # 00 is not the US exit code
        ("55 1234 5678", "MEX", "+525512345678"),
        ("５５５５１２３４", "GT", "+50255551234"),
    ],
)
def test_parse_phone_accepts(text: str, region: str, expected: str) -> None:
    assert v.parse_phone(text, region) == expected


def test_parse_phone_default_region_is_guatemala() -> None:
    assert v.parse_phone("5555 1234") == "+50255551234"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("6123 4567", "invalid"),  # fixed lines need a second digit 2-9
        ("7123 4567", "invalid"),
        ("8123 4567", "invalid"),
        ("9123 4567", "invalid"),
        ("1234 5678", "invalid"),
        ("0123 4567", "invalid"),
        ("+999 1234 5678", "invalid"),  # no such country code
        ("1234567", "too-short"),
        ("555", "too-short"),
        ("+502 555", "too-short"),
        ("555512345", "too-long"),
        ("5555 1234 5555 1234", "too-long"),
        ("5" * 300, "too-long"),
        ("abc", "letters"),
        ("5555-ABCD", "letters"),  # phonenumbers alone would read it as 5555 2223
        ("5555 12O4", "letters"),  # an O for a 0
        ("", "format"),
        ("+", "format"),
        ("5555 1234 ext 5", "letters"),  # E.164 has no room for an extension
    ],
)
def test_parse_phone_refuses(text: str, reason: str) -> None:
    assert reason_of(v.parse_phone, text, "GT") == (reason, {})


def test_parse_phone_refuses_a_region_that_is_no_country() -> None:
    with pytest.raises(ValueError, match="no ISO 3166 country"):
        v.parse_phone("55551234", "XXX")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Juan.Perez@GMAIL.com", "Juan.Perez@gmail.com"),  # the local part keeps its case
        ("  juan@example.com \n", "juan@example.com"),
        ("\u200bjuan@example.com", "juan@example.com"),
        ("juan@ＥＪＥＭＰＬＯ.com", "juan@ejemplo.com"),
        ("juan@mail.xn--p1ai", "juan@mail.рф"),
        ("Postmaster@example.com", "postmaster@example.com"),
        ("juan@peña.gt", "juan@peña.gt"),  # internationalized domains are fine
    ],
)
def test_parse_email_accepts(text: str, expected: str) -> None:
    assert v.parse_email(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "juan@localhost",
        "juan@empresa",
        "juan@x.local",
        "juan@example.test",
        "juan..perez@x.com",
        "jose.peña@correo.gt",  # non-ASCII mailbox: refused on purpose
        "juan perez@example.com",
        "juan",
        "@example.com",
        "",
    ],
)
def test_parse_email_refuses_without_library_text(text: str) -> None:
    assert reason_of(v.parse_email, text) == ("invalid", {})


# ---- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07/03/1990", date(1990, 3, 7)),
        ("7/3/1990", date(1990, 3, 7)),
        ("7-3-1990", date(1990, 3, 7)),
        ("7.3.1990", date(1990, 3, 7)),
        ("7 / 03 / 1990", date(1990, 3, 7)),
        ("1990-03-07", date(1990, 3, 7)),
        ("1990/3/7", date(1990, 3, 7)),
        ("7 de marzo de 1990", date(1990, 3, 7)),
        ("7 de Marzo del 1990", date(1990, 3, 7)),
        ("7 marzo 1990", date(1990, 3, 7)),
        ("7 mar 1990", date(1990, 3, 7)),
        ("7-mar-1990", date(1990, 3, 7)),
        ("March 7, 1990", date(1990, 3, 7)),
        ("march 7th, 1990", date(1990, 3, 7)),
        ("7 March 1990", date(1990, 3, 7)),
        ("7th of March 1990", date(1990, 3, 7)),
        ("1990 marzo 7", date(1990, 3, 7)),
        ("1ro de enero de 2000", date(2000, 1, 1)),
        ("1º de enero de 2000", date(2000, 1, 1)),
        ("5 ene 2000", date(2000, 1, 5)),
        ("5 abr. 2000", date(2000, 4, 5)),
        ("5 ago 2000", date(2000, 8, 5)),
        ("5 Aug 2000", date(2000, 8, 5)),
        ("5 sep 2000", date(2000, 9, 5)),
        ("5 sept 2000", date(2000, 9, 5)),
        ("5 de setiembre de 2000", date(2000, 9, 5)),
        ("5 dic 2000", date(2000, 12, 5)),
        ("5 Dec 2000", date(2000, 12, 5)),
        ("5 DE DICIEMBRE DE 2000", date(2000, 12, 5)),
        ("29/02/2020", date(2020, 2, 29)),
        ("١٢/٠٣/١٩٩٠", date(1990, 3, 12)),  # Arabic-Indic digits
    ],
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert v.parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("07/03/90", "year"),
        ("7 marzo 90", "year"),
        ("31/02/2020", "impossible"),
        ("29/02/2021", "impossible"),
        ("12/31/1990", "impossible"),  # never month first
        ("13/13/1990", "impossible"),
        ("00/01/1990", "impossible"),
        ("0000-01-01", "impossible"),
        ("7/3", "format"),
        ("marzo 1990", "format"),
        ("7 de marzo", "format"),
        ("07031990", "format"),
        ("7 foo 1990", "format"),
        ("7 marzo abril 1990", "format"),
        ("1990 7 marzo", "format"),
        ("07/003/1990", "format"),
        ("1990-03-07T10:00", "format"),
        ("ayer", "format"),
        ("", "format"),
    ],
)
def test_parse_date_refuses(text: str, reason: str) -> None:
    assert reason_of(v.parse_date, text) == (reason, {})


@pytest.mark.parametrize(
    ("text", "today", "outcome"),
    [
        ("15/03/2008", TODAY, date(2008, 3, 15)),  # 18 today
        ("16/03/2008", TODAY, ("too-young", {"min": 18})),  # 18 tomorrow
        ("01/01/2030", TODAY, ("too-young", {"min": 18})),  # not born yet
        ("15/03/1906", TODAY, date(1906, 3, 15)),  # 120 today
        ("16/03/1905", TODAY, date(1905, 3, 16)),  # 121 tomorrow
        ("15/03/1905", TODAY, ("too-old", {"max": 120})),
        ("29/02/2008", date(2026, 2, 28), ("too-young", {"min": 18})),
        ("29/02/2008", date(2026, 3, 1), date(2008, 2, 29)),
        ("31/02/2000", TODAY, ("impossible", {})),
    ],
)
def test_parse_birth_date(text: str, today: date, outcome: object) -> None:
    if isinstance(outcome, date):
        assert v.parse_birth_date(text, today) == outcome
    else:
        assert reason_of(v.parse_birth_date, text, today) == outcome


@pytest.mark.parametrize(
    ("text", "today", "outcome"),
    [
        ("15/03/2036", TODAY, date(2036, 3, 15)),
        ("22/03/2036", TODAY, date(2036, 3, 22)),  # a few days' grace
        ("23/03/2036", TODAY, ("too-far", {"years": 10})),
        ("01/01/2099", TODAY, ("too-far", {"years": 10})),
        ("07/03/2038", date(2028, 2, 29), date(2038, 3, 7)),
        ("08/03/2038", date(2028, 2, 29), ("too-far", {"years": 10})),
        ("01/01/2020", TODAY, date(2020, 1, 1)),  # expired: returned for confirmation
        ("01/01/20", TODAY, ("year", {})),
    ],
)
def test_parse_expiration_date(text: str, today: date, outcome: object) -> None:
    if isinstance(outcome, date):
        assert v.parse_expiration_date(text, today) == outcome
    else:
        assert reason_of(v.parse_expiration_date, text, today) == outcome


@pytest.mark.parametrize(
    ("expires", "expired"),
    [(date(2026, 3, 14), True), (date(2026, 3, 15), False), (date(2026, 3, 16), False)],
)
def test_is_expired_means_valid_through_the_day(expires: date, expired: bool) -> None:
    assert v.is_expired(expires, TODAY) is expired


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("15/03/2026", date(2026, 3, 15)),
        ("01/01/1990", date(1990, 1, 1)),
        ("16/03/2026", ("future", {})),
        ("31/12/1989", ("too-old", {"year": 1990})),
        ("30/02/2025", ("impossible", {})),
    ],
)
def test_parse_past_date(text: str, outcome: object) -> None:
    if isinstance(outcome, date):
        assert v.parse_past_date(text, TODAY) == outcome
    else:
        assert reason_of(v.parse_past_date, text, TODAY) == outcome


# ---- countries -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GT", "GTM"),
        ("GTM", "GTM"),
        ("gtm", "GTM"),
        ("320", "GTM"),
        ("Guatemala", "GTM"),
        ("República de Guatemala", "GTM"),
        ("Mexico", "MEX"),
        ("méxico", "MEX"),
        ("MÉXICO", "MEX"),
        ("Estados Unidos", "USA"),
        ("estados unidos de america", "USA"),
        ("USA", "USA"),
        ("US", "USA"),
        ("EEUU", "USA"),
        ("guate", "GTM"),
        ("Chapín", "GTM"),
        ("EE.UU.", "USA"),
        ("EE. UU.", "USA"),
        ("United States of America", "USA"),
        ("El Salvador", "SLV"),
        ("Belize", "BLZ"),
        ("Belice", "BLZ"),
        ("Perú", "PER"),
        ("Peru", "PER"),
        ("España", "ESP"),
        ("Reino Unido", "GBR"),
        ("Inglaterra", "GBR"),
        ("UK", "GBR"),
        ("Holanda", "NLD"),
        ("Países Bajos", "NLD"),
        ("Alemania", "DEU"),
        ("Corea del Sur", "KOR"),
        ("South Korea", "KOR"),
        ("Corea, República de", "KOR"),
        ("Bolivia", "BOL"),
        ("Rusia", "RUS"),
        ("4", "AFG"),
        ("004", "AFG"),
        ("guatemalteca", "GTM"),
        ("Salvadoreño", "SLV"),
        ("🇬🇹", "GTM"),
        ("🇲🇽", "MEX"),
        ("  guatemala. ", "GTM"),
    ],
)
def test_parse_country(text: str, expected: str) -> None:
    assert v.parse_country(text) == expected


def test_every_country_is_found_by_its_codes_and_names_in_both_languages() -> None:
    spanish = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"])
    for country in pycountry.countries:
        names = [country.alpha_2, country.alpha_3, country.numeric, country.name]
        names += [
            getattr(country, a) for a in ("official_name", "common_name") if a in dir(country)
        ]
        for name in names + [spanish.gettext(n) for n in names]:
            assert v.parse_country(name) == country.alpha_3, name
            assert v.parse_country(strip_accents(name).upper()) == country.alpha_3, name


@pytest.mark.parametrize(
    ("text", "first"),
    [("Guatemla", "GTM"), ("Mexco", "MEX"), ("Alemnia", "DEU"), ("Estado Unidos", "USA")],
)
def test_unknown_country_suggests_the_closest_first(text: str, first: str) -> None:
    with pytest.raises(v.Invalid) as caught:
        v.parse_country(text)
    assert caught.value.reason == "unknown"
    assert 1 <= len(caught.value.suggestions) <= 3
    assert caught.value.suggestions[0] == first
    assert all(pycountry.countries.get(alpha_3=s) for s in caught.value.suggestions)


@pytest.mark.parametrize("text", ["", "xyz", "qwzx", "🙂", "1234", "999", "q" * 5000])
def test_unknown_country_without_anything_close(text: str) -> None:
    with pytest.raises(v.Invalid) as caught:
        v.parse_country(text)
    assert (caught.value.reason, caught.value.suggestions) == ("unknown", ())


@pytest.mark.parametrize(
    ("alpha3", "lang", "expected"),
    [
        ("GTM", "es", "Guatemala"),
        ("GTM", "en", "Guatemala"),
        ("MEX", "es", "México"),
        ("MEX", "en", "Mexico"),
        ("USA", "es", "Estados Unidos"),
        ("USA", "en", "United States"),
        ("BLZ", "es", "Belice"),
        ("SLV", "es", "El Salvador"),
        ("PAN", "es", "Panamá"),
        ("ESP", "es", "España"),
        ("GBR", "es", "Reino Unido"),
        ("DEU", "es", "Alemania"),
        ("KOR", "es", "Corea del Sur"),
        ("KOR", "en", "South Korea"),
        ("BOL", "es", "Bolivia"),
        ("gtm", "es", "Guatemala"),
    ],
)
def test_country_name(alpha3: str, lang: str, expected: str) -> None:
    assert v.country_name(alpha3, lang) == expected


@pytest.mark.parametrize("lang", ["es", "en"])
def test_country_name_parses_back_for_every_country(lang: str) -> None:
    for country in pycountry.countries:
        assert v.parse_country(v.country_name(country.alpha_3, lang)) == country.alpha_3


def test_country_name_refuses_unknown_codes_and_languages() -> None:
    with pytest.raises(LookupError):
        v.country_name("XXX", "es")
    with pytest.raises(ValueError, match="unsupported language"):
        v.country_name("GTM", "fr")


# ---- departments ---------------------------------------------------------------------------


def test_departments_are_the_22_of_the_spec_in_code_order() -> None:
    assert v.departments() == tuple((code, name) for code, name, _old in DEPARTMENTS)


@pytest.mark.parametrize(("code", "name", "old"), DEPARTMENTS)
def test_parse_department_by_name_number_and_codes(code: str, name: str, old: str) -> None:
    number = int(code.removeprefix("GT-"))
    spellings = (
        name,
        name.upper(),
        strip_accents(name).lower(),
        f" {name}. ",
        code,
        code.lower(),
        code.replace("-", " "),
        str(number),
        f"{number:02d}",
        f"GT-{old}",
        f"gt {old.lower()}",
    )
    for text in spellings:
        assert v.parse_department(text) == name, text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("El Quiché", "Quiché"),
        ("el quiche", "Quiché"),
        ("Quiche", "Quiché"),
        ("Peten", "Petén"),
        ("Progreso", "El Progreso"),
        ("Xela", "Quetzaltenango"),
        ("GT-3", "Sacatepéquez"),
    ],
)
def test_parse_department_aliases(text: str, expected: str) -> None:
    assert v.parse_department(text) == expected


@pytest.mark.parametrize("text", ["", "0", "23", "GT-00", "GT-23", "GT-XX", "Mixco", "Chiapas"])
def test_parse_department_unknown(text: str) -> None:
    assert reason_of(v.parse_department, text) == ("unknown", {})


# ---- currencies ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GTQ", 320),
        ("gtq", 320),
        ("quetzal", 320),
        ("Quetzales", 320),
        ("Q", 320),
        ("320", 320),
        ("USD", 840),
        ("dólar", 840),
        ("Dolares", 840),
        ("dollars", 840),
        ("US Dollar", 840),
        ("Dólar estadounidense", 840),
        ("$", 840),
        ("US$", 840),
        ("840", 840),
        ("EUR", 978),
        ("euros", 978),
        ("€", 978),
        ("Peso mexicano", 484),
        ("MXN", 484),
        ("Lempiras", 340),
        ("8", 8),  # ALL, the Albanian lek, numeric 008
    ],
)
def test_parse_currency(text: str, expected: int) -> None:
    assert v.parse_currency(text) == expected


def test_every_currency_is_found_by_its_codes() -> None:
    for currency in pycountry.currencies:
        assert v.parse_currency(currency.alpha_3) == int(currency.numeric)
        assert v.parse_currency(currency.numeric) == int(currency.numeric)


@pytest.mark.parametrize("text", ["", "peso", "bitcoin", "000", "1234", "XXX1"])
def test_parse_currency_unknown(text: str) -> None:
    assert reason_of(v.parse_currency, text) == ("unknown", {})


@pytest.mark.parametrize(
    ("alpha3", "lang", "expected"),
    [
        ("GTQ", "es", "Quetzal (GTQ)"),
        ("USD", "es", "Dólar estadounidense (USD)"),
        ("USD", "en", "US Dollar (USD)"),
        ("usd", "en", "US Dollar (USD)"),
    ],
)
def test_currency_label(alpha3: str, lang: str, expected: str) -> None:
    assert v.currency_label(alpha3, lang) == expected


def test_currency_label_refuses_unknown_codes_and_languages() -> None:
    with pytest.raises(LookupError):
        v.currency_label("XYZ", "es")
    with pytest.raises(ValueError, match="unsupported language"):
        v.currency_label("GTQ", "fr")


# ---- choices -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *[(t, Gender.F) for t in ("F", "f", "mujer", "Femenino", "femenina", "female", "Woman")],
        *[(t, Gender.M) for t in ("M", "hombre", "Masculino", "male", "man", "varón")],
        *[(t, Gender.OTHER) for t in ("OTHER", "otro", "Otra", "other", "no binario", "X")],
    ],
)
def test_parse_gender(text: str, expected: Gender) -> None:
    assert v.parse_gender(text) is expected


@pytest.mark.parametrize("text", ["", "mujeres", "ninguno", "🙂"])
def test_parse_gender_unknown(text: str) -> None:
    assert reason_of(v.parse_gender, text) == ("unknown", {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *[(t, MaritalStatus.soltero) for t in ("soltero", "Soltera", "single", "SOLTERO")],
        *[(t, MaritalStatus.casado) for t in ("casado", "casada", "Married")],
        *[(t, MaritalStatus.viudo) for t in ("viudo", "viuda", "widowed", "widow", "widower")],
        *[(t, MaritalStatus.divorciado) for t in ("divorciado", "Divorciada", "divorced")],
        *[(t, MaritalStatus.separado) for t in ("separado", "separada", "separated")],
    ],
)
def test_parse_marital_status(text: str, expected: MaritalStatus) -> None:
    assert v.parse_marital_status(text) is expected


@pytest.mark.parametrize("text", ["", "unido", "comprometida", "s"])
def test_parse_marital_status_unknown(text: str) -> None:
    assert reason_of(v.parse_marital_status, text) == ("unknown", {})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *[(t, True) for t in ("sí", "Si", "SÍ", "¡Sí!", "s", "yes", "Y", "1", "claro", "OK")],
        *[(t, True) for t in ("dale", "simón", "de acuerdo", "👍", "👍🏽", "✅")],
        *[(t, False) for t in ("no", "No.", "NO", "n", "0", "nope", "negativo", "👎")],
    ],
)
def test_parse_yes_no(text: str, expected: bool) -> None:
    assert v.parse_yes_no(text) is expected


@pytest.mark.parametrize("text", ["", "tal vez", "maybe", "sí no", "2"])
def test_parse_yes_no_unknown(text: str) -> None:
    assert reason_of(v.parse_yes_no, text) == ("unknown", {})
