"""Pure parsers for what a prospect types: each returns the clean value or raises `Invalid`.

A reason becomes the catalog key `<field>-invalid-<reason>`; `REASONS` lists them per parser,
and the arguments a reason carries are named in the parser's docstring.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from flows.countries import (
    country_name,
    currency_label,
    departments,
    find_country,
    find_currency,
    find_department,
    fold,
    region_alpha2,
    similar_countries,
)
from flows.lead import Gender, MaritalStatus

__all__ = [
    "REASONS",
    "Invalid",
    "clean_text",
    "country_name",
    "currency_label",
    "departments",
    "is_expired",
    "parse_birth_date",
    "parse_country",
    "parse_cui",
    "parse_currency",
    "parse_date",
    "parse_department",
    "parse_email",
    "parse_expiration_date",
    "parse_free_text",
    "parse_gender",
    "parse_marital_status",
    "parse_name",
    "parse_nit",
    "parse_past_date",
    "parse_phone",
    "parse_yes_no",
]


class Invalid(Exception):
    """An answer that does not parse; `reason` is short kebab-case, `args_` fill the message."""

    def __init__(
        self, reason: str, *, suggestions: tuple[str, ...] = (), **args: str | int
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.args_: dict[str, str | int] = args
        self.suggestions = suggestions


# ---- text ---------------------------------------------------------------------------------

# Control (Cc), format (Cf: zero-width, bidi marks, BOM) and lone surrogates (Cs) are
# invisible in a chat and break matching, storage and the API; they are never meant.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs"})
_NAME_MIN, _NAME_MAX = 2, 60
_NAME_PUNCTUATION = frozenset(" '’-")
# ASCII hyphen-minus plus the dashes phone keyboards substitute for it (regex-escaped).
_DASHES = r"\-‐‑‒–—"


def clean_text(text: str) -> str:
    """NFC text without control or format characters, whitespace collapsed and trimmed."""
    spaced = (" " if c.isspace() else c for c in text)
    visible = "".join(c for c in spaced if unicodedata.category(c) not in _INVISIBLE)
    return unicodedata.normalize("NFC", " ".join(visible.split()))


def _is_letter(char: str) -> bool:
    return unicodedata.category(char)[0] in "LM"


def parse_name(text: str) -> str:
    """A first or last name in any script: letters, spaces, apostrophes, hyphens.

    Reasons: empty, too-long (max), digits, characters, too-short (min).
    """
    name = clean_text(text)
    if not name:
        raise Invalid("empty")
    if len(name) > _NAME_MAX:
        raise Invalid("too-long", max=_NAME_MAX)
    if any(unicodedata.category(c).startswith("N") for c in name):
        raise Invalid("digits")
    allowed = all(_is_letter(c) or c in _NAME_PUNCTUATION for c in name)
    starts_with_letter = unicodedata.category(name[0]).startswith("L")
    if not allowed or not starts_with_letter or not _is_letter(name[-1]):
        raise Invalid("characters")
    if len(name) < _NAME_MIN:
        raise Invalid("too-short", min=_NAME_MIN)
    return name


def parse_free_text(text: str, *, max_length: int = 200) -> str:
    """An address, activity or business name: any text with at least one letter or digit.

    Reasons: empty (also for punctuation or emoji alone), too-long (max).
    """
    value = clean_text(text)
    if not any(c.isalnum() for c in value):
        raise Invalid("empty")
    if len(value) > max_length:
        raise Invalid("too-long", max=max_length)
    return value


# ---- identity and tax numbers ---------------------------------------------------------------

# Municipalities per department 01..22 (spec/guatemala.md §1: 340 in all, Sipacate and Petatán).
_MUNICIPALITIES = (17, 8, 16, 16, 14, 14, 19, 8, 24, 21, 9, 30, 33, 21, 8, 17, 14, 5, 11, 11, 7, 17)
_NUMBER_SEPARATORS = re.compile(rf"[\s.{_DASHES}]")
_CUI = re.compile(r"[0-9]{13}")
_NIT = re.compile(r"[0-9]+[0-9K]")
_NIT_MAX = 12
_CONSUMIDOR_FINAL = frozenset({"cf", "consumidorfinal"})


def _ascii_digits(text: str) -> str:
    """Any script's decimal digits as ASCII (a fullwidth keyboard types "１２３")."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def _compact(text: str) -> str:
    """The text without spaces, hyphens, dashes or dots, digits made ASCII."""
    return _NUMBER_SEPARATORS.sub("", _ascii_digits(clean_text(text)))


def parse_cui(text: str) -> str:
    """The 13 digits of a CUI (DPI number), typed with any spaces, hyphens or dots.

    Reasons: format, checksum, department, municipality.
    """
    cui = _compact(text)
    if not _CUI.fullmatch(cui):
        raise Invalid("format")
    digits = [int(c) for c in cui]
    weighted = sum(d * w for d, w in zip(digits[:8], range(2, 10), strict=True))
    # A remainder of 10 matches no digit: such a serial is invalid (majority rule, §1).
    if weighted % 11 != digits[8]:
        raise Invalid("checksum")
    department, municipality = int(cui[9:11]), int(cui[11:13])
    if not 1 <= department <= len(_MUNICIPALITIES):
        raise Invalid("department")
    if not 1 <= municipality <= _MUNICIPALITIES[department - 1]:
        raise Invalid("municipality")
    return cui


def _nit_check(body: str) -> str:
    """SAT's mod-11 check character: weights 2, 3, … from the right; 10 is K."""
    total = sum(int(d) * w for w, d in enumerate(reversed(body), start=2))
    check = -total % 11
    return "K" if check == 10 else str(check)


def _is_cui(text: str) -> bool:
    try:
        parse_cui(text)
    except Invalid:
        return False
    return True


def parse_nit(text: str) -> str:
    """A NIT, compact: digits and its check character, K upper-case, no leading zeros.

    Reasons: format, checksum, cf (Consumidor Final is no merchant's NIT),
    looks-like-cui (a valid CUI typed instead).
    """
    if fold(text) in _CONSUMIDOR_FINAL:
        raise Invalid("cf")
    nit = _compact(text).upper()
    if not _NIT.fullmatch(nit):
        raise Invalid("format")
    if _CUI.fullmatch(nit) and _is_cui(nit):
        raise Invalid("looks-like-cui")
    nit = nit.lstrip("0")
    if not 2 <= len(nit) <= _NIT_MAX:
        raise Invalid("format")
    if _nit_check(nit[:-1]) != nit[-1]:
        raise Invalid("checksum")
    return nit


# ---- phone and email ------------------------------------------------------------------------

# A number typed without "+" that fails in the default region is retried as international
# (Telegram shares contacts as "50255551234") only when this long: shorter digit strings
# are mistyped local numbers, and a "+" would turn them into some other country's number.
_INTERNATIONAL_MIN_DIGITS = 10
_PARSE_ERRORS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "invalid",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too-short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too-short",
    phonenumbers.NumberParseException.TOO_LONG: "too-long",
}
_LENGTH_ERRORS = {
    phonenumbers.ValidationResult.TOO_SHORT: "too-short",
    phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "too-short",
    phonenumbers.ValidationResult.TOO_LONG: "too-long",
}


def _phone_reason(number: phonenumbers.PhoneNumber) -> str:
    """Why a parsed number is not valid, as precisely as phonenumbers can tell."""
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible in _LENGTH_ERRORS:
        return _LENGTH_ERRORS[possible]
    lengths = _line_lengths(number)
    if possible != phonenumbers.ValidationResult.INVALID_LENGTH or not lengths:
        return "invalid"
    # Between the country's lengths (GT: 8, or 11 for toll-free): compare with the
    # lengths of ordinary lines, so that 9 digits reads as one digit too many.
    significant = len(phonenumbers.national_significant_number(number))
    if significant > max(lengths):
        return "too-long"
    return "too-short" if significant < min(lengths) else "invalid"


def _line_lengths(number: phonenumbers.PhoneNumber) -> tuple[int, ...]:
    """The lengths of fixed and mobile numbers in the number's country (-1 marks none)."""
    region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return ()
    descriptions = (metadata.mobile, metadata.fixed_line)
    return tuple(n for d in descriptions if d is not None for n in d.possible_length if n > 0)


def _parse_number(text: str, region: str) -> phonenumbers.PhoneNumber:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise Invalid(_PARSE_ERRORS.get(error.error_type, "format")) from None
    if number.extension:
        raise Invalid("format")
    if not phonenumbers.is_valid_number(number):
        raise Invalid(_phone_reason(number))
    return number


def _as_international(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """The number read as international digits without their "+", if that makes it valid."""
    digits = re.sub(r"[^0-9]", "", _ascii_digits(text))
    if text.startswith("+") or len(digits) < _INTERNATIONAL_MIN_DIGITS:
        return None
    try:
        return _parse_number("+" + digits.removeprefix("00"), region)
    except Invalid:
        return None


def parse_phone(text: str, region: str = "GT") -> str:
    """A valid phone number in E.164 ("+50255551234"); bare national numbers are in `region`.

    `region` is the lead's country, alpha-2 or alpha-3 (ValueError if it is no country).
    Reasons: letters, format, invalid, too-short, too-long.
    """
    alpha2 = region_alpha2(region)
    value = clean_text(text)
    # phonenumbers reads letters as keypad digits ("5555-ABCD" → 5555 2223): a typo, never
    # a Guatemalan merchant's way of writing a number.
    if any(char.isalpha() for char in value):
        raise Invalid("letters")
    try:
        number = _parse_number(value, alpha2)
    except Invalid:
        international = _as_international(value, alpha2)
        if international is None:
            raise
        number = international
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_email(text: str) -> str:
    """An email address, normalized (domain lower-case); checked offline, ASCII before the @.

    Reasons: invalid.
    """
    try:
        # No DNS from flows/; non-ASCII mailbox names are refused: few providers issue
        # them and an "ñ" there is far more often an autocorrect slip than a real address.
        result = validate_email(clean_text(text), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise Invalid("invalid") from None
    return str(result.normalized)


# ---- dates ----------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("enero", "ene", "january", "jan"),
            ("febrero", "feb", "february"),
            ("marzo", "mar", "march"),
            ("abril", "abr", "april", "apr"),
            ("mayo", "may"),
            ("junio", "jun", "june"),
            ("julio", "jul", "july"),
            ("agosto", "ago", "august", "aug"),
            ("septiembre", "setiembre", "sep", "sept", "set", "september"),
            ("octubre", "oct", "october"),
            ("noviembre", "nov", "november"),
            ("diciembre", "dic", "december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_DATE_FILLER = frozenset({"de", "del", "of", "the"})
_DATE_SEPARATORS = re.compile(rf"[\s,/.{_DASHES}]+")
_DAY = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th|ero|er|ro|o|°)?")
_NUMBER = re.compile(r"[0-9]+")
_YEAR = re.compile(r"[0-9]{4}")
_SHORT_YEAR = re.compile(r"[0-9]{1,2}")
_EXPIRY_YEARS, _EXPIRY_GRACE = 10, timedelta(days=7)
_ADULT_AGE, _MAX_AGE = 18, 120
_FIRST_RTU_YEAR = 1990


def _date_words(text: str) -> list[str]:
    """Lower-case, accent-free, ASCII-digit parts of a typed date, filler words dropped."""
    decomposed = unicodedata.normalize("NFKD", clean_text(text))
    accentless = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = _ascii_digits(accentless).casefold()
    return [w for w in _DATE_SEPARATORS.split(plain) if w and w not in _DATE_FILLER]


def _year(word: str) -> int:
    if _YEAR.fullmatch(word):
        return int(word)
    raise Invalid("year" if _SHORT_YEAR.fullmatch(word) else "format")


def _day(word: str) -> int:
    match = _DAY.fullmatch(word)
    if match is None:
        raise Invalid("format")
    return int(match.group(1))


def _numeric_date(first: str, middle: str, last: str) -> tuple[int, int, int]:
    """Year first (ISO) or day first; a slash date is never read month-first."""
    if not all(_NUMBER.fullmatch(w) for w in (first, middle, last)) or len(middle) > 2:
        raise Invalid("format")
    if _YEAR.fullmatch(first):
        return int(first), int(middle), _day(last)
    return _year(last), int(middle), _day(first)


def _worded_date(words: list[str]) -> tuple[int, int, int]:
    """Dates with one month name: "7 de marzo de 1990", "March 7, 1990", "1990 mar 7"."""
    months = [i for i, w in enumerate(words) if w in _MONTHS]
    if len(months) != 1:
        raise Invalid("format")
    position = months[0]
    month = _MONTHS[words[position]]
    if position == 1 and _YEAR.fullmatch(words[0]):
        return int(words[0]), month, _day(words[2])
    if position == 2:
        raise Invalid("format")
    day_word, year_word = (w for i, w in enumerate(words) if i != position)
    return _year(year_word), month, _day(day_word)


def parse_date(text: str) -> date:
    """A calendar date, day first ("07/03/1990", "7 de marzo de 1990") or ISO ("1990-03-07").

    Reasons: format, year (two-digit years are ambiguous), impossible ("31/02/2020").
    """
    words = _date_words(text)
    if len(words) != 3:
        raise Invalid("format")
    if any(w in _MONTHS for w in words):
        year, month, day = _worded_date(words)
    else:
        year, month, day = _numeric_date(*words)
    try:
        return date(year, month, day)
    except ValueError:
        raise Invalid("impossible") from None


def _add_years(day: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _age(born: date, today: date) -> int:
    """Completed years by calendar date."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def parse_birth_date(text: str, today: date) -> date:
    """A date of birth of someone aged 18 to 120 on `today`.

    Reasons: format, year, impossible, too-young (min), too-old (max).
    """
    born = parse_date(text)
    age = _age(born, today)
    if age < _ADULT_AGE:
        raise Invalid("too-young", min=_ADULT_AGE)
    if age > _MAX_AGE:
        raise Invalid("too-old", max=_MAX_AGE)
    return born


def parse_expiration_date(text: str, today: date) -> date:
    """A DPI expiry date, at most 10 years (and a few days) ahead; an expired one is returned.

    Reasons: format, year, impossible, too-far (years). See `is_expired` for the confirmation the
    caller asks for.
    """
    expires = parse_date(text)
    if expires > _add_years(today, _EXPIRY_YEARS) + _EXPIRY_GRACE:
        raise Invalid("too-far", years=_EXPIRY_YEARS)
    return expires


def is_expired(d: date, today: date) -> bool:
    """True when a document valid through `d` is no longer valid on `today`."""
    return d < today


def parse_past_date(text: str, today: date) -> date:
    """A date in the past, from 1990 on (the last RTU update).

    Reasons: format, year, impossible, future, too-old (year).
    """
    day = parse_date(text)
    if day > today:
        raise Invalid("future")
    if day.year < _FIRST_RTU_YEAR:
        raise Invalid("too-old", year=_FIRST_RTU_YEAR)
    return day


# ---- places, currencies and choices ---------------------------------------------------------


def parse_country(text: str) -> str:
    """A country's alpha-3 code from a code, number, English or Spanish name, alias or flag.

    Reasons: unknown (with up to 3 alpha-3 `suggestions`, closest first).
    """
    value = clean_text(text)
    alpha3 = find_country(value)
    if alpha3 is None:
        raise Invalid("unknown", suggestions=similar_countries(value))
    return alpha3


def parse_department(text: str) -> str:
    """A Guatemalan department's name ("Sacatepéquez") from its name, number or ISO code.

    Reasons: unknown.
    """
    name = find_department(clean_text(text))
    if name is None:
        raise Invalid("unknown")
    return name


def parse_currency(text: str) -> int:
    """An ISO 4217 currency number (320 for "quetzales" or "Q", 840 for "USD" or "$").

    Reasons: unknown.
    """
    number = find_currency(clean_text(text))
    if number is None:
        raise Invalid("unknown")
    return number


_GENDERS: dict[str, Gender] = {
    **dict.fromkeys(("f", "mujer", "femenino", "femenina", "fem", "female", "woman"), Gender.F),
    **dict.fromkeys(("m", "hombre", "masculino", "masc", "varon", "male", "man"), Gender.M),
    **dict.fromkeys(
        ("other", "otro", "otra", "o", "x", "nobinario", "nobinaria", "nonbinary", "nb"),
        Gender.OTHER,
    ),
}

_MARITAL_STATUSES: dict[str, MaritalStatus] = {
    **dict.fromkeys(("soltero", "soltera", "single"), MaritalStatus.soltero),
    **dict.fromkeys(("casado", "casada", "married"), MaritalStatus.casado),
    **dict.fromkeys(("viudo", "viuda", "widowed", "widow", "widower"), MaritalStatus.viudo),
    **dict.fromkeys(("divorciado", "divorciada", "divorced"), MaritalStatus.divorciado),
    **dict.fromkeys(("separado", "separada", "separated"), MaritalStatus.separado),
}

_YES_NO: dict[str, bool] = {
    **dict.fromkeys(
        (
            *("si", "s", "sip", "simon", "claro", "correcto", "afirmativo", "porsupuesto"),
            *("deacuerdo", "dale", "va", "vapues", "ok", "okay", "vale", "1", "true"),
            *("yes", "y", "yeah", "yep", "sure", "ofcourse", "👍", "✅", "✔"),
        ),
        True,
    ),
    **dict.fromkeys(
        ("no", "n", "nop", "negativo", "paranada", "0", "false", "nope", "👎", "❌"), False
    ),
}


def parse_gender(text: str) -> Gender:
    """F, M or OTHER from a letter or word in Spanish or English ("mujer", "male", "otro").

    Reasons: unknown.
    """
    gender = _GENDERS.get(fold(clean_text(text)))
    if gender is None:
        raise Invalid("unknown")
    return gender


def parse_marital_status(text: str) -> MaritalStatus:
    """A marital status in either gender or in English ("casada", "widowed").

    Reasons: unknown.
    """
    status = _MARITAL_STATUSES.get(fold(clean_text(text)))
    if status is None:
        raise Invalid("unknown")
    return status


def parse_yes_no(text: str) -> bool:
    """True for yes ("sí", "claro", "ok", "1"), False for no ("no", "n", "0").

    Reasons: unknown.
    """
    answer = _YES_NO.get(fold(clean_text(text)))
    if answer is None:
        raise Invalid("unknown")
    return answer


_DATE_REASONS = ("format", "year", "impossible")

REASONS: dict[str, tuple[str, ...]] = {
    "parse_name": ("empty", "too-long", "digits", "characters", "too-short"),
    "parse_free_text": ("empty", "too-long"),
    "parse_cui": ("format", "checksum", "department", "municipality"),
    "parse_nit": ("format", "checksum", "cf", "looks-like-cui"),
    "parse_phone": ("letters", "format", "invalid", "too-short", "too-long"),
    "parse_email": ("invalid",),
    "parse_date": _DATE_REASONS,
    "parse_birth_date": (*_DATE_REASONS, "too-young", "too-old"),
    "parse_expiration_date": (*_DATE_REASONS, "too-far"),
    "parse_past_date": (*_DATE_REASONS, "future", "too-old"),
    "parse_country": ("unknown",),
    "parse_department": ("unknown",),
    "parse_currency": ("unknown",),
    "parse_gender": ("unknown",),
    "parse_marital_status": ("unknown",),
    "parse_yes_no": ("unknown",),
}
