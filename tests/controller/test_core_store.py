"""SQLite store: round trip, rollback leaves nothing half-written, 0600, copy, migrations."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from drbdeck.backend.controller import store as store_mod
from drbdeck.backend.controller.model import (
    ClusterModel,
    Node,
    NodeType,
    Provider,
    Resource,
    ResourceDfn,
    StorPool,
    StorPoolDfn,
    Volume,
    VolumeDfn,
)
from drbdeck.backend.controller.store import Store, StoreError


def _fill(st: Store) -> None:
    with st.transaction() as tx:
        tx.put(Node("Alpha", NodeType.COMBINED, "10.0.0.1", "h", 2222, "root",
                    {"Aux/rack": "1"}, {"EVACUATE"}))
        tx.put(StorPoolDfn("pool1"))
        tx.put(StorPool("Alpha", "pool1", Provider.LVM_THIN,
                        {"StorDriver/StorPoolName": "vg0/thin0"}, 100, 200, 4096))
        rd = ResourceDfn("r1", port=15500, peer_slots=4, secret="s", props={"x": "y"})
        rd.volumes[1] = VolumeDfn(1, 1371956, 9100, {"OverrideVlmId": "legacy"}, {"GROSS_SIZE"})
        tx.put(rd)
        r = Resource("Alpha", "r1", 4, "pool1", 15500, {"DISKLESS", "DRBD_DISKLESS"})
        r.volumes[1] = Volume(1, "pool1", "/dev/vg0/legacy", 1372160)
        tx.put(r)
        tx.edit_controller_props()["PeerSlotsNewResource"] = "4"


def _same(a: ClusterModel, b: ClusterModel) -> None:
    assert dict(a.nodes) == dict(b.nodes)
    assert dict(a.spds) == dict(b.spds) and a.pools == b.pools
    assert dict(a.rgs) == dict(b.rgs) and dict(a.rds) == dict(b.rds)
    assert a.resources == b.resources and a.controller_props == b.controller_props


def test_round_trip_and_initial_rg(tmp_path: Path) -> None:
    st = Store(tmp_path / "d.db")
    assert st.model.rgs["dfltrscgrp"].place_count == 2
    _fill(st)
    st.close()
    st2 = Store(tmp_path / "d.db")
    _same(st.model, st2.model)
    assert st2.model.nodes["alpha"].type is NodeType.COMBINED
    assert st2.model.rds["R1"].volumes[1].flags == {"GROSS_SIZE"}
    assert st2.model.resource("r1", "ALPHA").volumes[1].allocated_kib == 1372160
    assert st2.integrity_check() == ["ok"]


def test_mode_0600_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "d.db"
    old = os.umask(0)
    try:
        st = Store(path)
        _fill(st)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for extra in (path.with_name("d.db-wal"), path.with_name("d.db-shm")):
        if extra.exists():
            assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0
    assert st._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_error_rolls_back_db_and_memory(tmp_path: Path) -> None:
    st = Store(tmp_path / "d.db")
    _fill(st)
    before = st.model.clone()
    with pytest.raises(RuntimeError, match="boom"), st.transaction() as tx:
        tx.put(Node("beta"))
        tx.edit(st.model.nodes["alpha"]).props["Aux/rack"] = "changed"
        tx.delete(st.model.rd("r1"))
        tx.edit_controller_props().clear()
        raise RuntimeError("boom")
    _same(before, st.model)
    st.close()
    _same(before, Store(tmp_path / "d.db").model)


def test_sql_failure_rolls_back_memory(tmp_path: Path) -> None:
    st = Store(tmp_path / "d.db")
    _fill(st)
    before = st.model.clone()
    with pytest.raises(TypeError), st.transaction() as tx:  # not JSON-serialisable
        tx.put(Node("beta"))
        tx.edit(st.model.nodes["alpha"]).props["bad"] = object()  # type: ignore[assignment]
    _same(before, st.model)
    _same(before, Store(tmp_path / "d.db").model)


def test_nested_transaction_refused(tmp_path: Path) -> None:
    st = Store(tmp_path / "d.db")
    with pytest.raises(RuntimeError, match="nested"), st.transaction(), st.transaction():
        pass


def test_copy_elsewhere_gives_same_model(tmp_path: Path) -> None:
    st = Store(tmp_path / "a.db")
    _fill(st)
    st.close()  # last close folds the WAL into the file
    shutil.copy(tmp_path / "a.db", tmp_path / "b.db")
    _same(st.model, Store(tmp_path / "b.db").model)


def test_backup_of_live_db(tmp_path: Path) -> None:
    st = Store(tmp_path / "a.db")
    _fill(st)
    st.backup(tmp_path / "c.db")
    assert stat.S_IMODE((tmp_path / "c.db").stat().st_mode) == 0o600
    _same(st.model, Store(tmp_path / "c.db").model)


def test_migrations_from_version_0(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    sqlite3.connect(path).close()  # an empty version-0 database
    st = Store(path)
    assert st.schema_version == store_mod.SCHEMA_VERSION >= 1
    assert "DfltRscGrp" in st.model.rgs


def test_newer_schema_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {store_mod.SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(StoreError, match="newer than this drbdeck supports"):
        Store(path)


def test_garbage_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"junk\.db"):
        Store(path)


def test_default_path_uses_data_dir() -> None:
    p = store_mod.default_path()
    assert p.name == "drbdeck.db"
    if os.geteuid() == 0:
        assert p == Path("/var/lib/drbdeck/drbdeck.db")


def test_resource_table_indexes_follow_changes_and_clones() -> None:
    m = ClusterModel.initial()
    a = Resource("alpha", "r1", 0)
    m.resources[("R1", "ALPHA")] = a
    m.resources[("R1", "BETA")] = Resource("beta", "r1", 1)
    m.resources[("R2", "ALPHA")] = Resource("alpha", "r2", 0)
    assert {r.node for r in m.resources_of_rd("r1")} == {"alpha", "beta"}
    assert {r.rd for r in m.resources_on_node("ALPHA")} == {"r1", "r2"}
    c = m.clone()
    del m.resources[("R1", "ALPHA")]
    m.resources.pop(("R2", "ALPHA"))
    assert m.resources_on_node("alpha") == [] and len(m.resources_of_rd("r1")) == 1
    assert len(c.resources_on_node("alpha")) == 2  # the clone kept its own index
    assert c.resource("r1", "alpha") is not a and c.resource("r1", "alpha") == a
    m.resources[("R1", "BETA")] = Resource("beta", "r1", 5)  # replace keeps one entry
    assert [r.node_id for r in m.resources_of_rd("r1")] == [5]


def test_loose_mode_is_tightened_and_directory_refused(tmp_path: Path) -> None:
    path = tmp_path / "loose.db"
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    Store(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(StoreError, match="cannot open"):
        Store(tmp_path)
