"""drbdeck's configuration file: TOML, every key optional, every bad value named.

Looked up as ``--config FILE``, then ``$DRBDECK_CONFIG``, then
``/etc/drbdeck/drbdeck.toml`` (root) or ``$XDG_CONFIG_HOME/drbdeck/drbdeck.toml``. A
missing default file means defaults; a missing explicit file is an error.
``config.example.toml`` at the repository root documents every key.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """A config file that cannot be used; the message names the file, key and rule."""


def _data_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/var/lib/drbdeck")
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local/share")
    return Path(base) / "drbdeck"


def _config_dir() -> Path:
    if os.geteuid() == 0:
        return Path("/etc/drbdeck")
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "drbdeck"


@dataclass
class SshConfig:
    """How the controller reaches nodes. Per-node values override these."""

    user: str = "root"
    port: int = 22
    identity_file: str = ""  # empty: asyncssh's defaults (~/.ssh/id_*) and the agent
    known_hosts: str = ""  # empty: <data dir>/known_hosts (drbdeck's own, never ~/.ssh's)
    connect_timeout: float = 10.0
    command_timeout: float = 60.0
    keepalive_interval: float = 15.0
    keepalive_count_max: int = 3
    reconnect_min: float = 1.0  # first reconnect delay, seconds (doubles, with jitter)
    reconnect_max: float = 60.0
    max_concurrent_connects: int = 32

    def known_hosts_path(self) -> Path:
        return Path(self.known_hosts) if self.known_hosts else _data_dir() / "known_hosts"


@dataclass
class EmulatorConfig:
    """Defaults for ``drbdeck emulator`` and ``drbdeck demo``."""

    host: str = "127.0.0.1"
    port_base: int = 2200  # node i listens on port_base + i (0 picks free ports)
    sync_rate_kib: int = 102400  # per link, KiB/s: 1 GiB syncs in about 10 s
    vg_size_gib: int = 100  # size of each node's default VG ``vg0``
    thin_pool_gib: int = 50  # size of ``vg0/thin0``


@dataclass
class ClientConfig:
    """Where the CLI and the console find a running controller (LINSTOR's ``controllers``)."""

    controllers: str = ""  # "host[:port][,…]"; empty: localhost:3370 / in-process console


@dataclass
class Config:
    ssh: SshConfig = field(default_factory=SshConfig)
    emulator: EmulatorConfig = field(default_factory=EmulatorConfig)
    client: ClientConfig = field(default_factory=ClientConfig)
    source: str = "(defaults)"

    @property
    def controllers(self) -> str | None:
        """``[client] controllers`` or None: the CLI's and console's default controller
        list when neither ``--controllers`` nor ``LS_CONTROLLERS`` names one."""
        return self.client.controllers.strip() or None

    @property
    def data_dir(self) -> Path:
        return _data_dir()


_KIND = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _apply(section: str, target: Any, values: Any, source: str) -> None:
    if not isinstance(values, dict):
        raise ConfigError(f"{source}: [{section}] must be a table")
    known = {f.name: f for f in fields(target)}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(
                f"{source}: [{section}] has unknown key {key!r} (known: {', '.join(sorted(known))})"
            )
        current = getattr(target, key)
        expected = type(current)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or isinstance(value, bool) != isinstance(current, bool):
            raise ConfigError(
                f"{source}: [{section}] {key} must be {_KIND[expected]}, got {value!r}"
            )
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise ConfigError(f"{source}: [{section}] {key} must not be negative, got {value!r}")
        setattr(target, key, value)


def default_path() -> Path:
    return _config_dir() / "drbdeck.toml"


def load(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the config file; ``path`` None means ``$DRBDECK_CONFIG`` or the default path."""
    explicit = path is not None or bool(os.environ.get("DRBDECK_CONFIG"))
    p = Path(path if path is not None else os.environ.get("DRBDECK_CONFIG") or default_path())
    cfg = Config()
    if not p.exists():
        if explicit:
            raise ConfigError(f"{p}: config file not found")
        return cfg
    try:
        data = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read: {exc.strerror}") from None
    sections = {"ssh": cfg.ssh, "emulator": cfg.emulator, "client": cfg.client}
    for name, values in data.items():
        if name not in sections:
            raise ConfigError(
                f"{p}: unknown section [{name}] (known: {', '.join(sorted(sections))})"
            )
        _apply(name, sections[name], values, str(p))
    cfg.source = str(p)
    return cfg
