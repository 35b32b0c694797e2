"""The service runtime shared by every service: server host, interceptors, clients, metrics."""

from smlog.runtime.client import LONG_STREAM_SECONDS, ServiceTokens, open_channel
from smlog.runtime.server import Component, GrpcHost, ServiceParts, Servicer, serve

__all__ = [
    "LONG_STREAM_SECONDS",
    "Component",
    "GrpcHost",
    "ServiceParts",
    "ServiceTokens",
    "Servicer",
    "open_channel",
    "serve",
]
