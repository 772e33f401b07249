"""The controller's SQLite store: the whole model in memory, one transaction per API call.

Why this shape: LINSTOR users lose work when a controller dies mid-change; here every API
call is one SQLite transaction (WAL, synchronous=FULL), so after a crash the DB holds
exactly the acknowledged calls. The in-memory ``ClusterModel`` is edited in place for
speed, but every touched object is snapshotted first (an undo log), so an error anywhere
— validation, SQL, commit — puts memory back exactly as it was. The DB is one file
(mode 0600: it holds DRBD shared secrets); copying it to another host moves the controller.
"""

from __future__ import annotations

import copy
import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from drbdeck.backend.controller import codec
from drbdeck.backend.controller.model import (
    ClusterModel,
    Node,
    Resource,
    ResourceDfn,
    ResourceGroup,
    StorPool,
    StorPoolDfn,
)
from drbdeck.backend.controller.names import key
from drbdeck.config import Config

T = TypeVar("T")


class StoreError(RuntimeError):
    """The DB cannot be used (newer schema, corrupt file, unreadable path)."""


def _m1(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE objects (kind TEXT NOT NULL, key TEXT NOT NULL, "
               "data TEXT NOT NULL, PRIMARY KEY (kind, key)) WITHOUT ROWID")
    db.execute("CREATE TABLE ctrl_props (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    rg = codec.encode(ClusterModel.initial().rgs["DfltRscGrp"])
    db.execute("INSERT INTO objects VALUES ('rg', 'DFLTRSCGRP', ?)", (json.dumps(rg),))


#: Migration i brings schema version i to i+1. Append only; never edit a released one.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_m1]
SCHEMA_VERSION = len(MIGRATIONS)


def default_path() -> Path:
    """/var/lib/drbdeck/drbdeck.db as root, the XDG data dir otherwise (config.data_dir)."""
    return Config().data_dir / "drbdeck.db"


Slot = tuple[str, str]
_CTRL: Slot = ("ctrl", "")
_MISSING = object()


def slot_of(obj: Any) -> Slot:
    """The (kind, key) row an object lives in."""
    if isinstance(obj, Node):
        return ("node", key(obj.name))
    if isinstance(obj, StorPoolDfn):
        return ("spd", key(obj.name))
    if isinstance(obj, StorPool):
        return ("pool", f"{key(obj.node)}\x00{key(obj.name)}")
    if isinstance(obj, ResourceGroup):
        return ("rg", key(obj.name))
    if isinstance(obj, ResourceDfn):
        return ("rd", key(obj.name))
    if isinstance(obj, Resource):
        return ("rsc", f"{key(obj.rd)}\x00{key(obj.node)}")
    raise TypeError(f"not a stored object: {type(obj).__name__}")


def _get(model: ClusterModel, slot: Slot) -> Any:
    kind, k = slot
    if kind == "ctrl":
        return model.controller_props
    if kind == "pool":
        return model.pools.get(tuple(k.split("\x00")), _MISSING)  # type: ignore[arg-type]
    if kind == "rsc":
        return model.resources.get(tuple(k.split("\x00")), _MISSING)  # type: ignore[arg-type]
    table = {"node": model.nodes, "spd": model.spds, "rg": model.rgs, "rd": model.rds}[kind]
    return dict.get(table, k, _MISSING)


def _set(model: ClusterModel, slot: Slot, obj: Any) -> None:
    kind, k = slot
    if kind == "ctrl":
        model.controller_props.clear()
        model.controller_props.update(obj)
        return
    if kind in ("pool", "rsc"):
        table: dict[Any, Any] = model.pools if kind == "pool" else model.resources
        tk: Any = tuple(k.split("\x00"))
        if obj is _MISSING:
            table.pop(tk, None)
        else:
            table[tk] = obj
        return
    names = {"node": model.nodes, "spd": model.spds, "rg": model.rgs, "rd": model.rds}[kind]
    # the CI dicts upper-case keys themselves; k is already the key, so bypass them
    if obj is _MISSING:
        dict.pop(names, k, None)
    else:
        dict.__setitem__(names, k, obj)


class Transaction:
    """The changes of one API call. Mutate the live ``model`` only through these methods.

    ``edit(obj)`` before changing an existing object in place; ``put(obj)`` to insert or
    replace; ``delete(obj)`` to remove; ``edit_controller_props()`` for controller props.
    """

    def __init__(self, model: ClusterModel) -> None:
        self.model = model
        self._undo: dict[Slot, Any] = {}

    def _snapshot(self, slot: Slot) -> None:
        if slot not in self._undo:
            old = _get(self.model, slot)
            self._undo[slot] = old if old is _MISSING else copy.deepcopy(old)

    def edit(self, obj: T) -> T:
        slot = slot_of(obj)
        self._snapshot(slot)
        if slot[0] == "rsc":  # changed in place: keep the per-pool counts exact
            self.model.resources.touch(tuple(slot[1].split("\x00")))  # type: ignore[arg-type]
        return obj

    def edit_controller_props(self) -> dict[str, str]:
        self._snapshot(_CTRL)
        return self.model.controller_props

    def put(self, obj: T) -> T:
        slot = slot_of(obj)
        self._snapshot(slot)
        _set(self.model, slot, obj)
        return obj

    def delete(self, obj: Any) -> None:
        slot = slot_of(obj)
        self._snapshot(slot)
        _set(self.model, slot, _MISSING)

    @property
    def touched(self) -> set[Slot]:
        return set(self._undo)

    def rollback(self) -> None:
        for slot, old in reversed(list(self._undo.items())):
            _set(self.model, slot, old)
        self._undo.clear()


class Store:
    """Open (creating 0600, migrating) a DB file and load the whole model from it."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(f"database path {self.path}: cannot open ({exc.strerror})") from None
        try:
            os.fchmod(fd, 0o600)  # tighten a file someone created with a looser mode
        finally:
            os.close(fd)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._in_tx = False
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._migrate()
            self.model = self._load()
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"database {self.path}: {exc}") from None

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > SCHEMA_VERSION:
            raise StoreError(f"database {self.path} has schema version {version}, newer than "
                             f"this drbdeck supports ({SCHEMA_VERSION}); upgrade drbdeck")
        for i in range(version, SCHEMA_VERSION):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                MIGRATIONS[i](self._db)
                self._db.execute(f"PRAGMA user_version = {i + 1}")
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _load(self) -> ClusterModel:
        model = ClusterModel()
        for kind, _k, data in self._db.execute("SELECT kind, key, data FROM objects"):
            obj = codec.decode(kind, json.loads(data))
            _set(model, slot_of(obj), obj)
        for k, v in self._db.execute("SELECT key, value FROM ctrl_props"):
            model.controller_props[k] = v
        return model

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One API call: all changes hit the DB in one commit, or none do (DB and memory)."""
        if self._in_tx:
            raise RuntimeError("nested store transaction")
        self._in_tx = True
        tx = Transaction(self.model)
        try:
            yield tx
            self._write(tx)
        except BaseException:
            tx.rollback()
            raise
        finally:
            self._in_tx = False

    def _write(self, tx: Transaction) -> None:
        if not tx.touched:
            return
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            for slot in tx.touched:
                kind, k = slot
                if kind == "ctrl":
                    db.execute("DELETE FROM ctrl_props")
                    db.executemany("INSERT INTO ctrl_props VALUES (?, ?)",
                                   sorted(self.model.controller_props.items()))
                    continue
                obj = _get(self.model, slot)
                if obj is _MISSING:
                    db.execute("DELETE FROM objects WHERE kind=? AND key=?", (kind, k))
                else:
                    db.execute("INSERT OR REPLACE INTO objects VALUES (?, ?, ?)",
                               (kind, k, json.dumps(codec.encode(obj), sort_keys=True)))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def integrity_check(self) -> list[str]:
        """``PRAGMA integrity_check`` rows; ``["ok"]`` for a sound file."""
        return [r[0] for r in self._db.execute("PRAGMA integrity_check")]

    def checkpoint(self) -> None:
        """Fold the WAL into the main file (so a plain copy of the .db is complete)."""
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self._db.close()

    def backup(self, dest: str | os.PathLike[str]) -> None:
        """A consistent copy of the live DB (mode 0600), e.g. for moving the controller."""
        fd = os.open(dest, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        target = sqlite3.connect(dest)
        try:
            self._db.backup(target)
        finally:
            target.close()
