"""The opt-out rule StartDispatch and the claim share: which STOPs stop a district's texts."""

from __future__ import annotations

from smlog.services.dispatch.optouts import opted_out_numbers
from smlog.store import Database


async def test_a_stop_counts_for_the_district_short_code_or_any_when_it_has_none(
    migrated: Database,
) -> None:
    db = migrated
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO sms_opt_outs (phone, short_code, opted_out, update_time)"
            " VALUES (?, ?, ?, 0)",
            [
                ("+15550000001", "11111", 1),  # STOP to the district's code
                ("+15550000002", "22222", 1),  # STOP to another district's code
                ("+15550000003", "11111", 0),  # STOP, then START
                ("+15550000004", "11111", 1),
                ("+15550000004", "22222", 1),  # STOP to both: one number
            ],
        )
    async with db.transaction() as tx:
        assert await opted_out_numbers(tx, "11111") == {"+15550000001", "+15550000004"}
        assert await opted_out_numbers(tx, "") == {
            "+15550000001",
            "+15550000002",
            "+15550000004",
        }
        some = ["+15550000002", "+15550000004", "+15550000009"]
        assert await opted_out_numbers(tx, "11111", some) == {"+15550000004"}
        assert await opted_out_numbers(tx, "", some) == {"+15550000002", "+15550000004"}
        assert await opted_out_numbers(tx, "", []) == set()
