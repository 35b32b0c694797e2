"""Validation of ``POST /v3/<domain>/messages`` form fields, answering Mailgun's 400s."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import getaddresses
from typing import Any

from multidict import MultiMapping

__all__ = ["InvalidSend", "SendRequest", "parse_send", "user_variables"]

_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")
_RECIPIENT_VAR = re.compile(r"%recipient\.([A-Za-z0-9_.-]+)%")


class InvalidSend(Exception):
    """A send Mailgun refuses with 400; the message is Mailgun's."""


@dataclass(slots=True)
class SendRequest:
    sender: str
    subject: str
    recipients: list[str]
    variables: dict[str, Any] = field(default_factory=dict)  # recipient-variables
    user_vars: dict[str, str] = field(default_factory=dict)  # v:NAME templates
    tags: list[str] = field(default_factory=list)
    idempotency_key: str | None = None


def _text(form: MultiMapping[Any], name: str) -> str | None:
    value = form.get(name)
    return value if isinstance(value, str) else None


def parse_send(form: MultiMapping[Any], header_key: str | None, max_recipients: int) -> SendRequest:
    sender = _text(form, "from")
    if not sender or not sender.strip():
        raise InvalidSend("'from' parameter is missing")
    if not _ADDRESS.fullmatch(getaddresses([sender])[0][1] if sender else ""):
        raise InvalidSend("'from' parameter is not a valid address. please check documentation")
    raw_to = [value for value in form.getall("to", []) if isinstance(value, str)]
    if not raw_to:
        raise InvalidSend("'to' parameter is missing")
    recipients = [address for _, address in getaddresses(raw_to)]
    if not recipients or not all(_ADDRESS.fullmatch(address) for address in recipients):
        raise InvalidSend("'to' parameter is not a valid address. please check documentation")
    if len(recipients) > max_recipients:
        raise InvalidSend(f"Too many recipients: at most {max_recipients} per request")
    subject = _text(form, "subject")
    if subject is None or not subject.strip():
        raise InvalidSend("'subject' parameter is missing")
    if not any(_text(form, name) for name in ("text", "html", "template")):
        raise InvalidSend("Need at least one of 'text', 'html' or 'template' parameters specified")
    variables: dict[str, Any] = {}
    raw_vars = _text(form, "recipient-variables")
    if raw_vars:
        try:
            variables = json.loads(raw_vars)
        except ValueError:
            raise InvalidSend("recipient-variables parameter is not a valid JSON") from None
        if not isinstance(variables, dict):
            raise InvalidSend("recipient-variables parameter must be a JSON object")
    user_vars = {
        name[2:]: value
        for name, value in form.items()
        if name.startswith("v:") and isinstance(value, str) and len(name) > 2
    }
    tags = [value for value in form.getall("o:tag", []) if isinstance(value, str)][:10]
    key = _text(form, "h:Idempotency-Key") or header_key
    if key is not None and not 0 < len(key.strip()) <= 255:
        raise InvalidSend("Idempotency-Key must be 1-255 characters")
    return SendRequest(sender, subject, recipients, variables, user_vars, tags, key)


def user_variables(templates: Mapping[str, str], variables: Any) -> dict[str, str]:
    """``v:`` values for one recipient, ``%recipient.NAME%`` replaced from its variables."""
    own = variables if isinstance(variables, dict) else {}

    def substitute(match: re.Match[str]) -> str:
        value = own.get(match.group(1), "")
        return value if isinstance(value, str) else json.dumps(value)

    return {
        name: _RECIPIENT_VAR.sub(substitute, template) if "%recipient." in template else template
        for name, template in templates.items()
    }
