"""A real OpenSSH sshd on 127.0.0.1 for tests, with its own config, keys and port.

Runs as root (it must, to log in as root and run commands in the real shell). It can be
stopped and restarted on the same port with the same or a new host key, and ``kill()``
also ends the per-connection sshd processes, which is what a node crash looks like to
the controller (stopping only the listener leaves existing sessions alive).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path

import asyncssh
import psutil


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _write_key(path: Path, key: asyncssh.SSHKey) -> None:
    path.write_bytes(key.export_private_key())
    path.chmod(0o600)


class Sshd:
    """One sshd instance; ``start()``/``kill()``/``restart(new_host_key=...)``."""

    def __init__(self, sshd_path: str, workdir: Path, *, sftp: bool = True) -> None:
        self.sshd_path = sshd_path
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.sftp = sftp
        self.client_key = asyncssh.generate_private_key("ssh-ed25519")
        self.client_key_path = self.dir / "id_ed25519"
        _write_key(self.client_key_path, self.client_key)
        (self.dir / "authorized_keys").write_bytes(self.client_key.export_public_key())
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        _write_key(self.dir / "host_ed25519", self.host_key)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = self.dir / "sshd.log"

    @property
    def host_fingerprint(self) -> str:
        return self.host_key.get_fingerprint("sha256")

    def _config(self) -> Path:
        lines = [
            f"Port {self.port}",
            "ListenAddress 127.0.0.1",
            f"HostKey {self.dir / 'host_ed25519'}",
            f"AuthorizedKeysFile {self.dir / 'authorized_keys'}",
            f"PidFile {self.dir / 'sshd.pid'}",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "UseDNS no",
            "MaxStartups 200",
            "MaxSessions 20",
            "LogLevel ERROR",
        ]
        if self.sftp:
            lines.append("Subsystem sftp internal-sftp")
        path = self.dir / "sshd_config"
        path.write_text("\n".join(lines) + "\n")
        return path

    def start(self) -> None:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        config = self._config()
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [self.sshd_path, "-D", "-e", "-f", str(config)],
            stdout=log, stderr=log, start_new_session=True,
        )
        log.close()
        self._wait_listening()

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"sshd exited: {self.log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"sshd did not listen on {self.port}")

    def kill(self) -> None:
        """Stop the listener and every session it spawned (a node crash)."""
        if self.proc is None:
            return
        try:
            victims = [psutil.Process(self.proc.pid), *psutil.Process(self.proc.pid).children(
                recursive=True)]
        except psutil.NoSuchProcess:
            victims = []
        for p in victims:
            with contextlib.suppress(psutil.NoSuchProcess):
                p.kill()
        psutil.wait_procs(victims, timeout=5)
        self.proc.wait()
        self.proc = None

    def restart(self, *, new_host_key: bool = False) -> None:
        self.kill()
        if new_host_key:
            self.host_key = asyncssh.generate_private_key("ssh-ed25519")
            _write_key(self.dir / "host_ed25519", self.host_key)
        self.start()

    def known_hosts_line(self) -> str:
        return f"[127.0.0.1]:{self.port} {self.host_key.export_public_key().decode().strip()}\n"


def link_config(sshd: Sshd, known_hosts: Path, **overrides: object) -> object:
    """An ``SshConfig`` for reaching ``sshd``: its client key, a test known_hosts file and
    short timeouts/backoff so reconnect tests finish quickly."""
    from drbdeck.config import SshConfig

    values: dict[str, object] = {
        "user": "root",
        "port": sshd.port,
        "identity_file": str(sshd.client_key_path),
        "known_hosts": str(known_hosts),
        "connect_timeout": 5.0,
        "command_timeout": 20.0,
        "keepalive_interval": 0.0,
        "reconnect_min": 0.05,
        "reconnect_max": 0.3,
    }
    values.update(overrides)
    return SshConfig(**values)  # type: ignore[arg-type]


def pin(sshd: Sshd, known_hosts: Path) -> None:
    """Trust the server's current host key in ``known_hosts`` (what an operator would do)."""
    from drbdeck.backend.satellite.hostkeys import HostKeyStore

    HostKeyStore(known_hosts).pin("127.0.0.1", sshd.port, sshd.host_key.convert_to_public())
