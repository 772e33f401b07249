"""How the emulated ``drbdadm`` finds its configuration, like the real one does.

``/etc/drbd.conf`` (or ``-c FILE``) is read from the node's in-memory file system through
:func:`drbdeck.backend.resfile.parse_tree`, ``common`` sections are folded into each
resource, and drbdadm's post-parse checks run for the node's host name. LINSTOR's
``--config-to-test NEW --config-to-exclude OLD`` swaps one file in before validating.
"""

from __future__ import annotations

import contextlib
import copy
import weakref
from dataclasses import dataclass

from drbdeck.backend import resfile
from drbdeck.backend.resconfig import ResourceConfig
from drbdeck.backend.resfile import ResFileError

DEFAULT_CONF = "/etc/drbd.conf"


@dataclass
class Target:
    """One command-line object: ``res``, ``res/vol``, ``res:peer`` or ``res:peer/vol``."""

    resource: str
    peer: str | None = None
    volume: int | None = None

    @classmethod
    def parse(cls, text: str) -> Target:
        vol: int | None = None
        if "/" in text:
            text, v = text.rsplit("/", 1)
            if not v.isdigit():
                raise ResFileError(f"'{v}' is not a valid volume number", 1)
            vol = int(v)
        peer = None
        if ":" in text:
            text, peer = text.split(":", 1)
        return cls(text, peer, vol)


@dataclass
class _Cached:
    key: tuple[str | None, ...]
    files: dict[str, bytes]  # every file read, with its content
    globs: dict[str, list[str]]  # every include pattern expanded, with its matches
    resources: list[ResourceConfig]


#: Per file system: the last successful load. drbdadm re-reads every file on every call;
#: with 100 resources per node that is ~30 ms of parsing per call, so an unchanged tree
#: (same files, same contents, same include-glob matches) reuses the previous result.
_CACHE: weakref.WeakKeyDictionary[object, _Cached] = weakref.WeakKeyDictionary()


def _still_valid(fs: object, c: _Cached) -> bool:
    for path, data in c.files.items():
        try:
            if fs.read_bytes(path) != data:  # type: ignore[attr-defined]
                return False
        except OSError:
            return False
    return all(
        sorted(fs.glob(pattern)) == matches  # type: ignore[attr-defined]
        for pattern, matches in c.globs.items()
    )


def load(
    fs: object,
    host: str,
    config: str | None = None,
    to_test: str | None = None,
    to_exclude: str | None = None,
) -> list[ResourceConfig]:
    """All resources of the configuration, validated for ``host``; raises ResFileError."""
    key = (config, to_test, to_exclude, host)
    try:
        cached = _CACHE.get(fs)
    except TypeError:
        cached = None
    if cached is not None and cached.key == key and _still_valid(fs, cached):
        return cached.resources
    raw: dict[str, bytes] = {}
    globs: dict[str, list[str]] = {}

    def record(p: str) -> str:
        try:
            data: bytes = fs.read_bytes(p)  # type: ignore[attr-defined]
        except FileNotFoundError as e:
            raise OSError(p) from e
        raw[p] = data
        return data.decode("utf-8", "replace")

    def glob(pattern: str) -> list[str]:
        matches = sorted(fs.glob(pattern))  # type: ignore[attr-defined]
        globs[pattern] = matches
        return matches

    out = _load(fs, host, config, to_test, to_exclude, record, glob)
    with contextlib.suppress(TypeError):
        _CACHE[fs] = _Cached(key, raw, globs, out)
    return out


def _load(
    fs: object,
    host: str,
    config: str | None,
    to_test: str | None,
    to_exclude: str | None,
    read: object,
    glob: object,
) -> list[ResourceConfig]:
    tree = resfile.parse_tree(config or DEFAULT_CONF, read, glob)  # type: ignore[arg-type]
    resources = [rc for rc in tree.resources if not to_exclude or rc.source != to_exclude]
    if to_test:
        try:
            text = read(to_test)  # type: ignore[operator]
        except OSError as e:
            raise ResFileError(f"Can not open '{to_test}'.\n.", exit_code=20) from e
        resources.extend(resfile.parse(text, to_test))
    merged = [_with_common(rc, tree.common) for rc in resources]
    resfile.validate(merged, host=host)
    return merged


def _with_common(rc: ResourceConfig, common: dict[str, dict[str, str]]) -> ResourceConfig:
    if not common:
        return rc
    out = copy.copy(rc)
    out.options = {**common.get("options", {}), **rc.options}
    out.net = {**common.get("net", {}), **rc.net}
    out.disk = {**common.get("disk", {}), **rc.disk}
    out.handlers = {**common.get("handlers", {}), **rc.handlers}
    return out


def for_host(resources: list[ResourceConfig], host: str) -> list[ResourceConfig]:
    return [rc for rc in resources if host in rc.hosts]


def tree(fs: object, config: str) -> resfile.DrbdConf:
    """The parsed tree itself (global and common sections), for ``dump``."""
    def read(p: str) -> str:
        data: bytes = fs.read_bytes(p)  # type: ignore[attr-defined]
        return data.decode("utf-8", "replace")

    return resfile.parse_tree(config, read, fs.glob)  # type: ignore[attr-defined]
