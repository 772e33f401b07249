"""drbdeck's controller core (issue 3): the LINSTOR-compatible object model and its rules.

Modules, one job each:

- ``names``      LINSTOR naming rules and case-insensitive identity (linstor.md §2)
- ``units``      size strings as the linstor client reads/prints them (§6)
- ``apicall``    ApiCallRc entries, ret_code masks and constants, ApiError, HTTP status (§7)
- ``answers``    LINSTOR's success/warning texts ("New node 'x' registered.", not-connected)
- ``props``      property whitelist per object kind; DrbdOptions checked like drbdadm
- ``model``      dataclasses + ClusterModel (case-insensitive tables, indexed resources)
- ``codec``      model objects <-> JSON rows
- ``store``      SQLite (WAL, 0600, migrations), one undo-logged transaction per API call
- ``allocation`` ports, minors, node-ids, volume numbers, peer slots (§3)
- ``volumes``    per-replica volume records, LV names/paths, gross size with extent rounding
- ``ops_node`` / ``ops_rd`` / ``ops_rsc`` / ``ops_place``  the operations on one transaction
- ``ops_pool``   storage pool delete/modify, SPD delete (refused while in use)
- ``ops_spawn``  resource groups: spawn (rd + vd + auto-place), modify, delete
- ``operations`` async facade: one method per operation, answers + on_change hook

The LINSTOR REST JSON of these objects lives in :mod:`drbdeck.backend.rest.serialize`.
"""

from __future__ import annotations
