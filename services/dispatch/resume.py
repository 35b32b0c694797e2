"""Start-up: the attempts stored but not known to be accepted are sent again, same key.

An attempt without ``request_time`` may or may not have reached the vendor before the
process died; re-sending it with its stored idempotency key is safe either way (the vendor
replays its first answer). That includes a voice or text attempt a vendor callback already
made final while the process was down: the replayed answer gives it the vendor reference and
request time the dead process never wrote (not one ended by us: canceled, Error, Vendor
Error). An email batch is re-sent exactly as recorded.
"""

from __future__ import annotations

from services.dispatch.jobs import EmailJob, Job, PhoneJob
from services.dispatch.policy import EMAIL, TEXT, VOICE
from smlog.store import Database
from smlog.v1.common_pb2 import DeviceStatus

# Final statuses dispatch gives an attempt without the vendor having accepted it.
ENDED_BY_US = (
    DeviceStatus.DEVICE_STATUS_CANCELED,
    DeviceStatus.DEVICE_STATUS_ERROR,
    DeviceStatus.DEVICE_STATUS_VENDOR_ERROR,
)

__all__ = ["unsent_jobs"]


async def unsent_jobs(db: Database) -> list[Job]:
    jobs: list[Job] = []
    rows = await db.fetch_all(
        "SELECT a.id, a.message_id, a.mode, a.idempotency_key, t.address, t.extension,"
        " t.priority FROM attempts a JOIN targets t ON t.id = a.target_id"
        " WHERE a.request_time IS NULL AND a.mode IN (?, ?)"
        " AND (a.is_final = 0 OR a.status NOT IN (?, ?, ?)) ORDER BY a.id",
        (VOICE, TEXT, *ENDED_BY_US),
    )
    for r in rows:
        jobs.append(
            PhoneJob(int(r[2]), int(r[0]), int(r[1]), int(r[6]), str(r[4]), str(r[5]), str(r[3]))
        )
    batches = await db.fetch_all(
        "SELECT message_id, idempotency_key, first_attempt_id, last_attempt_id"
        " FROM email_batches WHERE request_time IS NULL ORDER BY id"
    )
    for b in batches:
        members = await db.fetch_all(
            "SELECT a.id, t.address, t.priority FROM attempts a JOIN targets t"
            " ON t.id = a.target_id WHERE a.message_id = ? AND a.mode = ? AND a.id BETWEEN ? AND ?"
            " AND a.is_final = 0 ORDER BY a.id",
            (int(b[0]), EMAIL, int(b[2]), int(b[3])),
        )
        if members:
            jobs.append(
                EmailJob(
                    int(b[0]),
                    int(members[0][2]),
                    str(b[1]),
                    tuple((int(m[0]), str(m[1])) for m in members),
                )
            )
    return jobs
