"""``smlog``: the command-line entry point.

Expected failures (bad flags, bad config, a port in use, a corrupt database) print one line
naming the problem and exit non-zero; only bugs print a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import grpc

from smlog.errors import ConfigError, StoreError

Command = Callable[[argparse.Namespace], int]


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", dest="db_path", help="SQLite file (SMLOG_DB_PATH)")
    parser.add_argument(
        "--db-url",
        dest="db_url",
        help="store URL: sqlite:///PATH or postgresql://USER@HOST:PORT/DB (SMLOG_DB_URL)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override any setting, e.g. --set redial_wait_seconds=5 (see README)",
    )


def build_parser() -> argparse.ArgumentParser:
    from smlog.bench import command as bench
    from smlog.bench import loadtest
    from smlog.cli import (
        certs,
        console_cmd,
        dispatch_cmd,
        district_cmd,
        health_cmd,
        log_cmd,
        migrate_cmd,
        report_cmd,
        resend_cmd,
        serve,
        token,
        up,
    )
    from smlog.cli.demo import run as demo_run

    parser = argparse.ArgumentParser(prog="smlog", description="Sent Message Log 2.0")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("serve", help="run one service in the foreground")
    p.add_argument("service", choices=serve.PROCESS_NAMES)
    p.add_argument("--port", type=int, help="listen port (default: the service's default)")
    p.add_argument("--metrics-port", type=int, help="Prometheus /metrics port")
    add_config_flags(p)
    p.set_defaults(run=serve.run)

    p = sub.add_parser("up", help="run every service and simulator as child processes")
    p.add_argument(
        "--only", nargs="+", choices=serve.PROCESS_NAMES, help="start only these services"
    )
    p.add_argument(
        "--scale",
        action="append",
        metavar="SERVICE=N",
        help="run N instances of a service: dispatch=3 (needs a PostgreSQL store)",
    )
    add_config_flags(p)
    p.set_defaults(run=up.run)

    p = sub.add_parser("token", help="mint a development bearer token")
    p.add_argument("--user", help="a user of --district (a user token)")
    p.add_argument("--district", type=int)
    p.add_argument(
        "--service", help="a service identity instead of a user, e.g. operator (short codes)"
    )
    p.add_argument("--rights", nargs="*", default=[], help="right names (see README)")
    p.add_argument("--name", default="")
    p.add_argument("--ttl", type=float, default=8 * 3600, help="seconds")
    add_config_flags(p)
    p.set_defaults(run=token.run)

    log_cmd.add_parser(sub)
    dispatch_cmd.add_parsers(sub)
    resend_cmd.add_parser(sub)
    district_cmd.add_parser(sub)
    report_cmd.add_parser(sub)
    demo_run.add_parser(sub)
    bench.add_parser(sub)
    health_cmd.add_parser(sub)
    migrate_cmd.add_parser(sub)
    certs.add_parser(sub)
    loadtest.add_parser(sub)
    console_cmd.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Command = args.run
    from smlog.cli.report_file import ReportFileError

    try:
        return run(args)
    except (ConfigError, StoreError, ReportFileError) as exc:
        print(f"smlog: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except grpc.RpcError as exc:
        code = exc.code().name if hasattr(exc, "code") else "ERROR"
        details = exc.details() if hasattr(exc, "details") else str(exc)
        print(f"smlog: {code}: {details}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
