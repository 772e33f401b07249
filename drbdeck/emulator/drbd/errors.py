"""The one exception the emulated kernel raises: a refusal worded like DRBD's.

Kernel operations raise :class:`DrbdError` with the text ``drbdsetup`` would print and the
exit code it would return, so the command front-ends (``drbdadm``/``drbdsetup``) only have
to forward it — no message is invented in two places.
"""

from __future__ import annotations

#: drbdsetup's exit code for a kernel "Failure: (NNN) …" reply.
EXIT_FAILURE = 10
#: drbdsetup's exit code for a refused state change ("State change failed: (-N) …").
EXIT_STATE_CHANGE = 11
#: drbdmeta's exit code for device/open problems.
EXIT_META = 20


class DrbdError(Exception):
    """A refused kernel request: ``message`` is printed on stderr, ``exit_code`` returned."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE, cmd: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.cmd = cmd  # the drbdsetup/drbdmeta call drbdadm would report as failed

    def __str__(self) -> str:
        return self.message
