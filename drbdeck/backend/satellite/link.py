"""NodeLink: the one SSH connection drbdeck keeps to one node.

A supervisor task owns the connection: it connects (bounded by the pool's connect gate),
watches it (SSH keepalives detect a dead peer), and reconnects with exponential backoff
and full jitter when it is lost, so a rebooting rack of nodes does not get a thundering
herd of handshakes. Host-key problems are *not* retried: the link parks in
UNKNOWN_HOST_KEY or HOST_KEY_MISMATCH until the operator accepts the offered key.

Everything else (commands, files, streams) uses the current connection, and fails fast
with ``NodeOffline`` when there is none: the controller keeps pending changes and applies
them on reconnect, so waiting here would only hide the state from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import shlex
import time
from collections.abc import Callable
from typing import Any

import asyncssh

from drbdeck.backend.satellite import files
from drbdeck.backend.satellite.command import CommandResult, validate_argv
from drbdeck.backend.satellite.commandlog import CommandLog, stderr_tail
from drbdeck.backend.satellite.endpoint import NodeEndpoint
from drbdeck.backend.satellite.errors import (
    CommandFailed,
    CommandTimeout,
    HostKeyError,
    HostKeyStoreError,
    InvalidArgument,
    NodeOffline,
    SatelliteError,
)
from drbdeck.backend.satellite.hostkeys import HostKeyStore, fetch_host_key, fingerprint
from drbdeck.backend.satellite.status import LinkState, LinkStatus
from drbdeck.backend.satellite.stream import LinkStream, full_jitter
from drbdeck.config import SshConfig

log = logging.getLogger(__name__)

#: The live-state stream of a node (reference/drbd.md; no pty, no colour).
#: AES-GCM first: with AES-NI it costs about half the CPU per packet of asyncssh's default
#: chacha20-poly1305 on both ends (bench_scale: SFTP writes were cipher-bound), and every
#: OpenSSH since 6.2 offers it. The rest keep older or restricted sshd configs reachable.
PREFERRED_CIPHERS = (
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
    "aes256-ctr",
    "aes192-ctr",
    "aes128-ctr",
)

EVENTS2_ARGV = ["drbdsetup", "events2", "all", "--statistics", "--timestamps", "--color=never"]

#: Probe run once per connection: does the node have coreutils ``timeout``? OpenSSH
#: refuses "signal" requests on root sessions ("session signalling requires privilege
#: separation"), so closing the channel alone would leave a timed-out command running.
#: Where ``timeout`` exists, commands with a timeout run under it (killed remotely 1 s
#: after the local timeout fires); elsewhere (e.g. the emulator) SIGKILL + close is used.
TIMEOUT_PROBE = ["timeout", "10", "true"]
REMOTE_KILL_GRACE = 1.0

#: Concurrent command channels per connection. OpenSSH's MaxSessions defaults to 10; the
#: events2 stream and the SFTP client hold one each, so 8 keeps us under the limit.
DEFAULT_MAX_SESSIONS = 8

StatusListener = Callable[["NodeLink", LinkState], None]

_CONNECTION_ERRORS = (asyncssh.Error, OSError)


class _UnknownHostKey(Exception):
    pass


class _Client(asyncssh.SSHClient):
    """Remembers why the connection ended so OFFLINE can say it."""

    def __init__(self) -> None:
        self.lost_reason: Exception | None = None

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost_reason = exc


class NodeLink:
    """One node's SSH connection, kept open; see the module docstring."""

    def __init__(
        self,
        endpoint: NodeEndpoint,
        config: SshConfig | None = None,
        *,
        hostkeys: HostKeyStore | None = None,
        command_log: CommandLog | None = None,
        connect_gate: asyncio.Semaphore | None = None,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        rng: random.Random | None = None,
    ) -> None:
        if max_sessions < 1:
            raise InvalidArgument(f"max_sessions must be at least 1, got {max_sessions}")
        self.config = config or SshConfig()
        self.endpoint = endpoint.resolve(self.config)
        self.node = self.endpoint.name
        assert self.endpoint.known_hosts is not None and self.endpoint.port is not None
        self.hostkeys = hostkeys or HostKeyStore(self.endpoint.known_hosts)
        self.command_log = command_log if command_log is not None else CommandLog()
        self._gate = connect_gate
        self._sessions = asyncio.Semaphore(max_sessions)
        self._rng = rng or random.Random()
        self._state = LinkState(LinkStatus.STOPPED)
        self._listeners: list[StatusListener] = []
        self._waiters: list[tuple[frozenset[LinkStatus], asyncio.Future[LinkState]]] = []
        self._conn: asyncssh.SSHClientConnection | None = None
        self._online = asyncio.Event()
        self._kick = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._offered: asyncssh.SSHKey | None = None
        self._streams: list[LinkStream] = []
        self._sftp: asyncssh.SFTPClient | None = None
        self._sftp_missing = False
        self._sftp_lock = asyncio.Lock()
        self._remote_timeout = False  # node has coreutils timeout (probed per connection)
        self.connects = 0  # successful connects so far (tests and the console use it)

    # -- status --------------------------------------------------------------------------

    @property
    def state(self) -> LinkState:
        return self._state

    @property
    def status(self) -> LinkStatus:
        return self._state.status

    @property
    def connection(self) -> asyncssh.SSHClientConnection | None:
        return self._conn

    def add_listener(self, cb: StatusListener) -> Callable[[], None]:
        """Call ``cb(link, state)`` on every status change; returns a remover."""
        self._listeners.append(cb)

        def remove() -> None:
            if cb in self._listeners:
                self._listeners.remove(cb)

        return remove

    def _set(self, status: LinkStatus, **kw: Any) -> None:
        try:
            pinned = self.hostkeys.lookup(self.endpoint.host, self._port)
        except HostKeyStoreError:
            pinned = []
        kw.setdefault("pinned_fingerprint", fingerprint(pinned[0]) if pinned else "")
        self._state = LinkState(status, **kw)
        log.info("%s: %s %s", self.node, status, kw.get("error", ""))
        for cb in list(self._listeners):
            try:
                cb(self, self._state)
            except Exception:
                log.exception("%s: status listener failed", self.node)
        keep = []
        for wanted, fut in self._waiters:
            if fut.done():
                continue
            if status in wanted:
                fut.set_result(self._state)
            else:
                keep.append((wanted, fut))
        self._waiters = keep

    async def wait_status(self, *statuses: LinkStatus, timeout: float | None = None) -> LinkState:
        """Wait until the status is one of ``statuses``; returns that state.

        Returns the state that matched even if the link has moved on since (a brief
        OFFLINE between two connect attempts is not missed).
        """

        if self._state.status in statuses:
            return self._state
        fut: asyncio.Future[LinkState] = asyncio.get_running_loop().create_future()
        self._waiters.append((frozenset(statuses), fut))
        try:
            async with asyncio.timeout(timeout):
                return await fut
        finally:
            fut.cancel()

    @property
    def _port(self) -> int:
        assert self.endpoint.port is not None
        return self.endpoint.port

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Start the supervisor (connects in the background; watch the status)."""
        if self._task is None or self._task.done():
            self._kick.clear()
            self._task = asyncio.create_task(self._supervise(), name=f"link {self.node}")

    async def stop(self) -> None:
        """Stop streams, close the connection and the supervisor; leaves no task behind."""
        for s in list(self._streams):
            await s.stop()
        self._streams.clear()
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._drop_connection()
        self._set(LinkStatus.STOPPED)

    def reconnect(self) -> None:
        """Try to connect now instead of waiting out the backoff (or a host-key state)."""
        self._kick.set()
        self.start()

    async def accept_host_key(self, expected_fingerprint: str | None = None) -> str:
        """Pin the key the node offers and reconnect; returns its fingerprint.

        ``expected_fingerprint`` is what the operator read and approved; if the node now
        offers a different key, nothing is pinned and ``HostKeyError`` is raised.
        """
        key = self._offered
        if key is None:
            key, _ = await fetch_host_key(
                self.endpoint.host, self._port, timeout=self._connect_timeout or 10.0
            )
        fp = fingerprint(key)
        if expected_fingerprint is not None and expected_fingerprint != fp:
            raise HostKeyError(
                f"node {self.node!r} offers host key {fp}, not the accepted "
                f"{expected_fingerprint}; nothing was pinned"
            )
        self.hostkeys.pin(self.endpoint.host, self._port, key)
        self._offered = None
        self.reconnect()
        return fp

    @property
    def _connect_timeout(self) -> float | None:
        return self.config.connect_timeout or None

    def restart_delay(self, attempt: int) -> float:
        """Backoff for the ``attempt``-th consecutive failure (full jitter)."""
        return full_jitter(self.config.reconnect_min, self.config.reconnect_max, attempt,
                           self._rng)

    async def _supervise(self) -> None:
        attempts = 0
        while True:
            self._kick.clear()
            self._set(LinkStatus.CONNECTING, attempts=attempts)
            try:
                client = await self._connect()
            except _UnknownHostKey:
                self._park(LinkStatus.UNKNOWN_HOST_KEY, "no host key pinned for this node")
                await self._kick.wait()
                attempts = 0
                continue
            except asyncssh.HostKeyNotVerifiable as exc:
                await self._learn_offered_key()
                self._park(LinkStatus.HOST_KEY_MISMATCH, f"host key differs from the pinned "
                           f"one: {exc}")
                await self._kick.wait()
                attempts = 0
                continue
            except asyncssh.PermissionDenied as exc:
                attempts += 1
                await self._backoff(LinkStatus.AUTH_FAILED, f"authentication failed: {exc}",
                                    attempts)
                continue
            except (*_CONNECTION_ERRORS, TimeoutError, HostKeyError, HostKeyStoreError) as exc:
                attempts += 1
                await self._backoff(LinkStatus.OFFLINE, _describe(exc), attempts)
                continue
            except Exception as exc:  # a bug must not silently kill the node's supervisor
                log.exception("%s: unexpected error while connecting", self.node)
                attempts += 1
                await self._backoff(LinkStatus.OFFLINE, f"internal error: {exc!r}", attempts)
                continue
            try:
                await self._probe(client)
            except (*_CONNECTION_ERRORS, TimeoutError) as exc:
                await self._drop_connection()
                attempts += 1
                await self._backoff(LinkStatus.OFFLINE, _describe(exc), attempts)
                continue
            attempts = 0
            self.connects += 1
            self._set(LinkStatus.ONLINE)
            self._online.set()
            assert self._conn is not None
            await self._conn.wait_closed()
            reason = client.lost_reason
            await self._drop_connection()
            # A short jittered pause even before the first retry: when the controller's
            # own network blips, every node's link gets here at the same moment.
            await self._backoff(LinkStatus.OFFLINE, f"connection lost: {_describe(reason)}"
                                if reason else "connection closed by the node", 0)

    def _park(self, status: LinkStatus, error: str) -> None:
        self._set(status, error=error,
                  offered_fingerprint=fingerprint(self._offered) if self._offered else "")

    async def _learn_offered_key(self) -> None:
        try:
            self._offered, _ = await fetch_host_key(
                self.endpoint.host, self._port, timeout=self._connect_timeout or 10.0
            )
        except HostKeyError as exc:
            log.warning("%s: %s", self.node, exc)
            self._offered = None

    async def _backoff(self, status: LinkStatus, error: str, attempts: int) -> None:
        delay = self.restart_delay(max(attempts, 1))
        self._set(status, error=error, attempts=attempts, next_retry=time.time() + delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._kick.wait(), delay)

    async def _connect(self) -> _Client:
        known = self.hostkeys.known_hosts_for(self.endpoint.host, self._port)
        gate = self._gate or contextlib.nullcontext()
        async with gate:  # type: ignore[attr-defined]
            if known is None:
                self._offered, _ = await fetch_host_key(
                    self.endpoint.host, self._port, timeout=self._connect_timeout or 10.0
                )
                raise _UnknownHostKey
            client = _Client()
            conn, _ = await asyncssh.create_connection(
                lambda: client,
                self.endpoint.host,
                self._port,
                username=self.endpoint.user,
                known_hosts=known,
                client_keys=[self.endpoint.identity_file] if self.endpoint.identity_file else (),
                connect_timeout=self._connect_timeout,
                keepalive_interval=self.config.keepalive_interval or None,
                keepalive_count_max=self.config.keepalive_count_max,
                encryption_algs=PREFERRED_CIPHERS,
                config=None,
            )
        self._conn = conn
        self._sftp = None
        self._sftp_missing = False
        return client

    async def _probe(self, client: _Client) -> None:
        """Learn what the node offers before going ONLINE (recorded in the command log)."""
        assert self._conn is not None
        started = time.monotonic()
        result = await asyncio.wait_for(
            self._conn.run(shlex.join(TIMEOUT_PROBE), encoding=None, stdin=asyncssh.DEVNULL),
            self._connect_timeout,
        )
        self._remote_timeout = result.exit_status == 0
        self.command_log.record(self.node, TIMEOUT_PROBE, result.exit_status,
                                time.monotonic() - started, result.stderr or b"")

    async def _drop_connection(self) -> None:
        self._online.clear()
        conn, self._conn = self._conn, None
        sftp, self._sftp = self._sftp, None
        if sftp is not None:
            sftp.exit()
        if conn is not None:
            conn.close()
            with contextlib.suppress(Exception):
                await conn.wait_closed()

    async def wait_connection(self) -> asyncssh.SSHClientConnection:
        """Wait until the link is ONLINE and return the connection (used by streams)."""
        while True:
            await self._online.wait()
            if self._conn is not None:
                return self._conn
            await asyncio.sleep(0)

    def _require_conn(self) -> asyncssh.SSHClientConnection:
        conn = self._conn
        if conn is None or self._state.status != LinkStatus.ONLINE:
            raise NodeOffline(self.node, self._state.status, self._state.error)
        return conn

    # -- commands --------------------------------------------------------------------------

    async def run(
        self,
        argv: list[str],
        *,
        input: bytes | str | None = None,
        timeout: float | None = None,
        check: bool = False,
    ) -> CommandResult:
        """Run ``argv`` on the node (quoted with ``shlex.join``) and collect its output.

        ``timeout`` defaults to ``[ssh] command_timeout``; when it expires the remote
        process is sent SIGKILL, the channel is closed and ``CommandTimeout`` is raised.
        ``check=True`` raises ``CommandFailed`` (with the stderr tail) on a non-zero exit.
        Raises ``NodeOffline`` at once when the node is not connected.
        """
        args = validate_argv(argv)
        return await self.run_command_line(shlex.join(args), args, input=input,
                                           timeout=timeout, check=check, wrap=True)

    async def run_command_line(
        self,
        command: str,
        log_argv: list[str],
        *,
        input: bytes | str | None = None,
        timeout: float | None = None,
        check: bool = False,
        wrap: bool = False,
    ) -> CommandResult:
        """Run an already-quoted command line (composite commands such as ``a && b``).

        Only for lines built from ``shlex.quote``d parts inside drbdeck; ``run`` is the
        safe entry point for everything else. ``wrap`` (simple commands only) runs the
        line under the node's ``timeout`` so a timed-out command dies on the node too.
        """
        if timeout is None:
            timeout = self.config.command_timeout or None
        elif timeout <= 0:
            raise InvalidArgument(f"timeout must be positive, got {timeout!r}")
        data = input.encode() if isinstance(input, str) else input
        conn = self._require_conn()
        sent = command
        if wrap and timeout is not None and self._remote_timeout:
            sent = f"timeout -s KILL {timeout + REMOTE_KILL_GRACE:g} {command}"
        started = time.monotonic()
        proc: asyncssh.SSHClientProcess[bytes] | None = None
        try:
            async with asyncio.timeout(timeout), self._sessions:
                proc = await conn.create_process(sent, encoding=None)
                if data:
                    proc.stdin.write(data)
                proc.stdin.write_eof()
                stdout, stderr = await proc.communicate()
        except TimeoutError:
            if proc is not None:
                with contextlib.suppress(Exception):
                    proc.send_signal("KILL")
                proc.close()
            self.command_log.record(self.node, log_argv, None, time.monotonic() - started,
                                    timed_out=True, error=f"timed out after {timeout:g} s",
                                    command=command)
            raise CommandTimeout(self.node, command, timeout or 0.0) from None
        except _CONNECTION_ERRORS as exc:
            duration = time.monotonic() - started
            if proc is not None:
                proc.close()
            offline = self._conn is not conn or conn.is_closed()
            why = ("connection lost" if offline else "channel failed") + f": {_describe(exc)}"
            self.command_log.record(self.node, log_argv, None, duration, error=why,
                                    command=command)
            if offline:
                raise NodeOffline(self.node, self._state.status, why) from None
            raise SatelliteError(f"node {self.node!r}: {why}: {command}") from None
        duration = time.monotonic() - started
        exit_status = proc.exit_status
        error = ""
        if exit_status is None and proc.exit_signal:
            error = f"killed by signal {proc.exit_signal[0]}"
        elif exit_status is None and (self._conn is not conn or conn.is_closed()):
            why = "connection lost while the command ran"
            self.command_log.record(self.node, log_argv, None, duration, stderr or b"",
                                    error=why, command=command)
            raise NodeOffline(self.node, self._state.status, why)
        result = CommandResult(self.node, tuple(log_argv), exit_status, stdout or b"",
                               stderr or b"", duration)
        self.command_log.record(self.node, log_argv, exit_status, duration, result.stderr,
                                error=error, command=command)
        if check and exit_status != 0:
            raise CommandFailed(self.node, command, exit_status, stderr_tail(result.stderr))
        return result

    # -- files -----------------------------------------------------------------------------

    async def sftp(self) -> asyncssh.SFTPClient | None:
        """The connection's SFTP client (started once), or None if the node has no SFTP."""
        conn = self._require_conn()
        async with self._sftp_lock:
            if self._sftp is not None or self._sftp_missing:
                return self._sftp
            try:
                self._sftp = await conn.start_sftp_client()
            except (asyncssh.ChannelOpenError, asyncssh.SFTPError) as exc:
                log.info("%s: no SFTP (%s); using cat > tmp && mv", self.node, exc)
                self._sftp_missing = True
            return self._sftp

    async def write_file(self, path: str, data: bytes | str, mode: int = 0o644) -> None:
        """Replace ``path`` atomically (temp file + rename) with ``data``, mode ``mode``."""
        await files.write_file(self, path, data, mode)

    async def read_file(self, path: str) -> bytes:
        """The content of ``path`` on the node."""
        return await files.read_file(self, path)

    # -- streams ---------------------------------------------------------------------------

    def stream(
        self,
        argv: list[str],
        on_line: Callable[[str], None],
        *,
        on_start: Callable[[], None] | None = None,
        restart: bool = True,
    ) -> LinkStream:
        """Run ``argv`` whenever the link is online, delivering complete stdout lines.

        Restarted after every reconnect (``on_start`` is called first each time). Stop it
        with ``await stream.stop()``; ``link.stop()`` stops all of them.
        """
        s = LinkStream(self, validate_argv(argv), on_line, on_start=on_start, restart=restart)
        self._streams = [old for old in self._streams if old.running]
        self._streams.append(s)
        s.start()
        return s

    def watch_events2(self, state: Any) -> LinkStream:
        """Feed ``drbdsetup events2`` into a ``collectors.drbdstate.DrbdState``.

        ``state.reset()`` runs whenever the stream (re)starts, then ``state.feed(line)``
        gets every line.
        """
        return self.stream(EVENTS2_ARGV, state.feed, on_start=state.reset)

    # -- queries -------------------------------------------------------------------------

    async def query_vgs(self) -> list[Any]:
        """The node's volume groups (``collectors.lvm.parse_vgs``)."""
        from drbdeck.collectors import lvm

        result = await self.run(lvm.vgs_argv(), check=True)
        return list(lvm.parse_vgs(result.stdout_text))

    async def query_lvs(self) -> list[Any]:
        """The node's logical volumes (``collectors.lvm.parse_lvs``)."""
        from drbdeck.collectors import lvm

        result = await self.run(lvm.lvs_argv(), check=True)
        return list(lvm.parse_lvs(result.stdout_text))

    async def host_metrics(self) -> Any:
        """Load, memory, CPU and network counters from the node's /proc."""
        from drbdeck.collectors import hostmetrics

        result = await self.run(list(hostmetrics.PROC_ARGV), check=True)
        return hostmetrics.parse_proc_dump(result.stdout_text)

    def __repr__(self) -> str:
        return f"<NodeLink {self.node} {self.endpoint.address} {self.status}>"


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "closed"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.errno:
        return os.strerror(exc.errno).lower()
    return str(exc) or type(exc).__name__


__all__ = ["EVENTS2_ARGV", "NodeLink", "StatusListener"]


