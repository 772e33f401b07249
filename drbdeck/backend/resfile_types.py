"""Error and result types shared by the .res parser, validator and renderer.

Kept in their own module so the parser, the validator and the facade
(:mod:`drbdeck.backend.resfile`) can all raise/return them without import cycles.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from drbdeck.backend.resconfig import Options, ResourceConfig

#: drbdadm's exit code for configuration (parse or validation) errors.
EXIT_CONFIG = 10


class ResFileError(Exception):
    """A configuration error, worded like drbdadm's, with drbdadm's exit code.

    The emulator's drbdadm prints ``message`` to stderr and exits with ``exit_code``, so
    callers see the same behaviour as with the real tool.
    """

    def __init__(self, message: str, exit_code: int = EXIT_CONFIG) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message

    def with_suffix(self, suffix: str) -> ResFileError:
        """The same error with text appended (e.g. drbdadm's ``(TK n)`` token code)."""
        return ResFileError(self.message + suffix, self.exit_code)


@dataclass
class DrbdConf:
    """A whole configuration tree (``/etc/drbd.conf`` plus everything it includes)."""

    resources: list[ResourceConfig] = field(default_factory=list)
    global_opts: Options = field(default_factory=dict)
    #: ``common { net { … } }`` → ``{"net": {...}, "options": {...}, ...}``
    common: dict[str, Options] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # every file read, in order

    def resource(self, name: str) -> ResourceConfig | None:
        for r in self.resources:
            if r.name == name:
                return r
        return None

    def effective(self, rc: ResourceConfig) -> ResourceConfig:
        """``rc`` with the ``common`` sections merged in underneath (the resource wins),
        as drbdadm applies them; ``rc`` itself is not modified."""
        c = self.common
        return replace(
            rc,
            options={**c.get("options", {}), **rc.options},
            net={**c.get("net", {}), **rc.net},
            disk={**c.get("disk", {}), **rc.disk},
            handlers={**c.get("handlers", {}), **rc.handlers},
            startup={**c.get("startup", {}), **rc.startup},
        )
