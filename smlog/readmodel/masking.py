"""How a device is shown in a Recipient Details row: masked by default, full with the right.

- phone (voice, text): "+15555550123" → full "(555) 555-0123", masked "(***) ***-0123";
  numbers outside the North American plan: full as stored, masked "***-" + last four digits;
  an extension is kept in both: " x123";
- email: "jane.doe@example.org" → masked "j***@example.org" (domain kept);
- inbox: the portal account id as is, masked or not (it is an account, not contact data);
- a No Device placeholder (empty address) shows as "".

Vendor detail is the vendor's own text, and bounce reasons often quote the address
("550 5.1.1 <jane.doe@example.org>: no such user"). Shown without the device-details right,
every email address and phone-number-like run of 7 to 15 digits inside it is masked the same
way (``mask_detail``); a date in a detail may be masked too, which hides nothing of use.
"""

from __future__ import annotations

import re

from smlog.domain.modes import PHONE_MODES
from smlog.v1.common_pb2 import DeliveryMode

# Plain ints: attribute lookups on protobuf enum wrappers cost more than this whole function.
_EMAIL = int(DeliveryMode.DELIVERY_MODE_EMAIL)
# An address: no spaces, brackets, quotes or separators around the "@".
_EMAIL_IN_TEXT = re.compile(r"[^\s<>\"'(),;:\[\]]+@[^\s<>\"'(),;:\[\]]+")
# A phone number: an optional "+", then 7 to 15 digits with at most two of " ().-" between.
_PHONE_IN_TEXT = re.compile(r"(?<![\w+])\+?(?:\d[\s().\-]{0,2}){6,14}\d(?!\w)")
_NON_DIGITS = str.maketrans("", "", "".join(chr(c) for c in range(128) if not chr(c).isdigit()))


def _digits(address: str) -> str:
    if address.isdigit():
        return address
    if address[:1] == "+" and address[1:].isdigit():  # E.164, the stored form
        return address[1:]
    return "".join(c for c in address.translate(_NON_DIGITS) if c.isdigit())


def format_phone(address: str, extension: str = "", *, full: bool) -> str:
    digits = _digits(address)
    if not digits:
        return ""
    nanp = (len(digits) == 11 and digits.startswith("1")) or len(digits) == 10
    local = digits[-10:]
    if full:
        text = f"({local[:3]}) {local[3:6]}-{local[6:]}" if nanp else address
    else:
        text = f"(***) ***-{local[6:]}" if nanp else f"***-{digits[-4:]}"
    if not extension:
        return text
    ext = _digits(extension)
    return f"{text} x{ext}" if ext else text


def mask_email(address: str) -> str:
    local, at, domain = address.partition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def show_device(mode: int, address: str, extension: str = "", *, full: bool) -> str:
    """The device column for one target."""
    if not address:
        return ""
    if mode in PHONE_MODES:
        return format_phone(address, extension, full=full)
    if mode == _EMAIL:
        return address if full else mask_email(address)
    return address


def _mask_phone_match(match: re.Match[str]) -> str:
    digits = "".join(c for c in match.group() if c.isdigit())
    return f"***-{digits[-4:]}"


def mask_detail(text: str) -> str:
    """Vendor detail with every email address and phone number in it masked."""
    if not text:
        return text
    if "@" in text:
        text = _EMAIL_IN_TEXT.sub(lambda m: mask_email(m.group()), text)
    return _PHONE_IN_TEXT.sub(_mask_phone_match, text)
