"""``smlog serve voxology-sim``."""

from __future__ import annotations

from smlog.config import Settings
from smlog.errors import ConfigError
from smlog.simulators.process import fault_spec, run_simulator
from smlog.simulators.voxology.app import CORE, build_app
from smlog.simulators.voxology.settings import VoxologySettings


def sim_settings(settings: Settings, port: int | None = None) -> VoxologySettings:
    hooks = f"{settings.status_public_url.rstrip('/')}/webhooks/voxology"
    try:
        return VoxologySettings(
            host=settings.host,
            port=settings.voxology_sim_port if port is None else port,
            api_key=settings.voxology_api_key,
            signing_secret=settings.voxology_webhook_secret,
            call_callback_url=f"{hooks}/call",
            sms_callback_url=f"{hooks}/sms",
            inbound_url=f"{hooks}/inbound",
            short_code=settings.voxology_short_code,
            time_scale=settings.sim_time_scale,
            profile=settings.sim_profile,
            seed=settings.sim_seed or None,
            faults=fault_spec(settings.sim_faults),
            calls_per_second=settings.sim_calls_per_second,
            messages_per_second=settings.sim_messages_per_second,
            max_concurrent_calls=settings.sim_max_concurrent_calls,
        )
    except ValueError as exc:
        raise ConfigError(f"voxology-sim: {exc}") from None


async def run(settings: Settings, port: int | None, metrics_port: int | None) -> None:
    sim = sim_settings(settings, port)
    app = build_app(sim)
    await run_simulator(
        "voxology-sim",
        app,
        app[CORE].registry,
        settings,
        sim.port,
        metrics_port,
    )
