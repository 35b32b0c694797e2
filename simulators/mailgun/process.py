"""``smlog serve mailgun-sim``."""

from __future__ import annotations

from smlog.config import Settings
from smlog.errors import ConfigError
from smlog.simulators.mailgun.app import CORE, build_app
from smlog.simulators.mailgun.settings import MailgunSettings
from smlog.simulators.process import fault_spec, run_simulator


def sim_settings(settings: Settings, port: int | None = None) -> MailgunSettings:
    try:
        return MailgunSettings(
            host=settings.host,
            port=settings.mailgun_sim_port if port is None else port,
            api_key=settings.mailgun_api_key,
            webhook_signing_key=settings.mailgun_signing_key,
            domain=settings.mailgun_domain,
            webhook_url=f"{settings.status_public_url.rstrip('/')}/webhooks/mailgun",
            time_scale=settings.sim_time_scale,
            profile=settings.sim_profile,
            seed=settings.sim_seed or None,
            faults=fault_spec(settings.sim_faults),
            requests_per_second=settings.sim_email_requests_per_second,
        )
    except ValueError as exc:
        raise ConfigError(f"mailgun-sim: {exc}") from None


async def run(settings: Settings, port: int | None, metrics_port: int | None) -> None:
    sim = sim_settings(settings, port)
    app = build_app(sim)
    await run_simulator(
        "mailgun-sim",
        app,
        app[CORE].registry,
        settings,
        sim.port,
        metrics_port,
    )
