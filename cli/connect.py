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

from cli.settings import settings_from_args
from smlog.auth import Right, mint_token
from smlog.config import Settings
from smlog.runtime import open_channel

DEV_RIGHTS = [r.value for r in Right]


def add_client_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument("--target", help="host:port of the service (default: its local port)")
    group.add_argument(
        "--token",
        default=os.environ.get("SMLOG_TOKEN"),
        help="bearer token (env SMLOG_TOKEN); without one a development token is minted",
    )
    group.add_argument("--user", default="cli", help="user of the minted development token")
    group.add_argument("--district", type=int, default=1, help="district of the minted token")
    group.add_argument("--json", action="store_true", help="print JSON instead of tables")
    group.add_argument("--db", dest="db_path", help=argparse.SUPPRESS)
    group.add_argument("--set", dest="overrides", action="append", default=[],
                       metavar="KEY=VALUE", help="override a setting")  # fmt: skip


def client_token(args: argparse.Namespace, settings: Settings) -> str:
    if args.token:
        return str(args.token)
    return mint_token(
        settings.jwt_secret,
        user_id=args.user,
        district_id=args.district,
        rights=DEV_RIGHTS,
        name=f"{args.user} (development)",
        algorithm=settings.jwt_algorithm,
    )


def client_channel(args: argparse.Namespace, service: str) -> tuple[aio.Channel, Settings]:
    settings = settings_from_args(args)
    target = args.target or settings.target(service)
    channel = open_channel(
        target, timeout=settings.rpc_timeout_seconds, token=client_token(args, settings)
    )
    return channel, settings


def to_dict(message: Message) -> dict[str, Any]:
    return MessageToDict(message, preserving_proto_field_name=True)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
