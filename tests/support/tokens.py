"""Bearer tokens and channels for test callers, signed with the settings' own keys."""

from __future__ import annotations

from collections.abc import Sequence

from grpc import aio

from smlog.auth import mint_service_token, mint_token
from smlog.config import Settings
from smlog.runtime import open_channel
from tests.support.rights import ALL

__all__ = ["service_channel", "service_token", "user_channel", "user_token"]


def user_token(
    settings: Settings,
    user: str = "alice",
    district: int = 1,
    rights: Sequence[str] = ALL,
    name: str = "",
) -> str:
    """A person's token: ``user`` of ``district`` holding ``rights``."""
    return mint_token(
        settings.jwt_secret, user_id=user, district_id=district, rights=list(rights), name=name
    )


def service_token(settings: Settings, service: str) -> str:
    """A service identity's token (``status``, ``operator``, ...)."""
    return mint_service_token(settings.service_jwt_secret, service)


def user_channel(
    settings: Settings,
    port: int,
    user: str = "alice",
    district: int = 1,
    rights: Sequence[str] = ALL,
    name: str = "",
) -> aio.Channel:
    """A channel to ``127.0.0.1:port`` carrying a person's token."""
    return open_channel(
        f"127.0.0.1:{port}", token=user_token(settings, user, district, rights, name)
    )


def service_channel(settings: Settings, port: int, service: str) -> aio.Channel:
    """A channel to ``127.0.0.1:port`` carrying a service identity's token."""
    return open_channel(f"127.0.0.1:{port}", token=service_token(settings, service))
