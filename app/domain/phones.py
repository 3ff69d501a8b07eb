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
