"""Domain rules shared by every service: status groups, forward-only ordering, modes."""

from smlog.domain.statuses import (
    FINAL_STATUSES,
    PENDING_STATUSES,
    STATUS_GROUPS,
    is_final,
    status_group,
    status_label,
    status_rank,
)

__all__ = [
    "FINAL_STATUSES",
    "PENDING_STATUSES",
    "STATUS_GROUPS",
    "is_final",
    "status_group",
    "status_label",
    "status_rank",
]
