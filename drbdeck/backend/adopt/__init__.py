"""Adopting hand-made DRBD resources into drbdeck without a disconnect (issue 5).

Small modules, one job each: ``inspect`` reads the nodes (read-only), ``derive`` turns
that into drbdeck objects or a ``Refusal``, ``plan`` shows it as commands and file moves,
``execute`` runs it as one operation with rollback, ``service`` is the API the REST route,
the CLI and the console use.

How a disconnect is avoided (drbd-utils' ``adm_adjust``): ``drbdadm adjust`` disconnects a
running connection that its configuration does not list, and re-creates one whose path
(address/port) or transport changed; other net option differences are applied to the
live connection (``net-options``), resource options with ``resource-options``. So:

* ``drbdeck adopt`` creates every object in one transaction: each node's first generated
  file already lists all peers, with the running port, addresses, node-ids, minors, LVs,
  and the running options and shared secret carried over (DrbdOptions props, the RD's
  secret; quorum pinned only where drbdeck's automatic choice would differ) — adjust has
  nothing to change.
* The migration post's manual path (``rd c``, ``vd c``, ``r c`` one node after the other)
  needs no "stop the satellites": the reconciler holds a resource that runs on a node
  without a file of ours while it is connected to peers the definition does not list yet
  (``reconcile/plan.py``), and applies it once they are added. The post carries no secret
  over, so drbdeck's own shared secret is then set on the live connection (net-options,
  no reconnect) on both ends.
"""

from __future__ import annotations

from drbdeck.backend.adopt.plan import AdoptPlan
from drbdeck.backend.adopt.refusals import Refusal
from drbdeck.backend.adopt.service import AdoptResult, adopt, adopt_all, prepare

__all__ = ["AdoptPlan", "AdoptResult", "Refusal", "adopt", "adopt_all", "prepare"]
