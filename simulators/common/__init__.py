"""Parts both simulators share, written once: settings, faults, profiles, limits, callback
delivery with retries, counters and metrics, admin endpoints and the server loop."""

from simulators.common.core import IdempotencyConflict, SimulatorCore, SimulatorSettings
from simulators.common.delivery import Callback, CallbackSender, dumps
from simulators.common.faults import FaultSpec, FaultState
from simulators.common.ids import new_id, rfc3339, rfc3339_now
from simulators.common.limits import StoredResponse, TokenBucket, retry_after_header
from simulators.common.profile import Latency, Mix, scaled, stable_fraction

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
