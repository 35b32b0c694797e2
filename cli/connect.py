"""How client commands reach the services: address, credentials, output format."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message
from grpc import aio

from smlog.auth import Right, mint_token
from smlog.cli.settings import settings_from_args
from smlog.config import Settings
from smlog.errors import ConfigError
from smlog.runtime import open_channel
from smlog.runtime.tls import channel_credentials

DEV_RIGHTS = [r.value for r in Right]


def add_client_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument("--target", help="host:port of the service (default: its local port)")
    group.add_argument(
        "--token",
        default=os.environ.get("SMLOG_TOKEN"),
        help="bearer token (env SMLOG_TOKEN); required unless --dev-token",
    )
    group.add_argument(
        "--dev-token",
        action="store_true",
        help="mint a development token with every right from SMLOG_JWT_SECRET (development only)",
    )
    group.add_argument("--user", default="cli", help="user of the --dev-token token")
    group.add_argument("--district", type=int, default=1, help="district of the --dev-token token")
    group.add_argument("--json", action="store_true", help="print JSON instead of tables")
    group.add_argument("--db", dest="db_path", help=argparse.SUPPRESS)
    group.add_argument("--set", dest="overrides", action="append", default=[],
                       metavar="KEY=VALUE", help="override a setting")  # fmt: skip


def client_token(args: argparse.Namespace, settings: Settings) -> str:
    """The caller's token: ``--token``/``SMLOG_TOKEN``, or one minted because ``--dev-token``
    asked for it. Never minted silently: a signing key in the environment (as in every
    container) must not turn any command into one with every right (docs/security.md)."""
    if args.token and args.dev_token:
        raise ConfigError("--token and --dev-token: choose one")
    if args.token:
        return str(args.token)
    if not args.dev_token:
        raise ConfigError(
            "no token: pass --token or set SMLOG_TOKEN (`smlog token` mints one), or"
            " --dev-token for a development token with every right"
        )
    try:
        token = mint_token(
            settings.jwt_secret,
            user_id=args.user,
            district_id=args.district,
            rights=DEV_RIGHTS,
            name=f"{args.user} (development)",
            algorithm=settings.jwt_algorithm,
        )
    except ValueError as exc:
        raise ConfigError(f"--district: {exc}") from None
    print(
        f"smlog: note: minted a development token with every right for user {args.user!r},"
        f" district {args.district}",
        file=sys.stderr,
    )
    return token


def client_channel(args: argparse.Namespace, service: str) -> tuple[aio.Channel, Settings]:
    settings = settings_from_args(args)
    target = args.target or settings.target(service)
    channel = open_channel(
        target,
        timeout=settings.rpc_timeout_seconds,
        token=client_token(args, settings),
        tls=channel_credentials(settings),
    )
    return channel, settings


def to_dict(message: Message) -> dict[str, Any]:
    return MessageToDict(message, preserving_proto_field_name=True)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
