"""drbdeck's controller core: names, units, ret codes, properties, model, store, allocation.

Each module has one job; the REST layer, the CLI and the reconciler build on them.
"""

from __future__ import annotations
