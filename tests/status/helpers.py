"""Rows for status tests, written straight into the store per 0001_initial.sql, and signed
webhook requests built with smlog.signing."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from prometheus_client import REGISTRY

from smlog.config import Settings
from smlog.domain.modes import mode_bits
from smlog.services.status.service import StatusParts, create_parts
from smlog.signing import sign_mailgun, sign_voxology
from smlog.store import Database
from smlog.v1.common_pb2 import DeliveryMode, DeviceStatus, StatusGroup
from tests.support.services import started_components

VOICE = DeliveryMode.DELIVERY_MODE_VOICE
TEXT = DeliveryMode.DELIVERY_MODE_TEXT
EMAIL = DeliveryMode.DELIVERY_MODE_EMAIL
QUEUED = DeviceStatus.DEVICE_STATUS_QUEUED
SHORT_CODE = "55555"
VOX_SECRET = "voxology-dev-webhook-secret"
MG_KEY = "mailgun-dev-signing-key"

_events = itertools.count(1)


@asynccontextmanager
async def started_status(settings: Settings) -> AsyncIterator[StatusParts]:
    """A status service's parts started without the gRPC host (webhook edge on port 0)."""
    parts = await create_parts(settings, http_port=0)
    async with started_components(parts.parts):
        yield parts


async def add_attempts(
    db: Database,
    mode: int,
    count: int = 1,
    *,
    ids: Sequence[int] | None = None,
    district_id: int = 1,
    address: str = "+15555550100",
    recipient: str = "Ann Lee",
    status: int = QUEUED,
) -> list[int]:
    """One message with ``count`` recipients, each with one target and its first attempt."""
    now = int(time.time() * 1e6)
    wanted = list(ids) if ids is not None else [None] * count
    async with db.transaction() as tx:
        message_id = await tx.insert(
            "INSERT INTO messages (district_id, request_id, created_by_user_id, created_by_name,"
            " message_type, subject, subject_folded, delivery_modes, content_json, status,"
            " create_time, sent_time, total_recipients, pending_targets)"
            " VALUES (?, ?, 'u1', 'User One', 1, 'Snow day', 'snow day', ?, '{}', 1, ?, ?, ?, ?)",
            (
                district_id,
                f"r{next(_events)}",
                mode_bits([mode]),
                now,
                now,
                len(wanted),
                len(wanted),
            ),
        )
        made = []
        for i, attempt_id in enumerate(wanted):
            recipient_id = await tx.insert(
                "INSERT INTO recipients (message_id, person_id, name) VALUES (?, ?, ?)",
                (message_id, f"p{i}", recipient),
            )
            target_id = await tx.insert(
                "INSERT INTO targets (message_id, recipient_id, mode, address, priority, status,"
                " status_group, status_time, attempt_count) VALUES (?, ?, ?, ?, 2, ?, ?, ?, 1)",
                (message_id, recipient_id, mode, address, status, _group(status), now),
            )
            made.append(
                await tx.insert(
                    # The store assigns the id when the test does not name one.
                    f"INSERT INTO attempts ({'id, ' if attempt_id else ''}target_id, message_id,"
                    " mode, number, idempotency_key, status, status_time, create_time)"
                    f" VALUES ({'?, ' if attempt_id else ''}?, ?, ?, 1, ?, ?, ?, ?)",
                    (
                        *([attempt_id] if attempt_id else []),
                        target_id,
                        message_id,
                        mode,
                        f"k{next(_events)}",
                        status,
                        now,
                        now,
                    ),
                )
            )
    return made


def _group(status: int) -> int:
    if status in (QUEUED, DeviceStatus.DEVICE_STATUS_IN_PROGRESS):
        return StatusGroup.STATUS_GROUP_PENDING
    return StatusGroup.STATUS_GROUP_SUCCESSFUL


async def attempt_row(db: Database, attempt_id: int) -> dict[str, Any]:
    row = await db.fetch_one("SELECT * FROM attempts WHERE id = ?", (attempt_id,))
    assert row is not None
    return dict(zip(row.keys(), tuple(row), strict=True))


async def target_of(db: Database, attempt_id: int) -> dict[str, Any]:
    row = await db.fetch_one(
        "SELECT t.* FROM targets t JOIN attempts a ON a.target_id = t.id WHERE a.id = ?",
        (attempt_id,),
    )
    assert row is not None
    return dict(zip(row.keys(), tuple(row), strict=True))


async def count(db: Database, sql: str, params: Sequence[Any] = ()) -> int:
    row = await db.fetch_one(sql, params)
    assert row is not None
    return int(row[0])


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def rfc3339(at: float | None = None) -> str:
    return datetime.fromtimestamp(time.time() if at is None else at, tz=UTC).isoformat()


def event_id() -> str:
    return f"ev-{next(_events)}-{time.monotonic_ns()}"


def call_payload(status: str, digits: str = "", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": event_id(),
        "call_id": "CA0001",
        "status": status,
        "timestamp": rfc3339(),
    }
    if digits:
        body["digits"] = digits
    body.update(extra)
    return body


def sms_payload(status: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "event_id": event_id(),
        "message_id": "SM0001",
        "status": status,
        "timestamp": rfc3339(),
    }
    body.update(extra)
    return body


def inbound_payload(
    text: str, sender: str = "+15555550100", to: str = SHORT_CODE
) -> dict[str, Any]:
    return {
        "event_id": event_id(),
        "message_id": "SM0002",
        "from": sender,
        "to": to,
        "body": text,
        "timestamp": rfc3339(),
    }


def voxology_request(
    payload: dict[str, Any] | bytes,
    path: str,
    *,
    secret: str = VOX_SECRET,
    now: float | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The body and signed headers of a Voxology callback posted to ``path`` (with query)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signed = sign_voxology(secret, body, url=path, now=now)
    return body, {"Content-Type": "application/json", **signed}


def mailgun_payload(
    event: str,
    attempt_id: int | str | None,
    *,
    key: str = MG_KEY,
    now: float | None = None,
    token: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": event_id(),
        "event": event,
        "timestamp": time.time(),
        "recipient": "parent@example.org",
        "message": {"headers": {"message-id": "m1@mg.smlog.test"}},
    }
    if attempt_id is not None:
        data["user-variables"] = {"attempt_id": str(attempt_id)}
    data.update(extra)
    return {"signature": sign_mailgun(key, now=now, token=token), "event-data": data}
