"""``smlog token``: mint a development token for a user of a district, or a service token
(``--service operator``, say, to set a district's SMS short code)."""

from __future__ import annotations

import argparse
import sys

from smlog.auth import mint_service_token, mint_token
from smlog.cli.settings import settings_from_args
from smlog.config import Settings
from smlog.errors import ConfigError


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    defaults = Settings()
    if args.service:
        if args.user or args.district is not None or args.rights:
            raise ConfigError("--service: a service token names no --user, --district or --rights")
        try:
            token = mint_service_token(
                settings.service_jwt_secret, args.service, settings.jwt_algorithm
            )
        except ValueError as exc:
            raise ConfigError(f"--service: {exc}") from None
        development = settings.service_jwt_secret == defaults.service_jwt_secret
    else:
        if not args.user or args.district is None:
            raise ConfigError("--user and --district are required (or --service NAME)")
        try:
            token = mint_token(
                settings.jwt_secret,
                user_id=args.user,
                district_id=args.district,
                rights=args.rights,
                name=args.name,
                ttl_seconds=args.ttl,
                algorithm=settings.jwt_algorithm,
            )
        except ValueError as exc:
            raise ConfigError(f"--rights: {exc}") from None
        development = settings.jwt_secret == defaults.jwt_secret
    if development:
        print("smlog: note: signed with the development secret", file=sys.stderr)
    print(token)
    return 0
