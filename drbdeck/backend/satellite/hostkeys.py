"""drbdeck's own known_hosts: pinned node host keys, never ``~/.ssh/known_hosts``.

asyncssh does no trust-on-first-use, and drbdeck must not either: a node's key is learned
only when the operator accepts its SHA256 fingerprint (``node create``), and a changed key
stops the node's link until the operator accepts the new one. This module keeps the file
(OpenSSH format, ``[host]:port`` entries for non-22 ports, so ``ssh -o
UserKnownHostsFile=...`` can read it too), looks keys up, and fetches a server's key
*without* trusting it.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Sequence
from pathlib import Path

import asyncssh

from drbdeck.backend.satellite.errors import HostKeyError, HostKeyStoreError


def fingerprint(key: asyncssh.SSHKey) -> str:
    """The key's OpenSSH-style SHA256 fingerprint (``SHA256:...``), what operators compare."""
    return key.get_fingerprint("sha256")


def host_pattern(host: str, port: int) -> str:
    """The known_hosts pattern for ``host:port`` (plain host for port 22)."""
    return host if port == 22 else f"[{host}]:{port}"


def _parse_pattern(pattern: str) -> tuple[str, int]:
    if pattern.startswith("["):
        host, _, rest = pattern[1:].partition("]")
        if not rest.startswith(":") or not rest[1:].isdigit():
            raise ValueError(f"bad host pattern {pattern!r}")
        return host, int(rest[1:])
    return pattern, 22


class HostKeyStore:
    """Pinned host keys in one known_hosts file, re-read when the file changes on disk.

    Re-reading on change lets ``drbdeck node accept-key`` in another process take effect in
    a running controller without a restart. Writes are atomic (temp file + rename, 0600).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._entries: dict[tuple[str, int], list[asyncssh.SSHKey]] = {}
        self._extra: list[str] = []  # lines we do not manage (hashed, markers): kept verbatim
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()

    # -- reading -------------------------------------------------------------------------

    def _refresh(self) -> None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            self._entries, self._extra, self._stamp = {}, [], None
            return
        except OSError as exc:
            raise HostKeyStoreError(f"{self.path}: cannot read: {exc.strerror}") from None
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp == self._stamp:
            return
        try:
            text = self.path.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise HostKeyStoreError(f"{self.path}: cannot read: {exc}") from None
        entries: dict[tuple[str, int], list[asyncssh.SSHKey]] = {}
        extra: list[str] = []
        for lineno, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith(("@", "|")):
                extra.append(line)
                continue
            patterns, _, keytext = line.partition(" ")
            try:
                key = asyncssh.import_public_key(keytext.strip())
                hosts = [_parse_pattern(p) for p in patterns.split(",")]
            except (asyncssh.KeyImportError, ValueError) as exc:
                raise HostKeyStoreError(f"{self.path}:{lineno}: not a known_hosts entry: {exc}"
                                        ) from None
            for hp in hosts:
                entries.setdefault(hp, []).append(key)
        self._entries, self._extra, self._stamp = entries, extra, stamp

    def lookup(self, host: str, port: int) -> list[asyncssh.SSHKey]:
        """The keys pinned for ``host:port`` (empty when the host is unknown)."""
        with self._lock:
            self._refresh()
            return list(self._entries.get((host, port), []))

    def known_hosts_for(self, host: str, port: int) -> asyncssh.SSHKnownHosts | None:
        """An asyncssh known_hosts object trusting only this host's pinned keys, or None."""
        keys = self.lookup(host, port)
        if not keys:
            return None
        pattern = host_pattern(host, port)
        text = "".join(f"{pattern} {k.export_public_key().decode().strip()}\n" for k in keys)
        return asyncssh.import_known_hosts(text)

    def hosts(self) -> list[tuple[str, int]]:
        with self._lock:
            self._refresh()
            return sorted(self._entries)

    # -- writing -------------------------------------------------------------------------

    def pin(self, host: str, port: int, key: asyncssh.SSHKey) -> None:
        """Trust exactly ``key`` for ``host:port`` (replacing any earlier key)."""
        with self._lock:
            self._refresh()
            self._entries[(host, port)] = [key]
            self._save()

    def forget(self, host: str, port: int) -> bool:
        """Drop the pinned keys of ``host:port``; True if there were any."""
        with self._lock:
            self._refresh()
            found = self._entries.pop((host, port), None) is not None
            if found:
                self._save()
            return found

    def _save(self) -> None:
        lines = ["# drbdeck known_hosts: node host keys accepted by the operator"]
        for (host, port), keys in sorted(self._entries.items()):
            pattern = host_pattern(host, port)
            lines.extend(f"{pattern} {k.export_public_key().decode().strip()}" for k in keys)
        lines.extend(self._extra)
        data = "\n".join(lines) + "\n"
        tmp = self.path.with_name(f".{self.path.name}.tmp-{os.getpid()}")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(data)
            os.replace(tmp, self.path)
        except OSError as exc:
            raise HostKeyStoreError(f"{self.path}: cannot write: {exc.strerror}") from None
        st = self.path.stat()
        self._stamp = (st.st_mtime_ns, st.st_size)


async def fetch_host_key(
    host: str,
    port: int = 22,
    *,
    timeout: float = 10.0,
    algs: Sequence[str] = (),
) -> tuple[asyncssh.SSHKey, str]:
    """Ask ``host:port`` for its host key without trusting it; return (key, fingerprint).

    Used by ``node create`` (the operator compares the fingerprint) and by a link whose
    pinned key no longer matches (to show the offered fingerprint). No authentication
    happens, so this works before any client key is authorised on the node.
    """
    try:
        key = await asyncio.wait_for(
            asyncssh.get_server_host_key(
                host, port, server_host_key_algs=tuple(algs) or (), config=None
            ),
            timeout,
        )
    except TimeoutError:
        raise HostKeyError(f"{host}:{port}: no SSH handshake within {timeout:g} s") from None
    except (OSError, asyncssh.Error) as exc:
        raise HostKeyError(f"{host}:{port}: cannot fetch host key: {exc}") from None
    if key is None:
        raise HostKeyError(f"{host}:{port}: server offered no host key")
    return key, fingerprint(key)
