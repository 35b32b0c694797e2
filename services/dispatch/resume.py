"""Re-sending: the attempts stored but not known to be accepted are sent again, same key.

At start-up, and when another worker's lease ran out (``lease.take_over`` picks them).

An attempt without ``request_time`` may or may not have reached the vendor before the
process died; re-sending it with its stored idempotency key is safe either way (the vendor
replays its first answer). That includes a voice or text attempt a vendor callback already
made final while the process was down: the replayed answer gives it the vendor reference and
request time the dead process never wrote (not one ended by us: canceled, Error, Vendor
Error). An email batch is re-sent exactly as recorded. Requests held for a later try after a
vendor failure (``vendor_retries``) are not sent here: they keep their schedule
(``retries``), which builds their jobs with ``phone_jobs`` and ``email_job`` too.
"""

from __future__ import annotations

from collections.abc import Sequence

from smlog.services.dispatch.policy import EMAIL, TEXT, VOICE
from smlog.services.dispatch.pools import EmailJob, PhoneJob, Retry
from smlog.store import Database, Row, fetch_in
from smlog.v1.common_pb2 import DeviceStatus

# Final statuses dispatch gives an attempt without the vendor having accepted it.
ENDED_BY_US = (
    DeviceStatus.DEVICE_STATUS_CANCELED,
    DeviceStatus.DEVICE_STATUS_ERROR,
    DeviceStatus.DEVICE_STATUS_VENDOR_ERROR,
)

__all__ = ["ENDED_BY_US", "email_job", "phone_jobs"]

_UNSENT_PHONE = (
    "SELECT a.id, a.message_id, a.mode, a.idempotency_key, t.address, t.extension,"
    " t.priority FROM attempts a JOIN targets t ON t.id = a.target_id"
    " WHERE a.request_time IS NULL AND a.mode IN (?, ?)"
    " AND (a.is_final = 0 OR a.status NOT IN (?, ?, ?))"
)


async def phone_jobs(db: Database, held: Sequence[tuple[int, Retry | None]]) -> list[PhoneJob]:
    """Jobs of the held voice and text attempts (attempt id, retry state) still unsent."""
    if not held:
        return []
    retries = dict(held)
    rows = await fetch_in(
        db,
        _UNSENT_PHONE + " AND a.id IN ({marks}) ORDER BY a.id",
        list(retries),
        before=(VOICE, TEXT, *ENDED_BY_US),
    )
    return [_phone_job(r, retries[int(r["id"])]) for r in rows]


async def email_job(
    db: Database, message_id: int, key: str, first: int, last: int, retry: Retry | None
) -> EmailJob | None:
    """The recorded batch with its members not final yet (None when none is left)."""
    members = await db.fetch_all(
        "SELECT a.id, t.address, t.priority FROM attempts a JOIN targets t"
        " ON t.id = a.target_id WHERE a.message_id = ? AND a.mode = ? AND a.id BETWEEN ? AND ?"
        " AND a.is_final = 0 ORDER BY a.id",
        (message_id, EMAIL, first, last),
    )
    if not members:
        return None
    recipients = tuple((int(m["id"]), str(m["address"])) for m in members)
    return EmailJob(message_id, int(members[0]["priority"]), key, recipients, retry)


def _phone_job(r: Row, retry: Retry | None) -> PhoneJob:
    return PhoneJob(
        int(r["mode"]),
        int(r["id"]),
        int(r["message_id"]),
        int(r["priority"]),
        str(r["address"]),
        str(r["extension"]),
        str(r["idempotency_key"]),
        retry,
    )
