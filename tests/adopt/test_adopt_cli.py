"""``drbdeck adopt`` as an operator types it: CLI → REST → controller → nodes."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from drbdeck.backend.reconcile.observe import RES_DIR
from drbdeck.cli import adopt as adopt_cli
from drbdeck.cli.linstor.request import Request
from drbdeck.cli.linstor.transport import send
from drbdeck.emulator.handmade import HandmadeNode, HandmadeSpec, HandmadeVolume
from tests.adopt.world import adopt_world

N2 = ["eagle", "rabbit"]


async def _run(w, *words: str, answer: bool | None = None) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    out, err = io.StringIO(), io.StringIO()

    def call() -> int:
        return adopt_cli.main(["--controllers", f"127.0.0.1:{w.ctl.port}", *words], None,
                              stdout=out, stderr=err, environ={},
                              confirm=(lambda _q: bool(answer)) if answer is not None
                              else None)
    code = await asyncio.to_thread(call)
    return code, out.getvalue(), err.getvalue()


async def test_cli_sample(tmp_path: Path) -> None:
    async with adopt_world(tmp_path, N2, [HandmadeSpec()]) as w:
        before = w.cluster.resource_facts("legacy")
        code, out, err = await _run(w, "eagle", "rabbit", "legacy", "--dry-run")
        assert code == 0, err
        assert "drbdeck volume-definition create legacy -n 10 -m 9100 1371956KiB" in out
        assert "on eagle: mv /etc/drbd.d/legacy.res" in out
        assert "legacy" not in w.rt.model.rds
        code, out, err = await _run(w, "eagle", "rabbit", "legacy", answer=False)
        assert code == 0 and "Nothing was changed" in out, (out, err)
        assert "legacy" not in w.rt.model.rds
        code, out, err = await _run(w, "eagle", "rabbit", "legacy", "--yes")
        assert code == 0, (out, err)
        assert "done: every node applied it" in out
        assert w.cluster.resource_facts("legacy") == before
        assert w.rt.model.rds["legacy"].secret == ""  # none ran, none is added
        for n in N2:
            res = w.cluster.node(n).drbd.resources["legacy"]
            assert [c.net for c in res.connections.values()] == [{"protocol": "C"}]
            assert w.cluster.node(n).fs.exists(f"{RES_DIR}/legacy.res")
            assert w.state("legacy", n, 10) == "UpToDate"
        code, _out, err = await _run(w, "eagle", "rabbit", "legacy", "--yes")
        assert code == 10 and "REFUSED legacy" in err and "Instead:" in err


async def test_cli_refusal_usage_and_bad_body(tmp_path: Path) -> None:
    spec = HandmadeSpec(volumes=[HandmadeVolume(size_mib=100, external_md=True)])
    async with adopt_world(tmp_path, N2, [spec]) as w:
        code, _out, err = await _run(w, "eagle", "rabbit", "legacy", "--yes")
        assert code == 10, err
        assert "external" in err and "Instead:" in err
        assert w.cluster.node("eagle").fs.exists("/etc/drbd.d/legacy.res")
        for words in (["legacy"], ["--all", "eagle", "legacy"], ["--timeout", "0", "a", "b"]):
            code, _out, err = await _run(w, *words)
            assert code == 2 and err.startswith("drbdeck adopt: "), (words, err)
        base = [f"http://127.0.0.1:{w.ctl.port}"]
        for body, field in (({"resource": 5, "nodes": ["eagle"]}, "resource"),
                            ({"all": "eagle", "resource": "x"}, "either"),
                            ({"resource": "legacy", "nodes": []}, "nodes"),
                            ({"resource": "legacy", "nodes": ["eagle"], "force": "yes"},
                             "force"),
                            ({"bogus": 1}, "bogus")):
            reply = await asyncio.to_thread(send, base, Request("POST", adopt_cli.PATH, body),
                                            10.0)
            assert reply.status == 400, (body, reply.body)
            assert field in reply.body[0]["message"], reply.body


async def test_cli_all(tmp_path: Path) -> None:
    specs = [HandmadeSpec(volumes=[HandmadeVolume(size_mib=100)]),
             HandmadeSpec(name="second", port=15501, nodes=[
                 HandmadeNode("eagle", 0), HandmadeNode("rabbit", 1)],
                 volumes=[HandmadeVolume(0, 9101, "second", 100)])]
    async with adopt_world(tmp_path, N2, specs) as w:
        before = {s.name: w.cluster.resource_facts(s.name) for s in specs}
        code, out, err = await _run(w, "--all", "eagle", "--yes")
        assert code == 0, (out, err)
        assert "Adopt legacy" in out and "Adopt second" in out
        assert sorted(w.rt.model.rds) == ["LEGACY", "SECOND"]
        for s in specs:
            assert w.cluster.resource_facts(s.name) == before[s.name]
        code, out, _err = await _run(w, "--all", "eagle", "--yes")
        assert code == 0 and "Nothing to adopt" in out
