"""``drbdeck controller [--db PATH] [--listen HOST:PORT]``: the controller daemon.

Why a thin module: the daemon only wires pieces together — open the store (created 0600,
migrated), build the operations facade, serve LINSTOR's REST API — and shuts down cleanly
on SIGINT/SIGTERM so the SQLite WAL is checkpointed and the DB can be copied elsewhere
(the HA-controller flow). Bad ``--listen``/``--db`` values exit 2 with a clear message.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import signal
import sys
from pathlib import Path

from drbdeck.config import Config

DEFAULT_LISTEN = "127.0.0.1:3370"
EXIT_USAGE = 2
log = logging.getLogger("drbdeck.controller")


class UsageError(ValueError):
    """A command-line value that cannot be used; exit 2."""


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``[IPv6]:PORT``; PORT 0 picks a free port (tests)."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not host:
        raise UsageError(f"--listen {text!r}: expected HOST:PORT, e.g. {DEFAULT_LISTEN}")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise UsageError(f"--listen {text!r}: {host!r} is not an IPv6 address") from None
    elif ":" in host:
        raise UsageError(f"--listen {text!r}: write an IPv6 address in brackets, "
                         "e.g. [::1]:3370")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise UsageError(f"--listen {text!r}: port {port_text!r} must be an integer "
                         "from 0 to 65535")
    return host, int(port_text)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="drbdeck controller",
                                description="Run the controller: LINSTOR's REST API v1 "
                                            "over drbdeck's store.")
    p.add_argument("--db", metavar="PATH", help="SQLite database (default: the data dir's "
                                                "drbdeck.db)")
    p.add_argument("--listen", metavar="HOST:PORT", default=DEFAULT_LISTEN,
                   help=f"REST address (default: {DEFAULT_LISTEN})")
    return p


async def serve(db: Path, host: str, port: int, config: Config,
                ready: asyncio.Event | None = None) -> int:
    """Run until SIGINT/SIGTERM; returns the exit code."""
    from drbdeck.backend.controller.store import Store, StoreError
    from drbdeck.backend.rest import bound_port, start
    from drbdeck.backend.rest.wiring import runtime_app
    from drbdeck.backend.runtime.runtime import ControllerRuntime

    try:
        store = Store(db)
    except (StoreError, OSError) as exc:
        print(f"drbdeck controller: --db {db}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        runtime = ControllerRuntime(store, config)
        app, feed = runtime_app(runtime)
        try:
            runner = await start(app, host, port)
        except OSError as exc:
            print(f"drbdeck controller: --listen {host}:{port}: cannot listen "
                  f"({exc.strerror or exc})", file=sys.stderr)
            return EXIT_USAGE
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await runtime.start()
        feed.sync()
        print(f"drbdeck controller: REST API on http://{host}:{bound_port(runner)} "
              f"(db {db})", flush=True)
        if ready is not None:
            ready.set()
        try:
            await stop.wait()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            await runner.cleanup()
            feed.close()
            await runtime.stop()
        return 0
    finally:
        store.close()


def main(argv: list[str], config: Config) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        host, port = parse_listen(args.listen)
    except UsageError as exc:
        print(f"drbdeck controller: {exc}", file=sys.stderr)
        return EXIT_USAGE
    db = Path(args.db) if args.db else config.data_dir / "drbdeck.db"
    if db.exists() and db.is_dir():
        print(f"drbdeck controller: --db {db}: is a directory, expected a database file",
              file=sys.stderr)
        return EXIT_USAGE
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # asyncssh logs every channel open/close at INFO: thousands of lines per full sync
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    return asyncio.run(serve(db, host, port, config))
