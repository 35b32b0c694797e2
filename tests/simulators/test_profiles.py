"""The profiles produce the mixes docs/simulators.md promises."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from smlog.simulators.common.profile import Latency, Mix, scaled, stable_fraction
from smlog.simulators.mailgun.events import plan_email
from smlog.simulators.mailgun.profiles import PROFILES as MAILGUN_PROFILES
from smlog.simulators.voxology.plans import plan_call, plan_sms
from smlog.simulators.voxology.profiles import PROFILES as VOXOLOGY_PROFILES

N = 20_000


def shares(counts: Counter[str]) -> dict[str, float]:
    total = sum(counts.values())
    return {name: count / total for name, count in counts.items()}


def test_realistic_call_mix() -> None:
    profile = VOXOLOGY_PROFILES["realistic"]
    rng = random.Random(1)
    plans = [plan_call(profile, rng, None, frozenset()) for _ in range(N)]
    got = shares(Counter(plan.outcome for plan in plans))
    for outcome, weight in profile.call_mix.weights.items():
        assert got.get(outcome, 0.0) == pytest.approx(weight, abs=0.015)
    completed = [p.events[-1][1] for p in plans if p.outcome == "completed"]
    pressed = sum(event["digits"] == "0" for event in completed) / len(completed)
    assert pressed == pytest.approx(profile.press_zero, abs=0.02)
    assert all(p.end_s >= p.events[-1][0] for p in plans if p.events)


def test_realistic_sms_landlines_are_fixed_per_number() -> None:
    profile = VOXOLOGY_PROFILES["realistic"]
    numbers = [f"+1312555{n:04d}" for n in range(N)]
    landlines = [n for n in numbers if stable_fraction(n) < profile.landline_share]
    assert len(landlines) / N == pytest.approx(profile.landline_share, abs=0.01)
    plan = plan_sms(profile, random.Random(2), None, landline=True)
    assert [event["status"] for _, event in plan.events] == ["sent", "undelivered"]


def test_realistic_email_mix() -> None:
    profile = MAILGUN_PROFILES["realistic"]
    rng = random.Random(3)
    fates = Counter(plan_email(profile, rng, None)[0] for _ in range(N))
    got = shares(fates)
    for fate, weight in profile.mix.weights.items():
        assert got.get(fate, 0.0) == pytest.approx(weight, abs=0.01)


def test_perfect_profiles_always_succeed() -> None:
    rng = random.Random(4)
    voice = VOXOLOGY_PROFILES["perfect"]
    assert {plan_call(voice, rng, None, frozenset()).outcome for _ in range(500)} == {"completed"}
    mail = MAILGUN_PROFILES["perfect"]
    assert {plan_email(mail, rng, None)[0] for _ in range(500)} == {"delivered"}


def test_building_blocks() -> None:
    with pytest.raises(ValueError, match="low <= mode"):
        Latency(3, 1, 2)
    assert Latency(2, 2, 2).sample(random.Random()) == 2
    with pytest.raises(ValueError, match="positive"):
        Mix({"a": 0.0})
    assert Mix({"a": 1, "b": 3}).share("b") == 0.75
    assert scaled(10, 0) == 0
    assert scaled(10, 0.5) == 5
