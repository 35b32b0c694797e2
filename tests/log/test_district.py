"""GetDistrict: the caller's own district and its calendars, never another district's."""

from __future__ import annotations

import grpc

from smlog.store import Database
from smlog.v1 import common_pb2
from tests.support.log import LogEnv, rpc_error
from tests.support.log_data import seed_log


async def test_own_district_and_its_calendars_by_school(env: LogEnv):
    data = await seed_log(env.db)
    reply = await env.stub().GetDistrict(common_pb2.GetDistrictRequest())
    assert reply.district.district_id == 1
    assert reply.district.time_zone == "America/Chicago"
    assert [c.calendar_id for c in reply.calendars] == [data.cal_a, data.cal_b]
    assert [c.school_name for c in reply.calendars] == ["Adams Elementary", "Burr Middle"]
    other = await env.stub(district=2).GetDistrict(common_pb2.GetDistrictRequest())
    assert [c.calendar_id for c in other.calendars] == [data.cal_c]


async def test_needs_log_access_and_an_existing_district(env: LogEnv):
    db: Database = env.db
    await seed_log(db)
    error = await rpc_error(env.stub(rights=["send_messages"]).GetDistrict(
        common_pb2.GetDistrictRequest()))  # fmt: skip
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert "sent_message_log" in (error.details() or "")
    error = await rpc_error(env.stub(district=9).GetDistrict(common_pb2.GetDistrictRequest()))
    assert error.code() == grpc.StatusCode.NOT_FOUND


async def test_another_district_is_not_found_by_id(env: LogEnv):
    await seed_log(env.db)
    error = await rpc_error(env.stub().GetDistrict(common_pb2.GetDistrictRequest(district_id=2)))
    assert error.code() == grpc.StatusCode.NOT_FOUND
    own = await env.stub().GetDistrict(common_pb2.GetDistrictRequest(district_id=1))
    assert own.district.district_id == 1
