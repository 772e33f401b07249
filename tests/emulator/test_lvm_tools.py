"""LVM tools of an emulated node, run through the emulated shell (no SSH needed).

Expected texts and JSON shapes were captured from lvm2 2.03 run in metadata-only mode.
"""

from __future__ import annotations

import json

import pytest

from drbdeck.emulator.node import EmulatedNode
from drbdeck.emulator.shell import ShellIO, run_line

GIB = 1024**3


class Result:
    def __init__(self, status: int, out: str, err: str) -> None:
        self.status, self.out, self.err = status, out, err


async def sh(node: EmulatedNode, line: str, stdin: bytes = b"") -> Result:
    out: list[str] = []
    err: list[str] = []

    async def read_stdin() -> bytes:
        return stdin

    status = await run_line(node, line, ShellIO(out.append, err.append, read_stdin))
    return Result(status, "".join(out), "".join(err))


@pytest.fixture
def node() -> EmulatedNode:
    n = EmulatedNode("alpha", "10.99.0.1")
    n.lvm.add_vg("vg0", 100 * GIB)
    n.lvm.create_pool("vg0", "thin0", 50 * GIB)
    return n


def report(text: str, kind: str) -> list[dict[str, str]]:
    return json.loads(text)["report"][0][kind]


async def test_vgs_json_shape_and_values(node: EmulatedNode) -> None:
    r = await sh(node, "vgs --reportformat json --units k --nosuffix -o "
                 "vg_name,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,lv_count")
    assert r.status == 0, r.err
    assert r.out.startswith('  {\n      "report": [\n          {\n              "vg": [\n')
    (vg,) = report(r.out, "vg")
    # 50 GiB pool + 52 MiB metadata + 52 MiB spare metadata
    assert vg == {"vg_name": "vg0", "vg_size": "104857600.00", "vg_free": "52322304.00",
                  "vg_extent_size": "4096.00", "vg_extent_count": "25600",
                  "vg_free_count": "12774", "lv_count": "1"}


async def test_default_columns_match_lvm(node: EmulatedNode) -> None:
    r = await sh(node, "vgs --reportformat json --units k --nosuffix")
    assert list(report(r.out, "vg")[0]) == ["vg_name", "pv_count", "lv_count", "snap_count",
                                            "vg_attr", "vg_size", "vg_free"]
    r = await sh(node, "lvs --reportformat json --units k --nosuffix")
    assert list(report(r.out, "lv")[0])[:5] == ["lv_name", "vg_name", "lv_attr", "lv_size",
                                                "pool_lv"]
    r = await sh(node, "pvs --reportformat json --units k --nosuffix")
    assert report(r.out, "pv")[0]["pv_name"] == "/dev/vdb"


async def test_lvcreate_rounds_to_extents(node: EmulatedNode) -> None:
    r = await sh(node, "lvcreate --size 10M -n r1_00000 vg0 -y -Wn -an -Zn")
    assert r.status == 0, r.err
    assert r.out == ('  Rounding up size to full physical extent 12.00 MiB\n'
                     '  Logical volume "r1_00000" created.\n')
    r = await sh(node, "lvs --reportformat json --units k --nosuffix -o "
                 "lv_name,lv_size,lv_attr,lv_path,lv_dm_path,segtype vg0/r1_00000")
    assert report(r.out, "lv") == [{"lv_name": "r1_00000", "lv_size": "12288.00",
                                    "lv_attr": "-wi-a-----", "lv_path": "/dev/vg0/r1_00000",
                                    "lv_dm_path": "/dev/mapper/vg0-r1_00000",
                                    "segtype": "linear"}]
    assert node.block_device("/dev/vg0/r1_00000").size_bytes == 12 * 1024**2
    assert node.block_device("/dev/mapper/vg0-r1_00000") is not None
    r = await sh(node, "blockdev --getsize64 /dev/vg0/r1_00000")
    assert r.out == f"{12 * 1024**2}\n"


async def test_lvcreate_kib_size_exact(node: EmulatedNode) -> None:
    r = await sh(node, "lvcreate --size 1372160k vg0 -n r2_00000 -y")
    assert r.status == 0
    assert "Rounding" not in r.out


async def test_lvcreate_errors(node: EmulatedNode) -> None:
    await sh(node, "lvcreate -L 4M -n x vg0")
    r = await sh(node, "lvcreate -L 4M -n x vg0")
    assert (r.status, r.err) == (5, '  Logical Volume "x" already exists in volume group "vg0"\n')
    r = await sh(node, "lvcreate -L 1T -n big vg0")
    assert r.status == 5
    assert r.err == ('  Volume group "vg0" has insufficient free space (12773 extents): '
                     '262144 required.\n')
    r = await sh(node, "lvcreate -L 4M -n y nosuchvg")
    assert (r.status, r.err) == (5, '  Volume group "nosuchvg" not found\n'
                                    '  Cannot process volume group nosuchvg\n')
    r = await sh(node, "lvcreate -L 5X -n y vg0")
    assert r.status == 3 and "Invalid argument for --size: 5X" in r.err


async def test_thin_lv_and_pool_usage(node: EmulatedNode) -> None:
    r = await sh(node, "lvcreate -V 10G -T vg0/thin0 -n t1")
    assert r.status == 0, r.err
    assert r.out == '  Logical volume "t1" created.\n'
    lv = node.lvm.lv("vg0", "t1")
    lv.allocate(5 * GIB)
    r = await sh(node, "lvs --reportformat json --units k --nosuffix -o "
                 "lv_name,lv_size,pool_lv,data_percent,metadata_percent,lv_attr,segtype")
    rows = {x["lv_name"]: x for x in report(r.out, "lv")}
    assert rows["t1"]["pool_lv"] == "thin0"
    assert rows["t1"]["data_percent"] == "50.00"
    assert rows["t1"]["lv_attr"] == "Vwi-a-tz--"
    assert rows["thin0"]["data_percent"] == "10.00"
    assert rows["thin0"]["segtype"] == "thin-pool"
    assert float(rows["thin0"]["metadata_percent"]) > 0
    # overcommit warns, does not fail
    r = await sh(node, "lvcreate -V 100G -T vg0/thin0 -n t2")
    assert r.status == 0 and "exceeds the size of thin pool vg0/thin0" in r.err
    r = await sh(node, "lvcreate -V 1G -T vg0/nopool -n t3")
    assert (r.status, r.err) == (5, "  Pool nopool not found in Volume group vg0.\n")


async def test_thin_pool_creation(node: EmulatedNode) -> None:
    r = await sh(node, "lvcreate -T vg0/pool2 -L 1G")
    assert r.status == 0, r.err
    assert 'Logical volume "pool2" created.' in r.out
    assert node.lvm.lv("vg0", "pool2").is_pool


async def test_lvremove(node: EmulatedNode) -> None:
    await sh(node, "lvcreate -L 8M -n gone vg0")
    r = await sh(node, "lvremove -f vg0/gone")
    assert (r.status, r.out) == (0, '  Logical volume "gone" successfully removed.\n')
    r = await sh(node, "lvremove -f vg0/gone")
    assert (r.status, r.err) == (5, '  Failed to find logical volume "vg0/gone"\n')
    r = await sh(node, "lvs vg0/gone")
    assert r.status == 5


async def test_lvresize_and_extend(node: EmulatedNode) -> None:
    await sh(node, "lvcreate -L 12M -n r vg0")
    r = await sh(node, "lvresize -L 20M vg0/r")
    assert r.status == 0
    assert r.out == ("  Size of logical volume vg0/r changed from 12.00 MiB (3 extents) to "
                     "20.00 MiB (5 extents).\n  Logical volume vg0/r successfully resized.\n")
    r = await sh(node, "lvextend -L 10M vg0/r")
    assert r.status == 5
    assert "New size given (3 extents) not larger than existing size (5 extents)" in r.err
    r = await sh(node, "lvextend -L +4M vg0/r")
    assert r.status == 0 and node.lvm.lv("vg0", "r").extents == 6
    r = await sh(node, "lvresize -L 10M vg0/nosuch")
    assert (r.status, r.err) == (5, "  Logical volume nosuch not found in volume group vg0.\n")
    r = await sh(node, "lvresize -L 1T vg0/r")
    assert r.status == 5 and "insufficient free space" in r.err


async def test_text_reports(node: EmulatedNode) -> None:
    r = await sh(node, "vgs --noheadings --units k --nosuffix -o vg_name,vg_size --separator ';'")
    assert r.out == "  vg0;104857600.00\n"
    r = await sh(node, "vgs -o vg_name,bogus")
    assert (r.status, r.err) == (5, "  Unrecognised field: bogus\n")
    r = await sh(node, "vgs --reportformat json -o name,size --units g --nosuffix")
    assert report(r.out, "vg") == [{"vg_name": "vg0", "vg_size": "100.00"}]
    r = await sh(node, "vgs nosuch")
    assert r.status == 5 and 'Volume group "nosuch" not found' in r.err


async def test_select(node: EmulatedNode) -> None:
    node.lvm.add_vg("vg1", GIB)
    r = await sh(node, "vgs --reportformat json -S vg_name=vg1 -o vg_name")
    assert report(r.out, "vg") == [{"vg_name": "vg1"}]


async def test_file_pool_with_loop_device(node: EmulatedNode) -> None:
    r = await sh(node, "mkdir -p /var/lib/pools && truncate -s 10G /var/lib/pools/r1.img "
                 "&& losetup -f --show /var/lib/pools/r1.img")
    assert (r.status, r.out) == (0, "/dev/loop0\n")
    r = await sh(node, "blockdev --getsize64 /dev/loop0")
    assert r.out == f"{10 * GIB}\n"
    r = await sh(node, "losetup -j /var/lib/pools/r1.img")
    assert r.out.startswith("/dev/loop0: ") and r.out.endswith("(/var/lib/pools/r1.img)\n")
    assert node.block_device("/dev/loop0").size_bytes == 10 * GIB
    r = await sh(node, "vgcreate vgloop /dev/loop0")
    assert r.status == 0 and "vgloop" in node.lvm.vgs
    r = await sh(node, "losetup -d /dev/loop0 && losetup -d /dev/loop0")
    assert r.status == 1 and "detach failed" in r.err
    r = await sh(node, "losetup -f --show /nope.img")
    assert r.status == 1 and "No such file or directory" in r.err


async def test_blockdev_unknown_device(node: EmulatedNode) -> None:
    r = await sh(node, "blockdev --getsize64 /dev/vg0/nothing")
    assert (r.status, r.err) == (1, "blockdev: cannot open /dev/vg0/nothing: "
                                    "No such file or directory\n")
    r = await sh(node, "blockdev --getsize64 /dev/drbd1000")
    assert r.status == 1


async def test_md_survives_on_lv(node: EmulatedNode) -> None:
    await sh(node, "lvcreate -L 4M -n m vg0")
    dev = node.block_device("/dev/vg0/m")
    dev.md = {"marker": 1}
    node.fail_disk("/dev/vg0/m")
    assert node.block_device("/dev/vg0/m").md == {"marker": 1}
    r = await sh(node, "lvs --reportformat json -o lv_attr vg0/m")
    assert report(r.out, "lv")[0]["lv_attr"][8] == "p"


@pytest.mark.parametrize("line", [
    "lvcreate --size 4096k -n v vg0 --yes",
    "lvcreate -L4m -nv vg0 -y -Wn -an -Zn",
    "lvcreate -L 4M -n v vg0 -y -W n --wipesignatures n",
    "lvcreate -L 0.5g -n v vg0",
    "lvcreate -l 1 -n v vg0",
    "lvcreate vg0 -n v --size 4194304b",
])
async def test_lvcreate_spellings(node: EmulatedNode, line: str) -> None:
    r = await sh(node, line)
    assert r.status == 0, r.err
    assert "v" in node.lvm.vgs["vg0"].lvs


async def test_lvcreate_usage_errors(node: EmulatedNode) -> None:
    r = await sh(node, "lvcreate -n v vg0")
    assert r.status == 3 and "size" in r.err
    r = await sh(node, "lvcreate -L 4M -n v")
    assert r.status == 3 and "volume group" in r.err
    r = await sh(node, "lvcreate -L 4M -n other/v vg0")
    assert r.status == 3 and 'Inconsistent volume group names given: "other" and "vg0"' in r.err
    r = await sh(node, "lvcreate --bogus -L 4M -n v vg0")
    assert r.status == 3 and "--bogus" in r.err


async def test_json_std_numbers(node: EmulatedNode) -> None:
    r = await sh(node, "lvs --reportformat json_std --units k --nosuffix "
                 "-o lv_name,lv_size,data_percent,origin")
    (row,) = report(r.out, "lv")
    assert row == {"lv_name": "thin0", "lv_size": 52428800.0, "data_percent": 0.0, "origin": ""}
