"""Where and how to reach one node: name, host, port, user, key, known_hosts.

Values the operator leaves out fall back to ``[ssh]`` in the config file (``resolve``).
Everything is validated here, once, because these values end up in SSH connection
parameters and in the command log; a bad one must fail with a message naming the field.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
from dataclasses import dataclass, replace
from pathlib import Path

from drbdeck.backend.satellite.errors import InvalidArgument
from drbdeck.config import SshConfig

# LINSTOR's node-name rule (RFC 1123 host name, reference/linstor.md §2).
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
_USER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*\$?$")


def validate_node_name(name: object) -> str:
    """Return ``name`` if it is a valid node name, else raise ``InvalidArgument``.

    Rule: 2–255 characters, dot-separated labels of 1–63 characters from
    ``[A-Za-z0-9-]``, no label starting or ending with ``-``.
    """
    if not isinstance(name, str):
        raise InvalidArgument(f"node name must be a string, got {type(name).__name__}")
    if not 2 <= len(name.encode()) <= 255:
        raise InvalidArgument(f"node name {name!r} must be 2 to 255 characters long")
    for label in name.split("."):
        if not label:
            raise InvalidArgument(f"node name {name!r} has an empty label (leading, trailing "
                                  "or double '.')")
        if len(label) > 63:
            raise InvalidArgument(f"node name {name!r}: label {label!r} is longer than 63 "
                                  "characters")
        if not _LABEL.match(label):
            raise InvalidArgument(
                f"node name {name!r}: label {label!r} may contain only letters, digits and "
                "'-', and may not start or end with '-'"
            )
    return name


def validate_host(host: object) -> str:
    """An IPv4/IPv6 address or an RFC 1123 host name (labels of letters, digits and '-').

    The value reaches asyncssh, the command log and the console; anything else (shell
    syntax, spaces, a leading '-') is refused here with a message naming the field.
    """
    if not isinstance(host, str) or not host:
        raise InvalidArgument("node host must be a non-empty string")
    with contextlib.suppress(ValueError):
        ipaddress.ip_address(host[1:-1] if host.startswith("[") and host.endswith("]") else host)
        return host
    name = host[:-1] if host.endswith(".") else host
    if len(name) > 253 or not all(_LABEL.match(label) and len(label) <= 63
                                  for label in name.split(".")):
        raise InvalidArgument(
            f"node host {host!r} must be an IPv4/IPv6 address or a host name of letters, "
            "digits and '-' in dot-separated labels (RFC 1123)"
        )
    return host


def validate_port(port: object) -> int:
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise InvalidArgument(f"node port must be an integer from 1 to 65535, got {port!r}")
    return port


def validate_user(user: object) -> str:
    if not isinstance(user, str) or not _USER.match(user) or len(user) > 64:
        raise InvalidArgument(
            f"ssh user {user!r} must be 1 to 64 characters from [A-Za-z0-9_.-], "
            "starting with a letter or '_'"
        )
    return user


@dataclass(frozen=True)
class NodeEndpoint:
    """How to reach one node. ``None``/empty fields take their value from ``SshConfig``."""

    name: str
    host: str
    port: int | None = None
    user: str | None = None
    identity_file: str | None = None
    known_hosts: str | None = None

    def __post_init__(self) -> None:
        validate_node_name(self.name)
        validate_host(self.host)
        if self.port is not None:
            validate_port(self.port)
        if self.user is not None:
            validate_user(self.user)
        for field_name in ("identity_file", "known_hosts"):
            value = getattr(self, field_name)
            if value is not None and (not isinstance(value, str) or "\x00" in value):
                raise InvalidArgument(f"node {field_name} must be a path string without NUL")

    def resolve(self, config: SshConfig) -> NodeEndpoint:
        """Fill every unset field from ``config``; the result has no ``None`` left."""
        return replace(
            self,
            port=self.port if self.port is not None else validate_port(config.port),
            user=self.user if self.user is not None else validate_user(config.user),
            identity_file=(
                self.identity_file if self.identity_file is not None else config.identity_file
            ),
            known_hosts=(
                self.known_hosts if self.known_hosts else str(config.known_hosts_path())
            ),
        )

    @property
    def address(self) -> str:
        """``host:port`` for messages (``[host]:port`` for IPv6 literals)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port if self.port is not None else 22}"

    @property
    def known_hosts_path(self) -> Path | None:
        return Path(self.known_hosts) if self.known_hosts else None
