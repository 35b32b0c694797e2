"""Voxology outcome profiles: the mix of final statuses and the latencies, in vendor seconds.

``realistic`` (the default) is what a district's evening General call looks like: about two
calls in three are answered, half of the answered press 0; 4 % of numbers are landlines that
cannot take a text. ``perfect`` makes everything succeed; ``harsh`` is a bad day.
"""

from __future__ import annotations

from dataclasses import dataclass

from smlog.simulators.common.profile import Latency, Mix

__all__ = ["PROFILES", "VoxologyProfile"]


@dataclass(frozen=True, slots=True)
class VoxologyProfile:
    name: str
    call_mix: Mix  # completed, busy, no-answer, failed, silent (never calls back)
    press_zero: float  # share of completed calls where the callee presses 0
    landline_share: float  # share of numbers (fixed per number) whose texts are undelivered
    sms_mix: Mix  # for the other numbers: delivered, failed, silent
    dial: Latency  # request -> ringing (or busy/failed signal starts)
    ring: Latency  # ringing -> answered
    ring_timeout: Latency  # ringing -> no-answer
    talk: Latency  # answered -> completed (the call's duration_s)
    busy: Latency  # dial -> busy
    fail: Latency  # dial -> failed
    sms_sent: Latency  # request -> sent
    sms_final: Latency  # sent -> delivered / undelivered
    reply: Latency  # delivered -> the recipient's reply (STOP, START, HELP)


_REALISTIC = VoxologyProfile(
    name="realistic",
    call_mix=Mix(
        {"completed": 0.65, "no-answer": 0.22, "busy": 0.08, "failed": 0.048, "silent": 0.002}
    ),
    press_zero=0.55,
    landline_share=0.04,
    sms_mix=Mix({"delivered": 0.993, "failed": 0.005, "silent": 0.002}),
    dial=Latency(0.5, 1.5, 4.0),
    ring=Latency(2.0, 6.0, 25.0),
    ring_timeout=Latency(25.0, 30.0, 35.0),
    talk=Latency(15.0, 35.0, 90.0),
    busy=Latency(1.0, 3.0, 6.0),
    fail=Latency(1.0, 3.0, 10.0),
    sms_sent=Latency(0.2, 0.8, 3.0),
    sms_final=Latency(1.0, 4.0, 30.0),
    reply=Latency(5.0, 20.0, 120.0),
)

_PERFECT = VoxologyProfile(
    name="perfect",
    call_mix=Mix({"completed": 1.0}),
    press_zero=1.0,
    landline_share=0.0,
    sms_mix=Mix({"delivered": 1.0}),
    dial=_REALISTIC.dial,
    ring=_REALISTIC.ring,
    ring_timeout=_REALISTIC.ring_timeout,
    talk=_REALISTIC.talk,
    busy=_REALISTIC.busy,
    fail=_REALISTIC.fail,
    sms_sent=_REALISTIC.sms_sent,
    sms_final=_REALISTIC.sms_final,
    reply=_REALISTIC.reply,
)

_HARSH = VoxologyProfile(
    name="harsh",
    call_mix=Mix(
        {"completed": 0.40, "no-answer": 0.30, "busy": 0.15, "failed": 0.10, "silent": 0.05}
    ),
    press_zero=0.40,
    landline_share=0.15,
    sms_mix=Mix({"delivered": 0.90, "failed": 0.05, "silent": 0.05}),
    dial=Latency(1.0, 3.0, 15.0),
    ring=Latency(3.0, 10.0, 30.0),
    ring_timeout=Latency(25.0, 30.0, 60.0),
    talk=Latency(10.0, 40.0, 180.0),
    busy=Latency(1.0, 4.0, 15.0),
    fail=Latency(2.0, 10.0, 60.0),
    sms_sent=Latency(0.5, 3.0, 30.0),
    sms_final=Latency(2.0, 20.0, 600.0),
    reply=Latency(5.0, 60.0, 600.0),
)

PROFILES: dict[str, VoxologyProfile] = {p.name: p for p in (_REALISTIC, _PERFECT, _HARSH)}
