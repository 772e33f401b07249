"""The controller at run time: model → node workers, links, observed state (DESIGN.md).

``desired_map`` turns the model into each node's desired state (pure), ``observed`` joins
the nodes' events2 state to the objects, ``runtime.ControllerRuntime`` wires the store's
Operations, the node links and the reconciler together.
"""

from __future__ import annotations
