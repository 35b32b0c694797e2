"""Sending a campaign through DispatchService: from a file or from code.

``send_campaign`` creates the message (retry-safe by request id), streams the recipients in
batches that stay far below the 4 MiB message limit, and starts dispatch.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from google.protobuf.json_format import ParseDict, ParseError

from smlog.errors import ConfigError
from smlog.v1 import common_pb2, dispatch_pb2, dispatch_pb2_grpc

RECIPIENT_BATCH = 1000

# Enum fields a campaign file may write in short form ("voice" for DELIVERY_MODE_VOICE).
_ENUM_FIELDS = {
    "message_type": "MESSAGE_TYPE_",
    "message_types": "MESSAGE_TYPE_",
    "delivery_modes": "DELIVERY_MODE_",
    "device_type": "DEVICE_TYPE_",
}


def _expand(value: Any, prefix: str) -> Any:
    if isinstance(value, list):
        return [_expand(v, prefix) for v in value]
    if isinstance(value, str):
        key = value.strip().upper().replace("-", "_").replace(" ", "_")
        return key if key.startswith(prefix) else prefix + key
    return value


def _normalize(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: _expand(v, _ENUM_FIELDS[k]) if k in _ENUM_FIELDS else _normalize(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_normalize(v) for v in node]
    return node


def load_campaign_file(
    path: Path,
) -> tuple[str, dispatch_pb2.MessageDraft, list[dispatch_pb2.Recipient]]:
    """A campaign from YAML or JSON: ``request_id``, ``message`` and ``recipients``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: not valid {path.suffix.lstrip('.') or 'YAML'}: {exc}") from None
    if not isinstance(data, dict) or "message" not in data:
        raise ConfigError(f"{path}: expected a mapping with 'message' and 'recipients'")
    data = _normalize(data)
    try:
        draft = ParseDict(data["message"], dispatch_pb2.MessageDraft())
        recipients = [ParseDict(r, dispatch_pb2.Recipient()) for r in data.get("recipients", [])]
    except ParseError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    request_id = str(data.get("request_id") or f"file:{path.name}")
    return request_id, draft, recipients


async def _batches(
    message_id: int, recipients: Iterable[dispatch_pb2.Recipient], size: int
) -> AsyncIterator[dispatch_pb2.AddRecipientsRequest]:
    batch: list[dispatch_pb2.Recipient] = []
    for recipient in recipients:
        batch.append(recipient)
        if len(batch) >= size:
            yield dispatch_pb2.AddRecipientsRequest(message_id=message_id, recipients=batch)
            batch = []
    if batch:
        yield dispatch_pb2.AddRecipientsRequest(message_id=message_id, recipients=batch)


async def send_campaign(
    stub: dispatch_pb2_grpc.DispatchServiceAsyncStub,
    request_id: str,
    draft: dispatch_pb2.MessageDraft,
    recipients: Sequence[dispatch_pb2.Recipient] | Iterable[dispatch_pb2.Recipient],
    *,
    start: bool = True,
    batch_size: int = RECIPIENT_BATCH,
    timeout: float = 120.0,
) -> int:
    """Create, fill and start a message; returns its id."""
    created = await stub.CreateMessage(
        dispatch_pb2.CreateMessageRequest(request_id=request_id, message=draft)
    )
    message_id: int = created.message_id
    if created.status == common_pb2.MESSAGE_STATUS_DRAFT:
        batches: Any = _batches(message_id, recipients, batch_size)  # async iterators are fine
        await stub.AddRecipients(batches, timeout=timeout)
        if start:
            await stub.StartDispatch(dispatch_pb2.StartDispatchRequest(message_id=message_id))
    return message_id
