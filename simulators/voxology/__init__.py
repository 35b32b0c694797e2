"""Fake Voxology: voice calls and SMS with signed status callbacks and inbound replies."""

from smlog.simulators.voxology.app import build_app, serve
from smlog.simulators.voxology.profiles import PROFILES, VoxologyProfile
from smlog.simulators.voxology.settings import VoxologySettings

__all__ = ["PROFILES", "VoxologyProfile", "VoxologySettings", "build_app", "serve"]
