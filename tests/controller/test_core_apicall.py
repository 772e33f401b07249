"""ret_code masks, LINSTOR's example codes (linstor.md §7), JSON and HTTP status."""

from __future__ import annotations

import pytest

from drbdeck.backend.controller import apicall as rc


def _code(base: int, op: int, obj: int) -> int:
    return rc.to_signed(rc.ApiCallRc(base, "x").with_context(op, obj).ret_code)


def test_linstor_examples() -> None:
    assert _code(rc.CREATED, rc.MASK_CRT, rc.MASK_NODE) == 20709377
    assert _code(rc.CREATED, rc.MASK_CRT, rc.MASK_RSC_DFN) == 20447233
    assert _code(rc.CREATED, rc.MASK_CRT, rc.MASK_RSC) == 20185089
    assert _code(rc.FAIL_NOT_ENOUGH_NODES, rc.MASK_CRT, rc.MASK_RSC) == -4611686018407201820
    assert _code(rc.WARN_NOT_CONNECTED, rc.MASK_CRT, rc.MASK_RSC) == -9223372036834589718


def test_numbers_of_named_codes() -> None:
    assert rc.FAIL_NOT_ENOUGH_NODES & rc.MASK_BITS_CODE == 996
    assert rc.FAIL_INSUFFICIENT_PEER_SLOTS & rc.MASK_BITS_CODE == 993
    assert rc.WARN_NOT_CONNECTED & rc.MASK_BITS_CODE == 1002
    assert rc.WARN_RSC_ALREADY_DEPLOYED & rc.MASK_BITS_CODE == 1006
    assert rc.WARN_NOT_FOUND & rc.MASK_BITS_CODE == 3000
    assert rc.FAIL_INVLD_PROP & rc.MASK_BITS_CODE == 213
    assert rc.to_signed(rc.FAIL_INVLD_PROP) < 0 and rc.to_signed(rc.WARN_NOT_FOUND) < 0
    assert rc.to_signed(rc.INFO_TIE_BREAKER_CREATED) > 0


def test_context_does_not_override_set_masks() -> None:
    e = rc.ApiCallRc(rc.CREATED | rc.MASK_MOD | rc.MASK_VLM_DFN, "m")
    e.with_context(rc.MASK_CRT, rc.MASK_NODE)
    assert e.ret_code == rc.CREATED | rc.MASK_MOD | rc.MASK_VLM_DFN


def test_json_round_trip() -> None:
    e = rc.ApiCallRc(rc.FAIL_NOT_FOUND_NODE, "Node 'x' not found.", cause="c",
                     correction="fix", obj_refs={"Node": "x"})
    j = e.to_json()
    assert j["ret_code"] == rc.to_signed(rc.FAIL_NOT_FOUND_NODE)
    assert j["obj_refs"] == {"Node": "x"} and j["cause"] == "c" and "details" not in j
    assert j["error_report_ids"] == [] and "T" in j["created_at"]
    back = rc.ApiCallRc.from_json(j)
    assert back.ret_code == e.ret_code and back.is_error()


def test_api_error_carries_entries() -> None:
    err = rc.error(rc.FAIL_EXISTS_NODE, "Node exists", Node="a")
    assert isinstance(err, Exception) and err.entry.obj_refs == {"Node": "a"}
    assert str(err) == "Node exists"
    assert rc.to_json(err.entries)[0]["message"] == "Node exists"


@pytest.mark.parametrize(("codes", "created", "status"), [
    ([rc.CREATED], True, 201), ([rc.MODIFIED], False, 200),
    ([rc.CREATED, rc.WARN_NOT_CONNECTED], True, 201), ([rc.WARN_NOT_FOUND], False, 200),
    ([rc.FAIL_NOT_FOUND_RSC_DFN], True, 404), ([rc.FAIL_INVLD_PROP], False, 500),
    ([rc.FAIL_NOT_ENOUGH_NODES], True, 500), ([400 | rc.MASK_ERROR], False, 403),
    ([rc.API_CALL_PARSE_ERROR], True, 400), ([rc.FAIL_SIGN_IN_MISSING_CREDENTIALS], True, 401),
    ([rc.CREATED, rc.FAIL_EXISTS_NODE], True, 500),
])
def test_http_status(codes: list[int], created: bool, status: int) -> None:
    assert rc.http_status([rc.ApiCallRc(c, "m") for c in codes], created) == status
