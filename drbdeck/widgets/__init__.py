"""Reusable Textual widgets for the console (Line-API views for big live data).

* :mod:`~drbdeck.widgets.resource_list` — ``ResourceList``: drbdmon-style resources,
  problem-first, collapsed when healthy, expanded when degraded (cluster and mon mode).
* :mod:`~drbdeck.widgets.placement` — ``PlacementMatrix``: resources × nodes.
* :mod:`~drbdeck.widgets.logview` — ``LogView``, ``LogLine``, ``command_entry_line``.
* :mod:`~drbdeck.widgets.bars` — ``sync_bar``, ``capacity_bar`` (rich Text).
* :mod:`~drbdeck.widgets.glyphs` — symbols (Unicode/ASCII) and 16-colour styles.

The state → lines logic lives in Textual-free modules (``resource_rows`` and its parts,
``health``, ``placement_cells``, ``row_order``) so it can be unit-tested and profiled.
"""
