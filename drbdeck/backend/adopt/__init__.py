"""Adopting hand-made DRBD resources into drbdeck without a disconnect (issue 5).

Small modules, one job each: ``inspect`` reads the nodes (read-only), ``derive`` turns
that into drbdeck objects or a ``Refusal``, ``plan`` shows it as commands and file moves,
``execute`` runs it as one operation with rollback, ``service`` is the API the REST route,
the CLI and the console use.
"""

from __future__ import annotations

from drbdeck.backend.adopt.plan import AdoptPlan
from drbdeck.backend.adopt.refusals import Refusal
from drbdeck.backend.adopt.service import AdoptResult, adopt, adopt_all, prepare

__all__ = ["AdoptPlan", "AdoptResult", "Refusal", "adopt", "adopt_all", "prepare"]
