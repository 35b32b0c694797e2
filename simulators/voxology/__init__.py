"""Fake Voxology: voice calls and SMS with signed status callbacks and inbound replies."""

from simulators.voxology.app import build_app, serve
from simulators.voxology.profiles import PROFILES, VoxologyProfile
from simulators.voxology.settings import VoxologySettings

__all__ = ["PROFILES", "VoxologyProfile", "VoxologySettings", "build_app", "serve"]
