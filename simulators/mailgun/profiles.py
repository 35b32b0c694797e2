"""Mailgun outcome profiles: the mix of email fates and their latencies, in vendor seconds.

``realistic`` (the default): 96.5 % delivered, 1.5 % hard bounces (invalid address), 0.8 %
suppressed (address bounced before), 1 % a temporary failure then delivered, 0.2 % never
heard of again; of delivered mail 35 % is opened, of opened mail 20 % clicked, 0.1 % of
delivered mail is reported as spam. ``perfect``: everything delivered. ``harsh``: a bad day.
"""

from __future__ import annotations

from dataclasses import dataclass

from smlog.simulators.common.profile import Latency, Mix

__all__ = ["PROFILES", "MailgunProfile"]


@dataclass(frozen=True, slots=True)
class MailgunProfile:
    name: str
    mix: Mix  # delivered, bounced, suppressed, tempfail, silent
    opened: float  # share of delivered mail that is opened
    clicked: float  # share of opened mail with a click
    complained: float  # share of delivered mail reported as spam
    accept: Latency  # request -> accepted
    deliver: Latency  # accepted -> delivered / failed
    redeliver: Latency  # temporary failure -> delivered
    open: Latency  # delivered -> opened
    click: Latency  # opened -> clicked
    complain: Latency  # delivered -> complained


_REALISTIC = MailgunProfile(
    name="realistic",
    mix=Mix(
        {
            "delivered": 0.965,
            "bounced": 0.015,
            "suppressed": 0.008,
            "tempfail": 0.010,
            "silent": 0.002,
        }
    ),
    opened=0.35,
    clicked=0.20,
    complained=0.001,
    accept=Latency(0.05, 0.2, 1.0),
    deliver=Latency(0.5, 3.0, 60.0),
    redeliver=Latency(60.0, 300.0, 900.0),
    open=Latency(30.0, 600.0, 7200.0),
    click=Latency(2.0, 20.0, 300.0),
    complain=Latency(60.0, 1800.0, 86400.0),
)

_PERFECT = MailgunProfile(
    name="perfect",
    mix=Mix({"delivered": 1.0}),
    opened=0.0,
    clicked=0.0,
    complained=0.0,
    accept=_REALISTIC.accept,
    deliver=_REALISTIC.deliver,
    redeliver=_REALISTIC.redeliver,
    open=_REALISTIC.open,
    click=_REALISTIC.click,
    complain=_REALISTIC.complain,
)

_HARSH = MailgunProfile(
    name="harsh",
    mix=Mix(
        {"delivered": 0.80, "bounced": 0.08, "suppressed": 0.04, "tempfail": 0.05, "silent": 0.03}
    ),
    opened=0.20,
    clicked=0.10,
    complained=0.01,
    accept=Latency(0.1, 1.0, 10.0),
    deliver=Latency(1.0, 30.0, 900.0),
    redeliver=Latency(300.0, 1800.0, 7200.0),
    open=_REALISTIC.open,
    click=_REALISTIC.click,
    complain=_REALISTIC.complain,
)

PROFILES: dict[str, MailgunProfile] = {p.name: p for p in (_REALISTIC, _PERFECT, _HARSH)}
