"""Device statuses as data (docs/statuses.md): their group, their label and forward order.

Statuses only move forward. Rank 0 and 1 are pending (Queued, In Progress); rank 2 is Sent,
which is final for Inbox and Email (dispatch sets it once the portal or Mailgun accepted the
message) but provisional for Text (the carrier accepted it; Delivered or Undelivered may still
follow, and if nothing follows before the status deadline, Sent becomes final); rank 3 is
final. An attempt never moves to a lower or equal rank, and a final status is frozen: the first
final status an attempt reaches is its last, with one exception. A final status a status
deadline set because no answer came (No Call Status, No Status, or a text's Sent) is
provisional: a status the vendor reports later replaces it (``replaces_deadline``).
"""

from __future__ import annotations

from smlog.v1.common_pb2 import DeliveryMode, DeviceStatus, StatusGroup

_S = DeviceStatus
_G = StatusGroup

STATUS_GROUPS: dict[int, int] = {
    _S.DEVICE_STATUS_QUEUED: _G.STATUS_GROUP_PENDING,
    _S.DEVICE_STATUS_IN_PROGRESS: _G.STATUS_GROUP_PENDING,
    _S.DEVICE_STATUS_SENT: _G.STATUS_GROUP_SUCCESSFUL,
    _S.DEVICE_STATUS_DELIVERED: _G.STATUS_GROUP_SUCCESSFUL,
    _S.DEVICE_STATUS_COMPLETED: _G.STATUS_GROUP_SUCCESSFUL,
    _S.DEVICE_STATUS_NOT_CONFIRMED: _G.STATUS_GROUP_SUCCESSFUL,
    _S.DEVICE_STATUS_BUSY: _G.STATUS_GROUP_SUCCESSFUL,
    _S.DEVICE_STATUS_NO_ANSWER: _G.STATUS_GROUP_SUCCESSFUL,
    _S.DEVICE_STATUS_NOT_ELIGIBLE: _G.STATUS_GROUP_SUCCESSFUL,
    _S.DEVICE_STATUS_NO_DEVICE: _G.STATUS_GROUP_SUCCESSFUL,
    _S.DEVICE_STATUS_NO_CALL_STATUS: _G.STATUS_GROUP_SUCCESSFUL,
    _S.DEVICE_STATUS_NO_STATUS: _G.STATUS_GROUP_SUCCESSFUL,
    _S.DEVICE_STATUS_OPT_OUT: _G.STATUS_GROUP_SUCCESSFUL,
    _S.DEVICE_STATUS_OPT_IN: _G.STATUS_GROUP_SUCCESSFUL,
    _S.DEVICE_STATUS_FAILED: _G.STATUS_GROUP_ERROR,
    _S.DEVICE_STATUS_UNDELIVERED: _G.STATUS_GROUP_ERROR,
    _S.DEVICE_STATUS_ERROR: _G.STATUS_GROUP_ERROR,
    _S.DEVICE_STATUS_VENDOR_ERROR: _G.STATUS_GROUP_ERROR,
    _S.DEVICE_STATUS_CANCELED: _G.STATUS_GROUP_CANCELED,
}

PENDING_STATUSES: frozenset[int] = frozenset(
    s for s, g in STATUS_GROUPS.items() if g == _G.STATUS_GROUP_PENDING
)
_PROVISIONAL: frozenset[int] = frozenset({_S.DEVICE_STATUS_SENT})
# Final in every mode (Sent is final only outside Text: see is_final).
FINAL_STATUSES: frozenset[int] = frozenset(STATUS_GROUPS) - PENDING_STATUSES - _PROVISIONAL

# What vendors report (the mapping tables of docs/status.md). The rest (No Call Status, No
# Status, Error, Vendor Error, Canceled, the suppressions) dispatch decides itself.
VENDOR_STATUSES: frozenset[int] = frozenset(
    {
        _S.DEVICE_STATUS_SENT,
        _S.DEVICE_STATUS_DELIVERED,
        _S.DEVICE_STATUS_UNDELIVERED,
        _S.DEVICE_STATUS_COMPLETED,
        _S.DEVICE_STATUS_NOT_CONFIRMED,
        _S.DEVICE_STATUS_BUSY,
        _S.DEVICE_STATUS_NO_ANSWER,
        _S.DEVICE_STATUS_FAILED,
    }
)
# The vendor code a status deadline writes on the attempt it closes.
DEADLINE_CODE = "deadline"

_LABELS: dict[int, str] = {
    _S.DEVICE_STATUS_QUEUED: "Queued",
    _S.DEVICE_STATUS_IN_PROGRESS: "In Progress",
    _S.DEVICE_STATUS_SENT: "Sent",
    _S.DEVICE_STATUS_DELIVERED: "Delivered",
    _S.DEVICE_STATUS_COMPLETED: "Completed",
    _S.DEVICE_STATUS_NOT_CONFIRMED: "Not Confirmed",
    _S.DEVICE_STATUS_BUSY: "Busy",
    _S.DEVICE_STATUS_NO_ANSWER: "No Answer",
    _S.DEVICE_STATUS_NOT_ELIGIBLE: "Not Eligible",
    _S.DEVICE_STATUS_NO_DEVICE: "No Device",
    _S.DEVICE_STATUS_NO_CALL_STATUS: "No Call Status",
    _S.DEVICE_STATUS_NO_STATUS: "No Status",
    _S.DEVICE_STATUS_OPT_OUT: "Opt-Out",
    _S.DEVICE_STATUS_OPT_IN: "Opt In",
    _S.DEVICE_STATUS_FAILED: "Failed",
    _S.DEVICE_STATUS_UNDELIVERED: "Undelivered",
    _S.DEVICE_STATUS_ERROR: "Error",
    _S.DEVICE_STATUS_VENDOR_ERROR: "Vendor Error",
    _S.DEVICE_STATUS_CANCELED: "Canceled",
}


def status_group(status: int) -> int:
    """The group of a device status (STATUS_GROUP_UNSPECIFIED for unknown values)."""
    return STATUS_GROUPS.get(status, _G.STATUS_GROUP_UNSPECIFIED)


def status_rank(status: int) -> int:
    """Forward order: 0 Queued, 1 In Progress, 2 provisional Sent, 3 final."""
    if status == _S.DEVICE_STATUS_QUEUED:
        return 0
    if status == _S.DEVICE_STATUS_IN_PROGRESS:
        return 1
    if status in _PROVISIONAL:
        return 2
    return 3


def is_final(status: int, mode: int) -> bool:
    """Whether an attempt of this delivery mode in this status can change no more."""
    if status in _PROVISIONAL:
        return mode != DeliveryMode.DELIVERY_MODE_TEXT
    return status in FINAL_STATUSES


def replaces_deadline(current: int, new: int, mode: int) -> bool:
    """Whether a vendor status ``new`` that arrives after a status deadline made an attempt of
    ``mode`` final with the provisional ``current`` replaces it (docs/statuses.md): a status
    the vendor reports, final for the mode, and not the one held; or a text's Sent over No
    Call Status (the carrier took it: the deadline would have said Sent had the answer come
    in time, and Delivered or Undelivered may still follow)."""
    if new == current or new not in VENDOR_STATUSES:
        return False
    if is_final(new, mode):
        return True
    return (
        mode == DeliveryMode.DELIVERY_MODE_TEXT
        and new == _S.DEVICE_STATUS_SENT
        and current == _S.DEVICE_STATUS_NO_CALL_STATUS
    )


def status_label(status: int) -> str:
    """The product's name of a status, as the log and the reports print it."""
    return _LABELS.get(status, "Unknown")
