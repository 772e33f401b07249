"""The console's forms (issue 4 "Forms (modals) and actions").

``open_form(app, kind, **context)`` pushes the form of ``kind`` over the app; the form
reads ``app.backend`` (the console backend: ``ops``, ``model``, ``states``,
``event_log``, ``query_storage``, ``host_key``), validates with the controller's own
rules as you type, previews the per-node commands (:mod:`drbdeck.backend.preview`,
in-process backends only), sends in a worker and reports answers as toasts and log
lines. A read-only console refuses to open any form.

Kinds and their context keywords (all optional; they preselect or prefill fields):

- ``node``: name, address, node_type, ssh_host, ssh_port, ssh_user
- ``storage-pool``: node, name, provider, backing
- ``resource-definition``: name, port, peer_slots, size (of volume 0)
- ``resource``: rd, mode ("auto"/"manual"), count, node
- ``make-available`` / ``add-replica`` / ``remove-replica``: rd, node
- ``delete``: what ("resource-definition", "resource", "volume-definition", "node"),
  rd, node, volume (required as the target needs them)
- ``property``: target ("controller", "node", "resource-definition",
  "volume-definition", "resource"), rd, node, volume, key, value, action ("set"/"delete")
- ``adopt``: node, resource, nodes (list), force, allow_larger (a hand-made resource)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drbdeck.tui.forms.adopt import AdoptForm
from drbdeck.tui.forms.base import FormScreen
from drbdeck.tui.forms.delete import DeleteForm
from drbdeck.tui.forms.node import NodeForm
from drbdeck.tui.forms.property import PropertyForm
from drbdeck.tui.forms.replica import AddReplicaForm, MakeAvailableForm, RemoveReplicaForm
from drbdeck.tui.forms.resource import ResourceForm
from drbdeck.tui.forms.resource_definition import ResourceDefinitionForm
from drbdeck.tui.forms.storage_pool import StoragePoolForm

FORMS: dict[str, type[FormScreen]] = {
    "node": NodeForm,
    "storage-pool": StoragePoolForm,
    "resource-definition": ResourceDefinitionForm,
    "resource": ResourceForm,
    "make-available": MakeAvailableForm,
    "add-replica": AddReplicaForm,
    "remove-replica": RemoveReplicaForm,
    "delete": DeleteForm,
    "property": PropertyForm,
    "adopt": AdoptForm,
}
KINDS = tuple(FORMS)


def is_readonly(app: Any) -> bool:
    backend = getattr(app, "backend", None)
    return bool(getattr(app, "readonly", False) or getattr(backend, "readonly", False))


def open_form(app: Any, kind: str, *, on_done: Callable[[bool | None], Any] | None = None,
              **context: Any) -> None:
    """Push the form ``kind`` (see the module docstring); ``on_done(sent)`` afterwards.

    A read-only console gets a warning toast instead; an unknown kind or a delete without
    its target is a programming error (ValueError), not a user error.
    """
    if kind not in FORMS:
        raise ValueError(f"unknown form {kind!r}; kinds: {', '.join(KINDS)}")
    if is_readonly(app):
        app.notify("This console is read-only: no changes can be made.",
                   title="read-only", severity="warning")
        return
    screen = FORMS[kind](app.backend, **context)
    app.push_screen(screen, on_done)


__all__ = ["FORMS", "KINDS", "FormScreen", "is_readonly", "open_form"]
