"""``smlog token``: mint a development token for a user of a district."""

from __future__ import annotations

import argparse

from cli.settings import settings_from_args
from smlog.auth import mint_token
from smlog.config import DEV_JWT_SECRET
from smlog.errors import ConfigError


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
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
    if settings.jwt_secret == DEV_JWT_SECRET:
        import sys

        print("smlog: note: signed with the development secret", file=sys.stderr)
    print(token)
    return 0
