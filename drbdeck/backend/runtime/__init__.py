"""The controller at run time: model → node workers, links, observed state (DESIGN.md).

``desired_map`` turns the model into each node's desired state (pure), ``observed`` joins
the nodes' events2 state to the objects, ``capacity`` measures storage pools on a node,
``runtime.ControllerRuntime`` wires the store's Operations, the node links and the
reconciler together.
"""

from __future__ import annotations

from drbdeck.backend.runtime.desired_map import desired_for_node
from drbdeck.backend.runtime.observed import Observed, ObservedState, state_string
from drbdeck.backend.runtime.runtime import NODE_STATUS, ControllerRuntime

__all__ = ["NODE_STATUS", "ControllerRuntime", "Observed", "ObservedState",
           "desired_for_node", "state_string"]
