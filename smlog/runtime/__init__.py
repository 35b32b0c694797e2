"""The service runtime shared by every service: server host, interceptors, clients, metrics."""

from smlog.runtime.client import ServiceTokens, open_channel
from smlog.runtime.server import Component, GrpcHost, ServiceParts, Servicer, serve

__all__ = [
    "Component",
    "GrpcHost",
    "ServiceParts",
    "ServiceTokens",
    "Servicer",
    "open_channel",
    "serve",
]
