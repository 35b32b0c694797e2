"""Property tests of target resolution: the counters add up whatever the devices."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from smlog.services.dispatch.resolution import devices_json, resolve
from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2 as d

S = c.DeviceStatus
MODES = [1, 2, 3, 4]
_device = st.one_of(
    st.builds(
        lambda n, x, m: d.Device(
            device_type=d.DeviceType.DEVICE_TYPE_PHONE, address=f"+1555555{n:04d}",
            extension=x, delivery_modes=m,
        ),
        st.integers(0, 5), st.sampled_from(["", "12"]),
        st.lists(st.sampled_from([3, 4]), max_size=2, unique=True),
    ),
    st.builds(
        lambda n: d.Device(device_type=d.DeviceType.DEVICE_TYPE_EMAIL, address=f"a{n}@x.org"),
        st.integers(0, 3),
    ),
    st.builds(
        lambda n: d.Device(device_type=d.DeviceType.DEVICE_TYPE_PORTAL_INBOX, address=f"acct{n}"),
        st.integers(0, 3),
    ),
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(
    people=st.lists(st.lists(_device, max_size=6), max_size=8),
    modes=st.lists(st.sampled_from(MODES), min_size=1, max_size=4, unique=True),
    opted=st.sets(st.integers(0, 5), max_size=3),
)
def test_resolution_counts(people: list[list[d.Device]], modes: list[int], opted: set[int]) -> None:
    rows = [(i + 1, devices_json(d.Recipient(person_id=str(i), devices=p)))
            for i, p in enumerate(people)]  # fmt: skip
    opted_out = {f"+1555555{n:04d}" for n in opted}
    result = resolve(rows, modes, c.MessageType.MESSAGE_TYPE_GENERAL, opted_out)
    placeholders = [t for t in result.targets if t.status == S.DEVICE_STATUS_NO_DEVICE]
    real = [t for t in result.targets if t.status != S.DEVICE_STATUS_NO_DEVICE]
    assert sum(result.devices.values()) == len(real)
    reached = {t.recipient_id for t in real}
    no_device = {t.recipient_id for t in placeholders} - reached
    assert result.no_device_recipients == len(no_device)
    # Nobody counted had a device for any selected mode: every mode is a placeholder.
    per_person = Counter(t.recipient_id for t in placeholders)
    assert all(per_person[r] == len(modes) for r in no_device)
    assert result.recipients == len(people)
    firsts = Counter((t.recipient_id, t.mode) for t in result.targets if t.is_first_device)
    assert all(n == 1 for n in firsts.values())
    assert sum(result.first_devices.values()) == len(firsts)
    for t in result.targets:
        assert t.mode in modes
        if t.is_first_device:
            assert t.queued
        if t.status == S.DEVICE_STATUS_NOT_ELIGIBLE:
            assert t.mode == 4
            assert t.extension
        if t.status == S.DEVICE_STATUS_OPT_OUT:
            assert t.mode == 4
            assert t.address in opted_out
    # every (recipient, mode) has either devices or exactly one placeholder
    for rid, _ in rows:
        for mode in modes:
            kinds = [t for t in result.targets if t.recipient_id == rid and t.mode == mode]
            has_placeholder = any(t.status == S.DEVICE_STATUS_NO_DEVICE for t in kinds)
            assert has_placeholder == (len(kinds) == 1 and kinds[0].address == "")
    suppressed = sum(1 for t in real if not t.queued)
    assert sum(result.suppressed.values()) == suppressed
    assert result.pending == len(real) - suppressed
