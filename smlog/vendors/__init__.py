"""Vendor clients shared by every service that talks to a vendor (dispatch, status)."""

from smlog.vendors.base import (
    EmailClient,
    EmailRecipient,
    TextClient,
    VendorError,
    VendorFailed,
    VendorRejected,
    VoiceClient,
)
from smlog.vendors.http import RetryPolicy
from smlog.vendors.mailgun import MailgunClient
from smlog.vendors.voxology import VoxologyClient

__all__ = [
    "EmailClient",
    "EmailRecipient",
    "MailgunClient",
    "RetryPolicy",
    "TextClient",
    "VendorError",
    "VendorFailed",
    "VendorRejected",
    "VoiceClient",
    "VoxologyClient",
]
