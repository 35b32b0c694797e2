"""Realistic per-attempt vendor event sequences (hypothesis strategies) for the
order-independence properties: a few pending events, then at most one final outcome."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import strategies as st

from smlog.services.status.events import StatusEvent
from smlog.services.status.mapping import map_mailgun, map_voxology_call, map_voxology_sms
from smlog.v1.common_pb2 import DeliveryMode

VOICE = DeliveryMode.DELIVERY_MODE_VOICE
TEXT = DeliveryMode.DELIVERY_MODE_TEXT
EMAIL = DeliveryMode.DELIVERY_MODE_EMAIL
T0 = 1_780_000_000_000_000


voice_codes = st.tuples(
    st.lists(st.sampled_from(["queued", "initiated", "ringing", "answered"]), max_size=3),
    st.one_of(
        st.none(),
        st.sampled_from(
            [("completed", "0"), ("completed", ""), ("busy", ""), ("no-answer", ""), ("failed", "")]
        ),
    ),
).map(lambda t: [(c, "") for c in t[0]] + ([t[1]] if t[1] else []))

text_codes = st.one_of(
    st.tuples(
        st.lists(st.sampled_from(["queued", "sending"]), max_size=2),
        st.booleans(),
        st.sampled_from([None, "delivered", "undelivered"]),
    ).map(lambda t: t[0] + (["sent"] if t[1] else []) + ([t[2]] if t[2] else [])),
    st.just(["queued", "failed"]),
)

email_codes = st.one_of(
    st.lists(st.sampled_from(["accepted", "delivered", "opened", "clicked"]), unique=True),
    st.lists(
        st.sampled_from(
            [("accepted", ""), ("failed", "temporary"), ("failed", "permanent"), ("complained", "")]
        ),
        unique=True,
    ).map(lambda xs: [f"{e}/{s}" if s else e for e, s in xs]),
)


def attempt_events(mode: int, codes: list[object], attempt_id: int, tag: str) -> list[StatusEvent]:
    events = []
    for i, raw in enumerate(codes):
        time = T0 + (attempt_id * 100 + i) * 1_000_000
        key = f"{tag}:{attempt_id}:{i}"
        if mode == VOICE:
            code, digits = raw if isinstance(raw, tuple) else (str(raw), "")
            m = map_voxology_call(code, digits)
            events.append(
                StatusEvent(
                    key, attempt_id, m.status, time, code, m.detail, "voxology-call", mode=VOICE
                )
            )
        elif mode == TEXT:
            m = map_voxology_sms(str(raw))
            events.append(
                StatusEvent(
                    key, attempt_id, m.status, time, str(raw), m.detail, "voxology-sms", mode=TEXT
                )
            )
        else:
            event, _, severity = str(raw).partition("/")
            m = map_mailgun(event, severity, "mailbox does not exist" if severity else "")
            events.append(
                StatusEvent(
                    key, attempt_id, None, time, event, m.detail, "mailgun", m.detail_rank, EMAIL
                )
            )
    return events


plans = st.lists(
    st.one_of(
        st.tuples(st.just(VOICE), voice_codes),
        st.tuples(st.just(TEXT), text_codes),
        st.tuples(st.just(EMAIL), email_codes),
    ),
    min_size=1,
    max_size=6,
)


def with_attempt(events: list[StatusEvent], attempt_ids: dict[int, int]) -> list[StatusEvent]:
    return [replace(e, attempt_id=attempt_ids[e.attempt_id]) for e in events]


@st.composite
def arrivals(draw: st.DrawFn, events: list[StatusEvent]) -> list[StatusEvent]:
    """Every event at least once, some several times, in any order."""
    extra = draw(st.lists(st.sampled_from(events), max_size=len(events))) if events else []
    return draw(st.permutations(events + extra))
