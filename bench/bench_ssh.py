"""Benchmark: the node layer against a real OpenSSH sshd on 127.0.0.1 (needs root).

Measures what the controller pays per SSH operation on an already open connection:
``run(["true"])`` round trips (with and without the remote ``timeout`` wrapper), a 4 KiB
atomic ``write_file`` (SFTP temp + rename), ``read_file``, and the time for a LinkPool to
bring N links ONLINE (connect + auth + capability probe, gated by max_concurrent_connects).

Every command on a real node starts the login shell, so the figure includes what that
shell does at start-up (on a machine whose root ``.bashrc`` runs ``pyenv init`` that is
~120 ms). ``inproc_*`` figures repeat ``run`` against an in-process asyncssh server to
show the node layer's own overhead.

Run: ``python bench/bench_ssh.py [--runs N] [--links N]``; prints one JSON object, e.g.
``{"bench":"ssh","run_median_ms":..,"run_p90_ms":..,"run_nowrap_median_ms":..,
"write_4k_median_ms":..,"read_4k_median_ms":..,"pool_links":N,"pool_online_s":..,
"inproc_run_median_ms":..}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drbdeck.backend.satellite import LinkPool, LinkStatus, NodeEndpoint, NodeLink
from tests.conftest import find_tool
from tests.sshd import Sshd, link_config, pin


async def timed(fn: Callable[[], Awaitable[object]], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def summary(name: str, ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    return {f"{name}_median_ms": round(statistics.median(ms), 3),
            f"{name}_p90_ms": round(ms[int(len(ms) * 0.9) - 1], 3)}


async def main(runs: int, links: int) -> dict[str, object]:
    sshd_path = find_tool("sshd")
    if sshd_path is None:
        raise SystemExit("bench_ssh: sshd is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        server = Sshd(sshd_path, Path(tmp) / "sshd")
        server.start()
        try:
            kh = Path(tmp) / "known_hosts"
            pin(server, kh)
            cfg = link_config(server, kh)
            link = NodeLink(NodeEndpoint("bench", "127.0.0.1"), cfg)  # type: ignore[arg-type]
            link.start()
            await link.wait_status(LinkStatus.ONLINE, timeout=20)
            await timed(lambda: link.run(["true"]), 5)  # warm-up
            out: dict[str, object] = {"bench": "ssh", "runs": runs}
            out |= summary("run", await timed(lambda: link.run(["true"]), runs))
            nowrap = await timed(lambda: link.run_command_line("true", ["true"]), runs)
            out |= summary("run_nowrap", nowrap)
            target = str(Path(tmp) / "r0.res")
            data = b"x" * 4096
            out |= summary("write_4k", await timed(lambda: link.write_file(target, data), runs))
            out |= summary("read_4k", await timed(lambda: link.read_file(target), runs))
            await link.stop()

            pool = LinkPool(cfg)  # type: ignore[arg-type]
            for i in range(links):
                pool.add(NodeEndpoint(f"n{i:03d}", "127.0.0.1"))
            t0 = time.perf_counter()
            pool.start_all()
            await pool.wait_all(timeout=60)
            out |= {"pool_links": links, "pool_online_s": round(time.perf_counter() - t0, 3),
                    "max_concurrent_connects": cfg.max_concurrent_connects}  # type: ignore[attr-defined]
            await pool.stop_all()
            out |= await inproc(runs * 5, Path(tmp))
            return out
        finally:
            server.kill()


async def inproc(runs: int, tmp: Path) -> dict[str, object]:
    """``run`` round trips against an in-process asyncssh server (no shell start-up)."""
    import asyncssh

    from drbdeck.backend.satellite import HostKeyStore
    from drbdeck.config import SshConfig

    host_key = asyncssh.generate_private_key("ssh-ed25519")
    client_key = asyncssh.generate_private_key("ssh-ed25519")
    key_path = tmp / "inproc_key"
    key_path.write_bytes(client_key.export_private_key())
    key_path.chmod(0o600)

    def handle(process: asyncssh.SSHServerProcess[str]) -> None:
        process.exit(0)

    listener = await asyncssh.listen(
        "127.0.0.1", 0, server_host_keys=[host_key], process_factory=handle,
        authorized_client_keys=asyncssh.import_authorized_keys(
            client_key.export_public_key().decode()))
    port = listener.get_port()
    kh = tmp / "inproc_kh"
    HostKeyStore(kh).pin("127.0.0.1", port, host_key.convert_to_public())
    cfg = SshConfig(port=port, identity_file=str(key_path), known_hosts=str(kh))
    link = NodeLink(NodeEndpoint("inproc", "127.0.0.1"), cfg)
    link.start()
    await link.wait_status(LinkStatus.ONLINE, timeout=20)
    try:
        await timed(lambda: link.run(["true"]), 20)
        return {"inproc_runs": runs, **summary("inproc_run",
                                                await timed(lambda: link.run(["true"]), runs))}
    finally:
        await link.stop()
        listener.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--links", type=int, default=50)
    args = ap.parse_args()
    print(json.dumps(asyncio.run(main(args.runs, args.links))))
