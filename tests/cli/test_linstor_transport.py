"""The CLI against a LINSTOR-shaped HTTP stub (stdlib http.server on 127.0.0.1).

The stub stands in for drbdeck's REST server until it lands; it answers canned JSON in
the shapes of linstor.md §7 and records what it received.
"""

from __future__ import annotations

import io
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from drbdeck.cli.linstor import main
from tests.cli import linstor_data as data

Route = tuple[int, Any]


class Stub:
    """Routes ``(METHOD, path-with-query)`` → (status, JSON or raw str); records calls."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.calls: list[tuple[str, str, Any]] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                stub.calls.append((self.command, self.path, json.loads(raw) if raw else None))
                status, body = stub.routes.get((self.command, self.path), (404, []))
                text = body if isinstance(body, str) else json.dumps(body)
                kind = "text/html" if isinstance(body, str) else "application/json"
                payload = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )


@pytest.fixture
def stub() -> Iterator[Stub]:
    s = Stub()
    s.thread.start()
    yield s
    s.server.shutdown()
    s.server.server_close()


def dead_address() -> str:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def run(stub: Stub | None, *words: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    out = io.StringIO()
    argv = (["--controllers", stub.address] if stub else []) + list(words)
    code = main(argv, None, stdout=out, environ=env or {})
    return code, out.getvalue()


def test_list_renders_the_answer(stub: Stub) -> None:
    stub.routes[("GET", "/v1/nodes")] = (200, data.NODES)
    code, out = run(stub, "--no-color", "n", "l")
    assert code == 0
    assert "| alpha | COMBINED" in out and "OFFLINE(HOST KEY MISMATCH)" in out
    assert stub.calls == [("GET", "/v1/nodes", None)]  # no version handshake


def test_create_success_prints_success_and_sends_the_body(stub: Stub) -> None:
    stub.routes[("POST", "/v1/nodes")] = (201, [data.RC_CREATED_NODE])
    code, out = run(stub, "node", "create", "alpha", "10.0.0.1", "--node-type", "Combined")
    assert code == 0
    assert out.splitlines()[:5] == [
        "SUCCESS:", "Description:", "    New node 'alpha' registered.", "Details:",
        "    Node 'alpha' UUID is: 1234",
    ]  # fmt: skip
    method, path, body = stub.calls[0]
    assert (method, path, body["name"], body["type"]) == ("POST", "/v1/nodes", "alpha", "combined")


def test_warning_exits_0(stub: Stub) -> None:
    stub.routes[("POST", "/v1/resource-definitions/legacy/resources")] = (
        201, [data.RC_NOT_CONNECTED],
    )  # fmt: skip
    code, out = run(stub, "r", "c", "--node-id", "4", "-s", "fatpool", "power", "legacy")
    assert code == 0
    assert out.startswith("WARNING:\nDescription:\n    No active connection to satellite 'beta'")
    assert stub.calls[0][2] == [
        {"resource": {"node_name": "power", "props": {"StorPoolName": "fatpool"}},
         "drbd_node_id": 4}
    ]  # fmt: skip


def test_warning_with_warn_as_error_exits_10(stub: Stub) -> None:
    stub.routes[("DELETE", "/v1/resource-definitions/first")] = (200, [data.RC_NOT_CONNECTED])
    code, _ = run(stub, "--warn-as-error", "rd", "d", "first")
    assert code == 10


def test_error_ret_code_exits_10_with_all_sections(stub: Stub) -> None:
    stub.routes[("POST", "/v1/resource-definitions/backups/autoplace")] = (
        500, [data.RC_NOT_ENOUGH_NODES],
    )  # fmt: skip
    code, out = run(stub, "r", "c", "backups", "--auto-place", "3")
    assert code == 10
    assert out.splitlines() == [
        "ERROR:", "Description:", "    Not enough available nodes", "Details:",
        "    Not enough nodes fulfilling the following auto-place criteria:",
        "     * has a deployed storage pool named [pool1]", "Correction:",
        "    Add nodes or storage pools.", "Show reports:", "    5F3A-000001",
    ]  # fmt: skip


def test_error_ret_code_with_success_status_still_exits_10(stub: Stub) -> None:
    answer = [data.RC_CREATED_NODE, data.RC_NOT_ENOUGH_NODES]
    stub.routes[("PUT", "/v1/nodes/alpha")] = (200, answer)
    code, out = run(stub, "n", "sp", "alpha", "Aux/rack", "r1")
    assert code == 10
    assert "SUCCESS:" in out and "ERROR:" in out


def test_not_found_on_a_list_exits_10(stub: Stub) -> None:
    err = {"ret_code": -4611686018416590551, "message": "Node 'zeta' not found."}
    stub.routes[("GET", "/v1/nodes/zeta")] = (404, [err])
    code, out = run(stub, "n", "lp", "zeta")
    assert code == 10
    assert "ERROR:" in out and "Node 'zeta' not found." in out and "Key" not in out


def test_non_json_error_exits_10(stub: Stub) -> None:
    stub.routes[("GET", "/v1/nodes")] = (502, "<html>bad gateway</html>")
    code, out = run(stub, "n", "l")
    assert code == 10
    assert "HTTP 502" in out


def test_machine_readable_prints_json(stub: Stub) -> None:
    stub.routes[("GET", "/v1/view/resources")] = (200, data.RESOURCES)
    code, out = run(stub, "-m", "r", "l")
    assert code == 0
    assert json.loads(out) == [data.RESOURCES]


def test_controller_version_and_props(stub: Stub) -> None:
    stub.routes[("GET", "/v1/controller/version")] = (200, data.VERSION)
    stub.routes[("GET", "/v1/controller/properties")] = (200, data.CONTROLLER_PROPS)
    assert run(stub, "c", "version") == (0, "linstor controller 1.28.0; GIT-hash: drbdeck\n")
    code, out = run(stub, "c", "lp")
    assert code == 0 and "| TcpPortAutoRange | 7000-7999" in out


def test_several_requests_all_sent(stub: Stub) -> None:
    for node in ("alpha", "bravo"):
        stub.routes[("DELETE", f"/v1/resource-definitions/r1/resources/{node}")] = (200, [])
    assert run(stub, "r", "d", "alpha", "bravo", "r1")[0] == 0
    assert [c[1] for c in stub.calls] == [
        "/v1/resource-definitions/r1/resources/alpha",
        "/v1/resource-definitions/r1/resources/bravo",
    ]


def test_connection_refused_exits_20_naming_the_url(capsys: pytest.CaptureFixture[str]) -> None:
    dead = dead_address()
    code, out = run(None, "--controllers", dead, "n", "l")
    assert code == 20 and out == ""
    assert f"http://{dead}" in capsys.readouterr().err


def test_next_controller_is_tried(stub: Stub) -> None:
    stub.routes[("GET", "/v1/nodes")] = (200, [])
    out = io.StringIO()
    argv = ["--controllers", f"{dead_address()},{stub.address}", "n", "l"]
    assert main(argv, None, stdout=out, environ={}) == 0
    assert stub.calls == [("GET", "/v1/nodes", None)]


def test_ls_controllers_is_appended(stub: Stub) -> None:
    stub.routes[("GET", "/v1/nodes")] = (200, [])
    out = io.StringIO()
    argv = ["--controllers", dead_address(), "n", "l"]
    assert main(argv, None, stdout=out, environ={"LS_CONTROLLERS": stub.address}) == 0
    assert len(stub.calls) == 1


def test_https_controller_is_refused_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(None, "--controllers", "https://ctl", "n", "l")
    assert code == 20
    assert "https is not supported" in capsys.readouterr().err


def test_timeout_is_not_retried_on_the_next_controller(
    stub: Stub, capsys: pytest.CaptureFixture[str]
) -> None:
    """A controller that took the connection may have applied the change: no resend."""
    with socket.socket() as silent:  # listens (the kernel completes the handshake), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        address = f"127.0.0.1:{silent.getsockname()[1]}"
        out = io.StringIO()
        argv = ["--controllers", f"{address},{stub.address}", "-t", "0.3", "rd", "c", "r1"]
        assert main(argv, None, stdout=out, environ={}) == 20
    assert stub.calls == []
    assert f"http://{address}" in capsys.readouterr().err


@pytest.mark.parametrize(
    "body", [[{"type": "SATELLITE"}], {"not": "a list"}, [None], "<html>ok</html>"]
)
def test_malformed_list_answer_is_an_error_not_a_traceback(
    stub: Stub, body: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    stub.routes[("GET", "/v1/nodes")] = (200, body)
    code, _ = run(stub, "n", "l")
    assert code == 10
    assert "unexpected answer from the controller" in capsys.readouterr().err
