"""Bad requests: each gets a clear LINSTOR-style answer with the right HTTP status, never a
traceback, and the store is unchanged afterwards."""

from __future__ import annotations

import http.client
import json
from typing import Any

import pytest

from drbdeck.backend.controller import apicall as rc
from tests.rest.conftest import Server


def request(server: Server, method: str, path: str, body: Any = None,
            raw: bytes | None = None) -> tuple[int, Any, str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
    resp = conn.getresponse()
    text = resp.read().decode()
    ctype = resp.getheader("Content-Type", "")
    conn.close()
    return resp.status, json.loads(text) if text else None, ctype


def snapshot(server: Server) -> str:
    """The persisted rows and the in-memory model, to prove a refused call changed nothing."""
    db = server.store._db  # the test reads the DB directly
    rows = db.execute("SELECT kind, key, data FROM objects ORDER BY kind, key").fetchall()
    props = db.execute("SELECT * FROM ctrl_props ORDER BY key").fetchall()
    return json.dumps([rows, props]) + repr(server.ops.model)


@pytest.fixture
def seeded(server: Server) -> Server:
    for method, path, body in [
        ("POST", "/v1/nodes", {"name": "alpha", "type": "satellite",
                               "net_interfaces": [{"name": "default", "address": "10.0.0.1"}]}),
        ("POST", "/v1/nodes/alpha/storage-pools",
         {"storage_pool_name": "pool1", "provider_kind": "LVM",
          "props": {"StorDriver/StorPoolName": "vg0"}}),
        ("POST", "/v1/resource-definitions", {"resource_definition": {"name": "r1"}}),
        ("POST", "/v1/resource-definitions/r1/volume-definitions",
         {"volume_definition": {"size_kib": 1024}}),
    ]:
        status, _, _ = request(server, method, path, body)
        assert status == 201, (path, status)
    return server


PARSE = 400
CASES: list[tuple[str, str, str, Any, int, str]] = [
    # (id, method, path, body (bytes = raw), status, text in the message)
    ("malformed json", "POST", "/v1/nodes", b"{not json", PARSE, "Malformed JSON"),
    ("empty body", "POST", "/v1/resource-definitions", b"", PARSE, "Empty request body"),
    ("list not object", "POST", "/v1/nodes", [1, 2], PARSE, "JSON object"),
    ("object not list", "POST", "/v1/resource-definitions/r1/resources",
     {"resource": {"node_name": "alpha"}}, PARSE, "JSON list"),
    ("missing name", "POST", "/v1/nodes", {"net_interfaces": [{"address": "10.0.0.2"}]},
     PARSE, "'name' is required"),
    ("missing address", "POST", "/v1/nodes", {"name": "beta"}, PARSE, "net_interfaces"),
    ("name wrong type", "POST", "/v1/nodes",
     {"name": 5, "net_interfaces": [{"address": "10.0.0.2"}]}, PARSE, "'name' must be a string"),
    ("ssh port wrong type", "POST", "/v1/nodes",
     {"name": "beta", "net_interfaces": [{"address": "10.0.0.2"}], "ssh": {"port": "22"}},
     PARSE, "'ssh.port' must be an integer"),
    ("props wrong type", "POST", "/v1/nodes",
     {"name": "beta", "net_interfaces": [{"address": "10.0.0.2"}], "props": {"a": 1}},
     PARSE, "'props' must be an object"),
    ("hostile node name", "POST", "/v1/nodes",
     {"name": "a;rm -rf /", "net_interfaces": [{"address": "10.0.0.2"}]}, 500, "a;rm -rf /"),
    ("hostile ssh host", "POST", "/v1/nodes",
     {"name": "beta", "net_interfaces": [{"address": "10.0.0.2"}],
      "ssh": {"host": "-oProxyCommand=reboot"}}, 500, "SSH host"),
    ("bad address", "POST", "/v1/nodes",
     {"name": "beta", "net_interfaces": [{"address": "not-an-ip"}]}, 500, "not-an-ip"),
    ("unknown node prop", "PUT", "/v1/nodes/alpha",
     {"override_props": {"NoSuchKey": "1"}}, 500, "NoSuchKey"),
    ("unknown rd prop", "PUT", "/v1/resource-definitions/r1",
     {"override_props": {"Evil/Key": "x"}}, 500, "Evil/Key"),
    ("delete_props wrong type", "PUT", "/v1/resource-definitions/r1",
     {"delete_props": "Aux/x"}, PARSE, "'delete_props' must be a list of strings"),
    ("peer slots wrong type", "PUT", "/v1/resource-definitions/r1",
     {"drbd_peer_slots": "4"}, PARSE, "'drbd_peer_slots' must be an integer"),
    ("peer slots bool", "POST", "/v1/resource-definitions",
     {"resource_definition": {"name": "r2"}, "drbd_peer_slots": True}, PARSE, "integer"),
    ("hostile rd name", "POST", "/v1/resource-definitions",
     {"resource_definition": {"name": "r2$(id)"}}, 500, "r2$(id)"),
    ("rd layer stack", "POST", "/v1/resource-definitions",
     {"resource_definition": {"name": "r2", "layer_data": [{"type": "luks"}]}}, PARSE,
     "layer_data"),
    ("vd size missing", "POST", "/v1/resource-definitions/r1/volume-definitions",
     {"volume_definition": {}}, PARSE, "'volume_definition.size_kib' is required"),
    ("vd size string", "POST", "/v1/resource-definitions/r1/volume-definitions",
     {"volume_definition": {"size_kib": "1G"}}, PARSE, "must be an integer"),
    ("vd size too small", "POST", "/v1/resource-definitions/r1/volume-definitions",
     {"volume_definition": {"size_kib": 1}}, 500, "size"),
    ("vd unknown flag", "POST", "/v1/resource-definitions/r1/volume-definitions",
     {"volume_definition": {"size_kib": 1024, "flags": ["ENCRYPTED"]}}, PARSE, "GROSS_SIZE"),
    ("vd in missing rd", "POST", "/v1/resource-definitions/nope/volume-definitions",
     {"volume_definition": {"size_kib": 1024}}, 404, "not found"),
    ("vd path number", "PUT", "/v1/resource-definitions/r1/volume-definitions/x",
     {"override_props": {}}, PARSE, "Volume number 'x'"),
    ("vd unknown prop", "PUT", "/v1/resource-definitions/r1/volume-definitions/0",
     {"override_props": {"Bogus": "1"}}, 500, "Bogus"),
    ("rsc item not object", "POST", "/v1/resource-definitions/r1/resources", ["alpha"],
     PARSE, "'[0]' must be a JSON object"),
    ("rsc missing node", "POST", "/v1/resource-definitions/r1/resources",
     [{"resource": {}}], PARSE, "'[0].resource.node_name' is required"),
    ("rsc unknown flag", "POST", "/v1/resource-definitions/r1/resources",
     [{"resource": {"node_name": "alpha", "flags": ["BOGUS"]}}], PARSE, "BOGUS"),
    ("rsc node id string", "POST", "/v1/resource-definitions/r1/resources",
     [{"resource": {"node_name": "alpha"}, "drbd_node_id": "4"}], PARSE, "drbd_node_id"),
    ("rsc node id range", "POST", "/v1/resource-definitions/r1/resources",
     [{"resource": {"node_name": "alpha", "props": {"StorPoolName": "pool1"}},
       "drbd_node_id": 99}], 500, "99"),
    ("rsc missing node obj", "POST", "/v1/resource-definitions/r1/resources",
     [{"resource": {"node_name": "ghost"}}], 404, "ghost"),
    ("rsc missing pool", "POST", "/v1/resource-definitions/r1/resources",
     [{"resource": {"node_name": "alpha", "props": {"StorPoolName": "nopool"}}}], 404,
     "nopool"),
    ("autoplace count string", "POST", "/v1/resource-definitions/r1/autoplace",
     {"select_filter": {"place_count": "3"}}, PARSE, "'select_filter.place_count'"),
    ("autoplace unknown key", "POST", "/v1/resource-definitions/r1/autoplace",
     {"select_filter": {"place_cnt": 3}}, PARSE, "place_cnt"),
    ("autoplace diskless type", "POST", "/v1/resource-definitions/r1/autoplace",
     {"select_filter": {"place_count": 2, "diskless_type": "NVME_INITIATOR"}}, PARSE,
     "DRBD_DISKLESS"),
    ("autoplace x map", "POST", "/v1/resource-definitions/r1/autoplace",
     {"select_filter": {"x_replicas_on_different_map": {"Aux/dc": "2"}}}, PARSE,
     "x_replicas_on_different_map"),
    ("ctrl unknown prop", "POST", "/v1/controller/properties",
     {"override_props": {"Unknown": "1"}}, 500, "Unknown"),
    ("node missing get", "GET", "/v1/nodes/ghost", None, 404, "ghost"),
    ("rd missing get", "GET", "/v1/resource-definitions/ghost", None, 404, "ghost"),
    ("no such endpoint", "GET", "/v1/nothing-here", None, 404, "No such REST endpoint"),
    ("method not allowed", "PATCH", "/v1/nodes", None, 405, "not allowed"),
]


@pytest.mark.parametrize(("method", "path", "body", "status", "text"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_request(seeded: Server, method: str, path: str, body: Any, status: int,
                     text: str) -> None:
    before = snapshot(seeded)
    raw = body if isinstance(body, bytes) else None
    got, data, ctype = request(seeded, method, path, None if raw is not None else body, raw)
    assert got == status, data
    assert ctype.startswith("application/json")
    assert isinstance(data, list) and data
    entry = data[0]
    assert entry["ret_code"] < 0, "an error is a negative ret_code"
    assert text in entry["message"], entry["message"]
    assert "Traceback" not in json.dumps(data)
    if status == PARSE:
        assert entry["ret_code"] == rc.to_signed(rc.API_CALL_PARSE_ERROR)
    assert snapshot(seeded) == before


def test_not_implemented_is_501(seeded: Server) -> None:
    before = snapshot(seeded)
    status, data, _ = request(seeded, "PUT", "/v1/resource-definitions/r1",
                              {"resource_group": "other"})
    assert status == 501 and "not implemented" in data[0]["message"]
    assert snapshot(seeded) == before


def test_warnings_keep_success(seeded: Server) -> None:
    status, data, _ = request(seeded, "DELETE", "/v1/resource-definitions/ghost")
    assert status == 200
    assert data[0]["ret_code"] < 0 and "not found" in data[0]["message"]
    status, data, _ = request(seeded, "POST", "/v1/resource-definitions/r1/resources",
                              [{"resource": {"node_name": "alpha",
                                             "props": {"StorPoolName": "pool1"}},
                                "drbd_tcp_ports": [7100]}])
    assert status == 201, data
    assert any("No active connection" in e["message"] for e in data)
    assert seeded.ops.model.resources[("R1", "ALPHA")].tcp_port == 7100


def test_oversized_body_is_a_json_413(seeded: Server) -> None:
    from drbdeck.backend.rest.app import MAX_BODY

    before = snapshot(seeded)
    huge = b'{"name": "' + b"a" * (MAX_BODY + 10) + b'"}'
    status, data, ctype = request(seeded, "POST", "/v1/nodes", raw=huge)
    assert status == 413 and ctype.startswith("application/json")
    assert "too large" in data[0]["message"]
    assert snapshot(seeded) == before
