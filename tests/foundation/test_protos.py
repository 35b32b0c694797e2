"""The API contract: generated code is fresh, and every status of the design is in it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from smlog.domain import STATUS_GROUPS, status_group, status_label
from smlog.v1 import common_pb2

ROOT = Path(__file__).resolve().parents[2]

DESIGN_GROUPS = {
    "successful": [
        "Sent", "Delivered", "Completed", "Not Confirmed", "Busy", "No Answer", "Not Eligible",
        "No Device", "No Call Status", "No Status", "Opt-Out", "Opt In",
    ],
    "error": ["Failed", "Undelivered", "Error", "Vendor Error"],
    "canceled": ["Canceled"],
    "pending": ["Queued", "In Progress"],
}  # fmt: skip


def test_generated_code_matches_the_protos() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tools.gen_protos", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_design_status_exists_in_its_group() -> None:
    by_label = {status_label(s): s for s in STATUS_GROUPS}
    for group_name, labels in DESIGN_GROUPS.items():
        group = common_pb2.StatusGroup.Value(f"STATUS_GROUP_{group_name.upper()}")
        for label in labels:
            assert label in by_label, label
            assert status_group(by_label[label]) == group, label
    design_total = sum(len(v) for v in DESIGN_GROUPS.values())
    assert len(common_pb2.DeviceStatus.keys()) == design_total + 1  # + UNSPECIFIED


def test_enums_start_with_unspecified() -> None:
    for enum in (
        common_pb2.DeliveryMode,
        common_pb2.MessageType,
        common_pb2.MessageStatus,
        common_pb2.DeviceStatus,
        common_pb2.StatusGroup,
    ):
        assert enum.Name(0).endswith("_UNSPECIFIED")
