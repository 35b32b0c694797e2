"""Rights for test tokens, from the one list the product defines (``smlog.auth.Right``)."""

from __future__ import annotations

from smlog.auth import Right

__all__ = ["ALL_RIGHTS"]

ALL_RIGHTS: list[str] = [right.value for right in Right]
