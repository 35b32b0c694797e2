"""Fake Mailgun: the send API, signed event webhooks with retries, and the events API."""

from smlog.simulators.mailgun.app import build_app, serve
from smlog.simulators.mailgun.profiles import PROFILES, MailgunProfile
from smlog.simulators.mailgun.settings import MailgunSettings

__all__ = ["PROFILES", "MailgunProfile", "MailgunSettings", "build_app", "serve"]
