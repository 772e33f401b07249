"""Command lines sent to nodes: argv validation and the result of one command.

Arguments are built as lists and quoted with ``shlex.join`` so hostile names can never
become shell syntax; NUL and newline are refused outright because no quoting survives
them everywhere (a newline ends a command line in some shells and in logs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from drbdeck.backend.satellite.errors import InvalidArgument


def validate_argv(argv: object) -> list[str]:
    """Return ``argv`` as a list if every element is a string without NUL or newline."""
    if isinstance(argv, str | bytes) or not isinstance(argv, Sequence):
        raise InvalidArgument(
            f"argv must be a list of strings, got {type(argv).__name__} (use a list, not a "
            "command string)"
        )
    if not argv:
        raise InvalidArgument("argv must not be empty")
    out = []
    for i, arg in enumerate(argv):
        if not isinstance(arg, str):
            raise InvalidArgument(f"argv[{i}] must be a string, got {type(arg).__name__}")
        if "\x00" in arg:
            raise InvalidArgument(f"argv[{i}] {arg!r} contains a NUL character")
        if "\n" in arg or "\r" in arg:
            raise InvalidArgument(f"argv[{i}] {arg!r} contains a newline")
        out.append(arg)
    if not out[0]:
        raise InvalidArgument("argv[0] (the program) must not be empty")
    return out


def validate_remote_path(path: object) -> str:
    """An absolute remote path without NUL or newline."""
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidArgument(f"remote path must be an absolute path string, got {path!r}")
    if "\x00" in path or "\n" in path or "\r" in path:
        raise InvalidArgument(f"remote path {path!r} contains NUL or a newline")
    if path.endswith("/"):
        raise InvalidArgument(f"remote path {path!r} names a directory, not a file")
    return path


@dataclass(frozen=True)
class CommandResult:
    """What one remote command produced. ``exit_status`` is None when it was killed."""

    node: str
    argv: tuple[str, ...]
    exit_status: int | None
    stdout: bytes
    stderr: bytes
    duration: float  # seconds, from channel open to exit

    @property
    def ok(self) -> bool:
        return self.exit_status == 0

    @property
    def stdout_text(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    @property
    def stderr_text(self) -> str:
        return self.stderr.decode("utf-8", "replace")
