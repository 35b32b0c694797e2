"""The dispatch service: its stages, in the order a campaign goes through them, and the loops.

RPCs (``servicer``), each a thin handler over one stage:

1. ``accept``   CreateMessage, AddRecipients: a draft and its recipients (``validation``).
2. ``start``    StartDispatch: recipients → device targets (``resolution``, pure) and the
                suppressed contacts (``optouts``), the message opened in one transaction.
3. ``claim``    (scheduler loop) due targets by priority and dialing window (``window``)
                → stored attempts and jobs; inbox is completed here.
4. ``send``     (vendor pools, ``pools``) one job → one vendor request.
   ``outages``  breaker admission per vendor and channel (``breaker``); a failed request is
                held for a later try until its horizon (``retries``).
5. ``record``   (writer loop) vendor answers and held requests, written in batches.
6. ``settle``   (outcome loop) the status service's final statuses → final or redial, the
                counters, the message's completion; the rules are ``decisions`` (pure).
7. ``cancel``   CancelMessage: what has not gone out yet closes.
8. ``deadlines`` (deadline loop) attempts with no final status past their deadline close.
9. ``progress``, ``watch``  GetProgress / WatchMessage from the stored counters.
10. ``resume``  at start-up: attempts stored but not known sent are sent again, same key.

Beside the pipeline: ``resend`` (ResendMessage: a finished message again, to the devices it
did not reach, through ``accept`` and ``start``) and ``retention`` (``Purger``: finished
messages past their district's retention period). ``faults`` holds the hooks tests turn on.

``loops.Dispatcher`` runs the loops; ``attempt_state.AttemptState`` is the one owner of
what is held in memory about attempts (sending, sent but not recorded).
"""

from __future__ import annotations

from smlog.config import Settings
from smlog.runtime import ServiceParts, Servicer
from smlog.services.dispatch.catalog import Catalog
from smlog.services.dispatch.clock import Clock, SystemClock
from smlog.services.dispatch.loops import Dispatcher
from smlog.services.dispatch.retention import Purger
from smlog.services.dispatch.servicer import DispatchServicer
from smlog.services.dispatch.wakeups import Wakeups
from smlog.services.dispatch.watch import ProgressWatch
from smlog.store import open_database
from smlog.v1 import dispatch_pb2_grpc
from smlog.vendors import MailgunClient, VoxologyClient


async def create(settings: Settings, *, clock: Clock | None = None) -> ServiceParts:
    db = await open_database(settings)
    clock = clock or SystemClock()
    catalog = Catalog(db)
    voxology = VoxologyClient(settings)
    engine = Dispatcher(
        settings,
        db,
        clock,
        catalog,
        voice=voxology,
        text=voxology,
        email=MailgunClient(settings),
    )
    watch = ProgressWatch(db, settings, clock.now_us)

    def work() -> None:
        engine.wake()
        engine.nudge()

    wakeups = Wakeups(
        db,
        on_work=work,
        on_progress=watch.hub.notified,
        on_listening=watch.hub.slow_down,
        on_canceled=engine.canceled_elsewhere,
    )
    servicer = DispatchServicer(db=db, clock=clock, catalog=catalog, engine=engine, watch=watch)
    purger = Purger(
        db,
        clock.now_us,
        interval_seconds=settings.retention_interval_seconds,
        batch=settings.retention_batch_rows,
        max_messages=settings.retention_max_messages,
    )
    return ServiceParts(
        name="dispatch",
        servicers=[
            Servicer(
                dispatch_pb2_grpc.add_DispatchServiceServicer_to_server,
                servicer,
                "smlog.v1.DispatchService",
            )
        ],
        components=[engine, watch, purger, wakeups],
        on_close=[db.close],
    )
