"""Cached JSON text of each replica in ``view/resources``.

Why: ``r l`` with 30,000 replicas would spend over a second building and encoding the same
objects again on every call (the target is 200 ms). Each replica's JSON is kept with the
objects and the observed state it was built from, and reused while those are unchanged:

* the operations facade reports every committed change as "these nodes' state changed"
  (``Operations.on_change``); every cached replica on those nodes is dropped — any change
  that can alter a replica's view (its RD, VDs, peers, flags, props) names all nodes of
  that RD;
* an object replaced rather than edited (rollback, re-create) has a new identity, which
  the cache compares;
* the observed state is compared by value on every request, so DRBD state changes show
  at once;
* pool extent sizes (reported by the nodes outside any API call) decide the allocated
  size of every replica of an RD, so a change to any of them clears the whole cache.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from drbdeck.backend.controller.model import Resource, ResourceDfn
from drbdeck.backend.controller.names import key
from drbdeck.backend.rest.serialize import ResourceView

Entry = tuple[Resource, "ResourceDfn | None", Any, str]


class ViewCache:
    """(node key → rd key → entry); ``invalidate`` is the ``on_change`` hook."""

    def __init__(self) -> None:
        self._by_node: dict[str, dict[str, Entry]] = {}
        self._extents: object = None
        self.hits = 0
        self.misses = 0

    def invalidate(self, nodes: Iterable[str]) -> None:
        for n in nodes:
            self._by_node.pop(key(n), None)

    def clear(self) -> None:
        self._by_node.clear()

    def render(self, view: ResourceView, resources: Iterable[Resource]) -> str:
        """The JSON list text of ``resources`` (in the given order)."""
        model = view.model
        observed = view.observed
        extents = sorted((k, p.extent_kib) for k, p in model.pools.items())
        if extents != self._extents:
            self._by_node.clear()
            self._extents = extents
        parts: list[str] = []
        by_node = self._by_node
        dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
        for r in resources:
            nk, rk = r.node.upper(), r.rd.upper()
            rd = model.rds.get(r.rd)
            obs = observed(r.rd, r.node) if observed is not None else None
            node_cache = by_node.get(nk)
            if node_cache is None:
                node_cache = by_node[nk] = {}
            e = node_cache.get(rk)
            if e is not None and e[0] is r and e[1] is rd and e[2] == obs:
                self.hits += 1
                parts.append(e[3])
                continue
            self.misses += 1
            text = dumps(view.resource(r, obs))
            node_cache[rk] = (r, rd, obs, text)
            parts.append(text)
        return "[" + ",".join(parts) + "]"
