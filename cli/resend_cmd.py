"""``smlog resend ID``: send a finished message again to the devices it did not reach."""

from __future__ import annotations

import argparse
import asyncio
import uuid

from smlog.cli.connect import add_client_flags, client_channel, print_json, to_dict
from smlog.cli.dispatch_cmd import watch
from smlog.cli.log_cmd import parse_enums
from smlog.v1 import common_pb2, dispatch_pb2, dispatch_pb2_grpc


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("resend", help="resend a finished message to those not reached")
    p.add_argument("message_id", type=int)
    p.add_argument(
        "--status",
        dest="statuses",
        action="append",
        default=[],
        help="final status to resend to (repeat; default: errors, no_answer, busy, no_call_status)",
    )
    p.add_argument("--mode", dest="modes", action="append", default=[], help="default: all")
    p.add_argument(
        "--request-id", default="", help="repeat a resend safely (default: a new one each time)"
    )
    p.add_argument("--watch", action="store_true", help="follow its progress to the end")
    add_client_flags(p)
    p.set_defaults(run=lambda a: asyncio.run(_resend(a)))


async def _resend(args: argparse.Namespace) -> int:
    request = dispatch_pb2.ResendMessageRequest(
        request_id=args.request_id or f"resend-{uuid.uuid4()}",
        message_id=args.message_id,
        statuses=parse_enums(common_pb2.DeviceStatus, "DEVICE_STATUS_", args.statuses, "--status"),
        delivery_modes=parse_enums(common_pb2.DeliveryMode, "DELIVERY_MODE_", args.modes, "--mode"),
    )
    channel, _ = client_channel(args, "dispatch")
    async with channel:
        stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        reply = await stub.ResendMessage(request)
        if args.json:
            print_json(to_dict(reply))
        else:
            print(
                f"message {reply.message_id} resends message {args.message_id}:"
                f" {reply.recipient_count} recipients, {reply.target_count} devices"
                + ("" if reply.created else " (already made by this request id)")
            )
        if args.watch:
            await watch(stub, reply.message_id, json_output=args.json)
    return 0
