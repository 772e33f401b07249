"""Why an adoption is refused, and what to do instead.

Why a type of its own: every refusal must reach the operator the same way (CLI, REST,
console form) with two parts — the rule that was broken, naming the node/volume/field, and
the way out — and none may leave anything behind. Refusals are raised before the first
change is made (derive runs on read-only facts).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Refusal(Exception):
    """``reason``: what is wrong (names the object); ``instead``: what to do about it."""

    kind: str  # stable id for tests and the console: "external-metadata", ...
    reason: str
    instead: str

    def __str__(self) -> str:
        return f"{self.reason}\n  Instead: {self.instead}"

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind, "reason": self.reason, "instead": self.instead}


KINDS = (
    "not-running",  # not running on a named node / a peer not named
    "unknown-node",  # a host of the .res that is not a drbdeck node (or offline)
    "address-mismatch",  # the .res address differs from the node's drbdeck address
    "name-rules",  # resource name breaks drbdeck's naming rules
    "already-managed",  # an RD of that name exists
    "external-metadata",
    "lv-names-differ",
    "not-lvm",  # backing device is not /dev/VG/LV of an LVM VG
    "minor-differs",
    "net-size",  # not a multiple of 1024 bytes
    "peer-slots",  # no metadata layout explains the sizes
    "lv-larger",  # needs AllowLargerVolumeSize
    "not-healthy",  # not connected / not UpToDate (unless forced)
    "port-in-use",
    "minor-in-use",
    "node-id",  # node-ids missing or inconsistent
    "options",  # an option drbdeck cannot carry over
)


__all__ = ["KINDS", "Refusal"]
