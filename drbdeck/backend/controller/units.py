"""The controller's size rule: a volume definition is 4 KiB .. 2^40 KiB (linstor.md §2).

Size *strings* are read and printed by :mod:`drbdeck.units`, shared with the CLI; the
controller itself receives sizes as integer KiB over REST.
"""

from __future__ import annotations

from drbdeck.backend.controller import apicall as rc

MIN_VD_KIB = 4
MAX_VD_KIB = 1 << 40


def check_vd_size(kib: int) -> int:
    """VD sizes must lie in 4 KiB .. 2^40 KiB (FAIL_INVLD_VLM_SIZE)."""
    if not MIN_VD_KIB <= kib <= MAX_VD_KIB:
        raise rc.error(rc.FAIL_INVLD_VLM_SIZE,
                       f"Invalid volume size {kib} KiB: must be {MIN_VD_KIB} KiB to "
                       f"{MAX_VD_KIB} KiB.")
    return kib
