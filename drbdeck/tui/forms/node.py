"""Create a node: name, DRBD address, type, SSH endpoint — and its host key, seen first.

Why the two-step send: the controller trusts a node by its SSH host key; the operator
must see the fingerprint (fetched through the backend) and accept it before the node
exists, as one would with ``ssh`` the first time. Changing host or port forgets it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.widgets import Input, Static

from drbdeck.backend.preview import Step
from drbdeck.tui.forms import checks
from drbdeck.tui.forms.base import FormScreen
from drbdeck.tui.forms.fields import ChoiceField, TextField

NODE_TYPES = [("Satellite", "Satellite"), ("Combined", "Combined"),
              ("Controller", "Controller"), ("Auxiliary", "Auxiliary")]


class NodeForm(FormScreen):
    TITLE: ClassVar[str] = "Create node"
    ACTION: ClassVar[str] = "Create node"

    def __init__(self, backend: Any, **context: Any) -> None:
        super().__init__(backend, **context)
        self.fingerprint: str | None = None
        self.fingerprint_for: tuple[str, int] | None = None
        self.key_error: str | None = None

    def fields(self) -> ComposeResult:
        c = self.context
        yield TextField("Name", "name", value=c.get("name", ""), check=checks.node_name,
                        placeholder="alpha (must equal the node's uname -n)")
        yield TextField("Address", "address", value=c.get("address", ""),
                        check=checks.ip_address, placeholder="10.0.0.1 (DRBD replication)")
        yield ChoiceField("Type", "type", NODE_TYPES,
                          value=c.get("node_type") or "Satellite")
        yield TextField("SSH host", "ssh-host", value=c.get("ssh_host", ""), optional=True,
                        check=checks.ssh_host, placeholder="(the address)")
        yield TextField("SSH port", "ssh-port", value=str(c.get("ssh_port", "")),
                        optional=True, placeholder="22",
                        check=checks.int_range(*checks.SSH_PORT_RANGE, "SSH port"))
        yield TextField("SSH user", "ssh-user", value=c.get("ssh_user", ""), optional=True,
                        check=checks.ssh_user, placeholder="root")
        yield Static("", id="host-key")

    def _text(self, fid: str) -> str:
        return self.query_one(f"#{fid}-field", TextField).value

    def endpoint(self) -> tuple[str, int]:
        port = self._text("ssh-port")
        default = int(getattr(self.backend, "default_ssh_port", 22) or 22)
        return (self._text("ssh-host") or self._text("address"),
                int(port) if port else default)

    def steps(self) -> list[Step]:
        port = self._text("ssh-port")
        kw: dict[str, Any] = {
            "ssh_host": self._text("ssh-host") or None,
            "ssh_port": int(port) if port else None,
            "ssh_user": self._text("ssh-user") or None,
        }
        ntype = self.query_one("#type-field", ChoiceField).value
        return [Step("node_create", (self._text("name"), self._text("address"), ntype), kw)]

    def on_input_changed(self, event: Input.Changed) -> None:
        super().on_input_changed(event)
        if event.input.id in ("ssh-host", "ssh-port", "address") and \
                self.fingerprint_for is not None and self.fingerprint_for != self.endpoint():
            self.fingerprint = self.fingerprint_for = None
            self.query_one("#host-key", Static).update("")

    def ready(self) -> str | None:
        if not callable(getattr(self.backend, "host_key", None)):
            return None
        if self.fingerprint is not None and self.fingerprint_for == self.endpoint():
            return None
        host, port = self.endpoint()
        self.fetch_key(host, port)
        return f"… fetching the host key of {host}:{port}"

    @work(exclusive=True, group="host-key")
    async def fetch_key(self, host: str, port: int) -> None:
        out = self.query_one("#host-key", Static)
        status = self.query_one("#form-status", Static)
        try:
            fp = await self.backend.host_key(host, port)
        except Exception as exc:  # unreachable host, refused, timeout: say so, send nothing
            out.update(f"✗ could not read the host key of {host}:{port}: {exc}")
            status.update("✗ host key not read; nothing was sent.")
            return
        self.fingerprint, self.fingerprint_for = str(fp), (host, port)
        out.update(f"Host key of {host}:{port}\n  {fp}")
        status.update("Check the fingerprint; ctrl+s again accepts it and creates the node.")

    async def before_send(self) -> None:
        accept = getattr(self.backend, "accept_host_key", None)
        if callable(accept) and self.fingerprint is not None:
            host, port = self.endpoint()
            await accept(host, port, self.fingerprint)
