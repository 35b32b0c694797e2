"""Timelines: what a call or a text goes through after it was accepted, in vendor seconds.

A plan is the list of callbacks to post (delay from acceptance, status fields) plus when the
call ends, so the concurrent-call limit frees its line at the right time even when the
callback is never posted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from smlog.simulators.voxology.magic import (
    OTHER_CHANNEL_SMS,
    OTHER_CHANNEL_VOICE,
    SMS,
    VOICE,
    SmsMagic,
    VoiceMagic,
)
from smlog.simulators.voxology.profiles import VoxologyProfile

__all__ = ["INTERMEDIATE_EVENTS", "Plan", "plan_call", "plan_sms", "sms_magic", "voice_magic"]

INTERMEDIATE_EVENTS = frozenset({"ringing", "answered"})
CALL_EVENTS = INTERMEDIATE_EVENTS | {"completed"}


@dataclass(slots=True)
class Plan:
    outcome: str
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    end_s: float = 0.0
    reply_at_s: float | None = None  # when a text's recipient may reply (delivered texts)


def voice_magic(number: str, call_number: int) -> tuple[str, str] | None:
    """(outcome, digits) forced by a magic number, or None for the profile's mix."""
    magic: VoiceMagic | None = VOICE.get(number)
    if magic is None and number in SMS:
        magic = OTHER_CHANNEL_VOICE
    if magic is None:
        return None
    outcome = magic.outcome_for(call_number)
    return outcome, magic.digits if outcome == "completed" else ""


def sms_magic(number: str) -> SmsMagic | None:
    magic = SMS.get(number)
    if magic is None and number in VOICE:
        return OTHER_CHANNEL_SMS
    return magic


def plan_call(
    profile: VoxologyProfile,
    rng: random.Random,
    forced: tuple[str, str] | None,
    events: frozenset[str],
) -> Plan:
    """The call's timeline; intermediate ``events`` (ringing, answered) only when asked for."""
    if forced is None:
        outcome = profile.call_mix.choose(rng)
        digits = "0" if rng.random() < profile.press_zero else ""
    else:
        outcome, digits = forced
    dial = profile.dial.sample(rng)
    plan = Plan(outcome)
    if outcome in ("completed", "silent"):
        answered = dial + profile.ring.sample(rng)
        talk = round(profile.talk.sample(rng))
        plan.end_s = answered + talk
        if outcome == "silent":
            return plan
        if "ringing" in events:
            plan.events.append((dial, {"status": "ringing"}))
        if "answered" in events:
            plan.events.append((answered, {"status": "answered"}))
        final = {"status": "completed", "digits": digits, "duration_s": talk}
        plan.events.append((plan.end_s, final))
    elif outcome == "no-answer":
        plan.end_s = dial + profile.ring_timeout.sample(rng)
        if "ringing" in events:
            plan.events.append((dial, {"status": "ringing"}))
        plan.events.append((plan.end_s, {"status": "no-answer", "duration_s": 0}))
    else:  # busy, failed: no ringing
        plan.end_s = dial + (profile.busy if outcome == "busy" else profile.fail).sample(rng)
        plan.events.append((plan.end_s, {"status": outcome, "duration_s": 0}))
    return plan


def plan_sms(
    profile: VoxologyProfile, rng: random.Random, forced: SmsMagic | None, landline: bool
) -> Plan:
    """The text's timeline: sent, then delivered or undelivered; failed alone; silent none."""
    if forced is not None:
        outcome = forced.outcome
    elif landline:
        outcome = "undelivered"
    else:
        outcome = profile.sms_mix.choose(rng)
    sent = profile.sms_sent.sample(rng)
    plan = Plan(outcome, end_s=sent)
    if outcome == "silent":
        return plan
    if outcome == "failed":
        failed = {"status": "failed", "error_code": "30008", "error_message": "unknown error"}
        plan.events.append((sent, failed))
        return plan
    plan.events.append((sent, {"status": "sent"}))
    plan.end_s = sent + profile.sms_final.sample(rng)
    if outcome == "undelivered":
        final = {
            "status": "undelivered",
            "error_code": "30006",
            "error_message": "landline or unreachable carrier",
        }
        plan.events.append((plan.end_s, final))
    else:
        plan.events.append((plan.end_s, {"status": "delivered"}))
        plan.reply_at_s = plan.end_s + profile.reply.sample(rng)
    return plan
