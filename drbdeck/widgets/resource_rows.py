"""State -> rows of the resource list, without Textual (unit-testable, fast).

One *row* is one resource: a header line always, plus detail lines when the resource is
degraded (the old DrbdMon's "collapse healthy, expand problems", drbd.md §5.2). Two modes:

* **cluster**: one DrbdState per node and, optionally, the controller's ClusterModel. The
  row joins desired replicas (model) with what each node reports, so a replica that is
  desired but not seen yet shows as pending, a replica being deleted shows DELETING, and a
  node whose link is down shows its last known data marked *stale* (never silently frozen).
* **mon**: a single local DrbdState, no model: drbdmon's own-node view (local role and
  disks, connections to peers by name, peer disks, replication).

Lines are rich ``Text``; the widget turns them into cached Strips.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from drbdeck.widgets.glyphs import ALERT, STYLE
from drbdeck.widgets.row_order import sort_key
from drbdeck.widgets.rowparts import Row, RowContext, fit, legend, mark
from drbdeck.widgets.rows_cluster import build_cluster_row
from drbdeck.widgets.rows_mon import build_mon_row

if TYPE_CHECKING:
    from drbdeck.backend.controller.model import ClusterModel

__all__ = ["Row", "RowContext", "all_resource_names", "build_row", "legend",
           "model_signatures", "sort_key"]


def all_resource_names(ctx: RowContext) -> list[str]:
    """Every resource to list: seen on any node plus (cluster mode) defined in the model."""
    names: dict[str, str] = {}
    if ctx.model is not None:
        for rd in ctx.model.rds.values():
            names[rd.name.upper()] = rd.name
    for st in ctx.states.values():
        for n in list(st.resources):
            names.setdefault(n.upper(), n)
    return list(names.values())


def build_row(name: str, ctx: RowContext) -> Row:
    """The row of resource ``name``; never raises for odd data (it shows as a problem)."""
    try:
        return build_mon_row(name, ctx) if ctx.mon else build_cluster_row(name, ctx)
    except Exception as exc:  # odd data must never take the console down
        t = Text(no_wrap=True)
        mark(t, ALERT, ctx.g)
        t.append(fit(name, ctx.name_width, ctx.g), STYLE["name"])
        t.append(f" cannot show: {type(exc).__name__}: {exc}", STYLE["alert"])
        return Row(name, ALERT, [t], [f"cannot show: {exc}"])


def model_signatures(model: ClusterModel | None) -> dict[str, tuple[object, ...]]:
    """Per resource definition: what the rows show of the desired state (volumes, replicas
    with node-id and flags), to find the rows a model change touched."""
    if model is None:
        return {}
    out: dict[str, tuple[object, ...]] = {}
    of_rd = model.resources.of_rd
    for k, rd in model.rds.items():
        reps = tuple(sorted((r.node, r.node_id, tuple(sorted(r.flags))) for r in of_rd(k)))
        out[rd.name] = (tuple(sorted(rd.volumes)), reps)
    return out
