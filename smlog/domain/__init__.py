"""Domain rules shared by every service: status groups, forward-only ordering, modes."""

from smlog.domain.statuses import (
    DEADLINE_CODE,
    FINAL_STATUSES,
    PENDING_STATUSES,
    STATUS_GROUPS,
    VENDOR_STATUSES,
    is_final,
    replaces_deadline,
    status_group,
    status_label,
    status_rank,
)

__all__ = [
    "DEADLINE_CODE",
    "FINAL_STATUSES",
    "PENDING_STATUSES",
    "STATUS_GROUPS",
    "VENDOR_STATUSES",
    "is_final",
    "replaces_deadline",
    "status_group",
    "status_label",
    "status_rank",
]
