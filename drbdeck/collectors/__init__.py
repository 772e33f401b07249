"""Turn what nodes print (events2, LVM reports, /proc) into typed state.

* :mod:`.events2` — ``parse_line(line) -> Event`` for ``drbdsetup events2`` lines.
* :mod:`.drbdstate` — ``DrbdState``: one node's live DRBD state from its events2 stream.
* :mod:`.drbdobjects` — the per-object records (resource, device, connection, …).
* :mod:`.lvm` — ``vgs``/``lvs`` JSON command lines and parsers.
* :mod:`.hostmetrics` — load/memory/CPU/network from psutil or a ``/proc`` dump.

Nothing is imported here, so importing one collector does not pull in the others.
"""
