"""A short code belongs to one district: a district admin cannot claim another's (or any)
short code, an operator cannot give one code to two districts, and the store refuses it too."""

from __future__ import annotations

import grpc
import pytest

from smlog.runtime import open_channel
from smlog.store import migrate
from smlog.v1 import common_pb2 as c
from smlog.v1 import dispatch_pb2 as d
from smlog.v1 import dispatch_pb2_grpc
from tests.support.dispatch import Harness
from tests.support.tokens import service_token, user_token

ADMIN = ["district_admin", "send_messages", "type_general"]
INSERT = "INSERT INTO districts (id, name, time_zone, sms_short_code) VALUES (?, ?, 'UTC', ?)"


def district(district_id: int, code: str) -> d.UpsertDistrictRequest:
    return d.UpsertDistrictRequest(
        district=c.District(
            district_id=district_id, name=f"D{district_id}", time_zone="UTC", sms_short_code=code
        )
    )


async def upsert(
    h: Harness, token: str, request: d.UpsertDistrictRequest
) -> d.UpsertDistrictResponse:
    assert h.host is not None
    async with open_channel(f"127.0.0.1:{h.host.port}", token=token) as channel:
        stub = dispatch_pb2_grpc.DispatchServiceStub(channel)
        return await stub.UpsertDistrict(request)


async def refused(h: Harness, token: str, request: d.UpsertDistrictRequest) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await upsert(h, token, request)
    return info.value


async def codes(h: Harness) -> dict[int, str]:
    rows = await h.db.fetch_all("SELECT id, sms_short_code FROM districts ORDER BY id")
    return {int(r[0]): str(r[1]) for r in rows}


async def test_short_codes_are_an_operator_setting_and_unique(h: Harness) -> None:
    operator = service_token(h.settings, "operator")
    admin2 = user_token(h.settings, "a2", 2, ADMIN)
    await upsert(h, operator, district(1, "55555"))
    await upsert(h, admin2, district(2, ""))
    # The attack: district 2's admin claims district 1's short code (and with it the STOP
    # replies of district 1's parents). Refused, and so is any short code of its own.
    for code in ("55555", "77777"):
        error = await refused(h, admin2, district(2, code))
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        assert "operator" in (error.details() or "")
    assert await codes(h) == {1: "55555", 2: ""}
    # An operator cannot give one code to two districts either.
    error = await refused(h, operator, district(2, "55555"))
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "district.sms_short_code" in (error.details() or "")
    # An operator sets district 2's own code; its admin may still edit the district, and an
    # empty short code in the admin's request keeps the stored one.
    await upsert(h, operator, district(2, "77777"))
    kept = await upsert(h, admin2, district(2, ""))
    assert kept.district.sms_short_code == "77777"
    assert (await upsert(h, admin2, district(2, "77777"))).district.sms_short_code == "77777"
    assert await codes(h) == {1: "55555", 2: "77777"}


async def test_the_store_refuses_a_second_district_with_the_same_code(h: Harness) -> None:
    async with h.db.transaction() as tx:
        await tx.execute(INSERT, (7, "A", "1234"))
    with pytest.raises(Exception, match=r"(?i)unique"):
        async with h.db.transaction() as tx:
            await tx.execute(INSERT, (8, "B", "1234"))
    # Districts without a short code are many.
    async with h.db.transaction() as tx:
        for i in (9, 10):
            await tx.execute(INSERT, (i, "C", ""))


async def test_the_migration_keeps_a_shared_code_with_its_lowest_district(h: Harness) -> None:
    # A store from before the rule: the index is not there yet and two districts share a code.
    async with h.db.transaction() as tx:
        await tx.execute("DROP INDEX districts_sms_short_code")
        await tx.execute("DELETE FROM schema_migrations WHERE version = 50")
        for district_id, code in ((3, "4444"), (4, "4444"), (5, "4444"), (6, "6666")):
            await tx.execute(INSERT, (district_id, "X", code))
    assert await migrate(h.db) == [50]
    assert {k: v for k, v in (await codes(h)).items() if k >= 3} == {
        3: "4444",
        4: "",
        5: "",
        6: "6666",
    }
