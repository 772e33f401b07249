"""vgs/lvs JSON report parsing (shape as printed by lvm2 2.03 with --reportformat json)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from drbdeck.collectors.lvm import (
    LvmReportError,
    find_lv,
    lvs_argv,
    parse_lvs,
    parse_vgs,
    vgs_argv,
)
from tests.conftest import require_root, require_tool

# Captured from lvm2 2.03.16 (Debian 12) on a 200 MiB loop-device VG, then extended by hand.
VGS_JSON = """\
  {
      "report": [
          {
              "vg": [
                  {"vg_name":"vg0", "vg_size":"200704.00", "vg_free":"94208.00", "vg_extent_size":"4096.00", "vg_extent_count":"49", "vg_free_count":"23", "lv_count":"3"},
                  {"vg_name":"vgbig", "vg_size":"1048572.00", "vg_free":"<1048572.00", "vg_extent_size":"32768.00", "vg_extent_count":"31", "vg_free_count":"31", "lv_count":"0"}
              ]
          }
      ]
  }
"""  # noqa: E501

LVS_JSON = """\
  {
      "report": [
          {
              "lv": [
                  {"vg_name":"vg0", "lv_name":"r0_00000", "lv_size":"40960.00", "lv_attr":"Vwi-a-tz--", "pool_lv":"thin0", "data_percent":"25.00", "metadata_percent":""},
                  {"vg_name":"vg0", "lv_name":"thick", "lv_size":"20480.00", "lv_attr":"-wi-a-----", "pool_lv":"", "data_percent":"", "metadata_percent":""},
                  {"vg_name":"vg0", "lv_name":"thin0", "lv_size":"102400.00", "lv_attr":"twi-aotz--", "pool_lv":"", "data_percent":"10.00", "metadata_percent":"11.23"}
              ]
          }
      ]
  }
"""  # noqa: E501


def test_argv_builders() -> None:
    assert vgs_argv() == [
        "vgs",
        "--reportformat",
        "json",
        "--units",
        "k",
        "--nosuffix",
        "-o",
        "vg_name,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,lv_count",
    ]
    assert vgs_argv(["vg0"])[-1] == "vg0"
    argv = lvs_argv(["vg0/thin0"])
    assert argv[:6] == ["lvs", "--reportformat", "json", "--units", "k", "--nosuffix"]
    assert argv[6] == "-o"
    assert argv[7].split(",")[:4] == ["vg_name", "lv_name", "lv_size", "lv_attr"]
    assert "pool_lv" in argv[7] and "data_percent" in argv[7]
    assert argv[-1] == "vg0/thin0"


def test_parse_vgs() -> None:
    vg0, big = parse_vgs(VGS_JSON)
    assert vg0.name == "vg0"
    assert vg0.size_kib == 200704 and vg0.free_kib == 94208 and vg0.used_kib == 106496
    assert vg0.extent_size_kib == 4096 and vg0.extent_count == 49 and vg0.free_extents == 23
    assert vg0.lv_count == 3
    assert vg0.round_up_to_extent(1371956) == 1372160
    assert vg0.round_up_to_extent(4096) == 4096
    assert big.free_kib == 1048572  # "<" rounding marker tolerated
    assert big.extent_size_kib == 32768


def test_parse_lvs_thin_pool_and_volumes() -> None:
    lvs = parse_lvs(LVS_JSON)
    assert [lv.name for lv in lvs] == ["r0_00000", "thick", "thin0"]
    pool = find_lv(lvs, "vg0", "thin0")
    assert pool is not None and pool.is_thin_pool and pool.is_active
    assert pool.size_kib == 102400 and pool.data_percent == 10.0
    assert pool.metadata_percent == pytest.approx(11.23)
    assert pool.pool_used_kib == 10240 and pool.pool_free_kib == 92160
    vol = find_lv(lvs, "vg0", "r0_00000")
    assert vol is not None and vol.is_thin_volume and vol.pool_lv == "thin0"
    assert vol.pool_free_kib is None and vol.path == "/dev/vg0/r0_00000"
    thick = find_lv(lvs, "vg0", "thick")
    assert thick is not None and thick.volume_type == "-" and thick.data_percent is None
    assert find_lv(lvs, "vg0", "nope") is None


def test_empty_reports() -> None:
    assert parse_vgs('{"report":[{"vg":[]}]}') == []
    assert parse_lvs('{"report":[{"lv":[]}]}') == []
    assert parse_lvs('{"report":[]}') == []


def _vg_row(**over: object) -> str:
    row: dict[str, object] = {
        "vg_name": "vg0",
        "vg_size": "100.00",
        "vg_free": "50.00",
        "vg_extent_size": "4096.00",
        "vg_extent_count": "1",
        "vg_free_count": "0",
        "lv_count": "0",
    }
    row.update(over)
    row = {k: v for k, v in row.items() if v is not None}
    return json.dumps({"report": [{"vg": [row]}]})


def _lv_row(**over: object) -> str:
    row: dict[str, object] = {
        "vg_name": "vg0",
        "lv_name": "lv",
        "lv_size": "4096.00",
        "lv_attr": "-wi-a-----",
        "pool_lv": "",
        "data_percent": "",
        "metadata_percent": "",
    }
    row.update(over)
    row = {k: v for k, v in row.items() if v is not None}
    return json.dumps({"report": [{"lv": [row]}]})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "vgs output is not JSON"),
        ("  WARNING: something\n", "vgs output is not JSON"),
        ("[]", 'no "report" list'),
        ('{"report": {}}', 'no "report" list'),
        ('{"report": [1]}', r"report\[0\] is not an object"),
        ('{"report": [{"vg": {}}]}', r'report\[0\]\["vg"\] is not a list'),
        ('{"report": [{"vg": ["x"]}]}', "vg row 0 is not an object"),
        (_vg_row(vg_extent_size=None), "vgs row 0: missing field 'vg_extent_size'"),
        (_vg_row(vg_size="big"), "field 'vg_size' must be a size in KiB, got 'big'"),
        (_vg_row(vg_free="-1"), "field 'vg_free' must be >= 0"),
        (_vg_row(vg_extent_size="0.00"), "'vg_extent_size' must be > 0"),
        (_vg_row(lv_count="1.5"), "field 'lv_count' must be a count"),
        (_vg_row(vg_name=""), "'vg_name' is empty"),
        (_vg_row(vg_size=100), "field 'vg_size' must be a string, got 100"),
    ],
)
def test_vgs_errors_name_the_field(text: str, message: str) -> None:
    with pytest.raises(LvmReportError, match=message):
        parse_vgs(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "lvs output is not JSON"),
        (_lv_row(lv_attr=None), "lvs row 0: missing field 'lv_attr'"),
        (_lv_row(pool_lv=None), "missing field 'pool_lv'"),
        (_lv_row(data_percent=None), "missing field 'data_percent'"),
        (_lv_row(data_percent="lots"), "'data_percent' must be a percentage, got 'lots'"),
        (_lv_row(data_percent="120.00"), "'data_percent' must be 0..100"),
        (_lv_row(lv_attr=""), "'lv_attr' is empty"),
        (_lv_row(lv_name=""), "'vg_name' and 'lv_name' must be set"),
        (_lv_row(lv_size="nan"), "'lv_size' must be >= 0"),
    ],
)
def test_lvs_errors_name_the_field(text: str, message: str) -> None:
    with pytest.raises(LvmReportError, match=message):
        parse_lvs(text)


def _run(argv: list[str]) -> str:
    env = {**os.environ, "LVM_SUPPRESS_FD_WARNINGS": "1"}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_real_vgs_and_lvs_output_parses() -> None:
    """The argv builders produce command lines the real tools accept, and we parse them."""
    vgs = require_tool("vgs")
    lvs = require_tool("lvs")
    require_root("LVM reporting needs root")
    vg_list = parse_vgs(_run([vgs, *vgs_argv()[1:]]))
    lv_list = parse_lvs(_run([lvs, *lvs_argv()[1:]]))
    assert all(vg.extent_size_kib > 0 for vg in vg_list)
    assert all(lv.attr for lv in lv_list)
