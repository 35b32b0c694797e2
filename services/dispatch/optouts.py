"""Who may not be texted: the opt-out rule, written once for StartDispatch and the claim.

A number is opted out of a district's texts when it replied STOP (and has not replied START
since) to the district's short code, or to any short code when the district has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smlog.store import Transaction, fetch_in

__all__ = ["opted_out_numbers"]


async def opted_out_numbers(
    tx: Transaction, short_code: str, phones: Sequence[str] | None = None
) -> set[str]:
    """The numbers among ``phones`` (all numbers when None) opted out of texts sent from
    ``short_code`` ("" = the district has none: a STOP to any short code counts)."""
    if phones is not None and not phones:
        return set()
    sql = "SELECT DISTINCT phone FROM sms_opt_outs WHERE opted_out = 1"
    params: list[Any] = []
    if short_code:
        sql += " AND short_code = ?"
        params.append(short_code)
    if phones is None:
        return {str(r["phone"]) for r in await tx.fetch_all(sql, params)}
    rows = await fetch_in(tx, sql + " AND phone IN ({marks})", phones, before=params)
    return {str(r["phone"]) for r in rows}
