"""Parts both simulators share, written once: settings, faults, profiles, limits, callback
delivery with retries, counters and metrics, admin endpoints and the server loop."""

from smlog.simulators.common.core import IdempotencyConflict, SimulatorCore, SimulatorSettings
from smlog.simulators.common.delivery import Callback, CallbackSender, dumps
from smlog.simulators.common.faults import FaultSpec, FaultState
from smlog.simulators.common.ids import new_id, rfc3339, rfc3339_now
from smlog.simulators.common.limits import StoredResponse, TokenBucket, retry_after_header
from smlog.simulators.common.profile import Latency, Mix, scaled, stable_fraction

__all__ = [
    "Callback",
    "CallbackSender",
    "FaultSpec",
    "FaultState",
    "IdempotencyConflict",
    "Latency",
    "Mix",
    "SimulatorCore",
    "SimulatorSettings",
    "StoredResponse",
    "TokenBucket",
    "dumps",
    "new_id",
    "retry_after_header",
    "rfc3339",
    "rfc3339_now",
    "scaled",
    "stable_fraction",
]
