"""The one place phone numbers are understood; everything else receives E.164."""

from dataclasses import dataclass

import phonenumbers

from .errors import InvalidInput
from .limits import PHONE_TEXT_MAX, check_text

DEFAULT_REGION = 'RU'


@dataclass(frozen=True)
class Phone:
    """A normalised number with its extension kept apart."""

    number: str
    extension: str = ''


def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> Phone:
    """Parse any common spelling; accept possible numbers (a broken-but-plausible lead still gets in)."""
    text = check_text(raw, PHONE_TEXT_MAX, 'field.phones')
    if not text:
        raise InvalidInput('error.phone_required')
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput('error.phone_not_number', phone=text) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidInput('error.phone_impossible', phone=text)
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return Phone(number=number, extension=parsed.extension or '')


def phone_digits_query(text: str) -> str | None:
    """The digits to look for in phones when a search text is 4+ digits (spaces and dashes ignored)."""
    digits = ''.join(ch for ch in text if ch.isdigit())
    if len(digits) < 4 or any(ch.isalpha() for ch in text):
        return None
    if len(digits) == 11 and digits[0] == '8':  # a Russian national prefix typed as-is
        digits = '7' + digits[1:]
    return digits


def phone_search_fragments(text: str) -> list[str] | None:
    """What a phone searched for as people type it may be, in the stored E.164 (None: not a phone search).

    Any 4+ digits may be a piece from the middle («3453»). A number typed from its start says so: «+7 934 345»
    is the beginning of +7934345…, and a leading 8 is either the Russian trunk prefix («8 934 345» is
    +7934345…) or just a digit of the middle, so both are looked for."""
    digits = phone_digits_query(text)
    if digits is None:
        return None
    typed = text.strip()
    if typed.startswith('+'):
        return ['+' + digits]
    if digits[0] == '8':
        return [digits, '+7' + digits[1:]]
    return [digits]
