"""``df`` on an emulated node: the POSIX format the controller parses, its errors, and
used space that follows the files written."""

from __future__ import annotations

from drbdeck.backend.runtime.capacity import parse_df
from drbdeck.emulator.df import ROOT_FS_KIB
from drbdeck.emulator.node import EmulatedNode
from tests.emulator.test_lvm_tools import sh


async def test_df_reports_the_root_filesystem_and_follows_files() -> None:
    node = EmulatedNode("alpha", "10.99.0.1")
    first = await sh(node, "mkdir -p /srv/fat && df -kP /srv/fat")
    assert first.status == 0, first.err
    header, row = first.out.splitlines()
    assert header.split()[:2] == ["Filesystem", "1024-blocks"]
    assert row.split()[0] == "/dev/root" and row.split()[-1] == "/"
    free0, total = parse_df(first.out) or (0, 0)
    assert total == ROOT_FS_KIB and 0 < free0 <= total
    assert (await sh(node, "truncate -s 1G /srv/fat/a.img")).status == 0
    free1, _ = parse_df((await sh(node, "df -k -P /srv/fat")).out) or (0, 0)
    assert free0 - free1 == 1024 * 1024


async def test_df_errors_are_coreutils_words() -> None:
    node = EmulatedNode("alpha", "10.99.0.1")
    missing = await sh(node, "df -kP /nowhere")
    assert missing.status == 1 and missing.out == ""
    assert missing.err == "df: /nowhere: No such file or directory\n"
    bad = await sh(node, "df -x /")
    assert bad.status == 1 and "invalid option -- 'x'" in bad.err
