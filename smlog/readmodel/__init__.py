"""The read side shared by the log and reports services: rights, queries and row shapes.

The reports service uses, for one message:

    viewer = viewer_of(current_caller())                 # PERMISSION_DENIED without rights
    query = await DeliveryQuery.open(db, viewer, message_id, modes, statuses,
                                     full_devices=viewer.full_devices)  # NOT_FOUND if hidden
    detail = await build_detail(db, query.message)        # log_pb2.MessageDetail
    total = await query.count()
    async for batch in query.stream(): ...                # list[DeliveryRow]
"""

from smlog.readmodel.access import Viewer, load_visible_message, viewer_of
from smlog.readmodel.deliveries import DeliveryQuery, check_modes, check_statuses
from smlog.readmodel.detail import build_detail, message_detail
from smlog.readmodel.district import viewer_district
from smlog.readmodel.filters import MessageFilter, message_filter
from smlog.readmodel.listing import MessagePage, list_messages
from smlog.readmodel.masking import show_device
from smlog.readmodel.pagetoken import PageTokens, page_size
from smlog.readmodel.rows import DeliveryRow

__all__ = [
    "DeliveryQuery",
    "DeliveryRow",
    "MessageFilter",
    "MessagePage",
    "PageTokens",
    "Viewer",
    "build_detail",
    "check_modes",
    "check_statuses",
    "list_messages",
    "load_visible_message",
    "message_detail",
    "message_filter",
    "page_size",
    "show_device",
    "viewer_district",
    "viewer_of",
]
