"""``drbdeck tui`` (and ``drbdeck`` alone): open the console.

Two ways to get data:

* a controller URL (``--controllers``, else ``LS_CONTROLLERS``, else the config's
  ``controllers``) → attach over REST + the controller's event stream (``RemoteBackend``);
* otherwise run the controller in this process (store at ``--db`` or the data dir's
  ``drbdeck.db``, the runtime, and REST on ``--listen``, 127.0.0.1:3370 by default, like
  ``drbdeck controller``) so the CLI keeps working while the console is open.

A busy REST port exits 2 instead of carrying on without REST: the usual reason is a
``drbdeck controller`` already running — most likely on the same database — and a second
controller on that database would fight the first over the nodes. The message says how to
attach to it instead. ``--listen none`` runs without REST on purpose.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from drbdeck.config import Config

EXIT_USAGE = 2
PROG = "drbdeck tui"


class UsageError(ValueError):
    """Bad command-line value: exit 2 with this message."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG, description="The drbdeck console: live DRBD state, nodes, placement and "
        "logs, with forms for every change.")
    p.add_argument("--controllers", metavar="HOST[:PORT][,…]",
                   help="attach to a running controller over REST (LS_CONTROLLERS and the "
                        "config's 'controllers' are used when this is not given)")
    p.add_argument("--db", metavar="PATH",
                   help="in-process controller: SQLite database (default: the data dir's "
                        "drbdeck.db)")
    p.add_argument("--listen", metavar="HOST:PORT", default="127.0.0.1:3370",
                   help="in-process controller: REST address for the CLI (default "
                        "127.0.0.1:3370; 'none' for no REST)")
    p.add_argument("--readonly", action="store_true",
                   help="show only: no forms, no actions that change anything")
    return p




def parse(argv: list[str]) -> argparse.Namespace:
    """Parse or raise UsageError (argparse's own exit is turned into a message)."""
    p = _parser()

    def error(message: str) -> None:
        raise UsageError(message)

    p.error = error  # type: ignore[method-assign,assignment]
    args = p.parse_args(argv)
    if args.controllers is not None and not args.controllers.strip():
        raise UsageError("--controllers: empty; give HOST[:PORT], e.g. 127.0.0.1:3370")
    if args.controllers and args.db:
        raise UsageError("--db is for the in-process controller; it cannot be combined "
                         "with --controllers (the remote controller has its own database)")
    return args


def controller_url(args: argparse.Namespace, config: Config,
                   env: dict[str, str] | None = None) -> str | None:
    """The first controller URL to attach to, or None for the in-process controller."""
    from drbdeck.cli.linstor.transport import ConnectionFailed, controller_urls

    env = dict(os.environ) if env is None else env
    option = args.controllers or getattr(config, "controllers", None) or None
    ls = env.get("LS_CONTROLLERS") or None
    if not option and not ls:
        return None
    try:
        return controller_urls(option, ls)[0]
    except ConnectionFailed as exc:
        raise UsageError(f"--controllers: {exc}") from None


def _quiet_logging(log_file: Path | None) -> None:
    """Nothing may write to the terminal under Textual: log to a file (or nowhere)."""
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    handler: logging.Handler = logging.NullHandler()
    if log_file is not None:
        with contextlib.suppress(OSError):
            handler = logging.FileHandler(log_file)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: "
                                                   "%(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


#: Seconds a console asked to stop by SIGTERM/SIGHUP gets before it leaves hard.
EXIT_GRACE_S = 5.0


async def _run_app(app: Any) -> int:
    """Run the app; SIGTERM/SIGHUP ask it to exit and, should Textual's shutdown hang
    (after a hang-up it can block for ever flushing to the dead terminal), leave hard
    after :data:`EXIT_GRACE_S`. Leaving hard is safe for the store: every API call is its
    own committed SQLite transaction (the SIGKILL test proves the DB stays intact)."""
    loop = asyncio.get_running_loop()
    installed = []

    def stop(sig: int) -> None:
        app.exit()
        timer = threading.Timer(EXIT_GRACE_S, os._exit, (128 + sig,))
        timer.daemon = True
        timer.start()

    for sig in (signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop, sig)
            installed.append(sig)
    try:
        await app.run_async()
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
    return int(app.return_code or 0)


async def run_remote(url: str, readonly: bool) -> int:
    from drbdeck.tui.app import DrbdeckApp
    from drbdeck.tui.remote import RemoteBackend

    backend = RemoteBackend(url, readonly=readonly)
    try:
        await backend.connect()
    except Exception as exc:
        await backend.close()
        print(f"{PROG}: cannot attach to the controller at {url}: {exc}", file=sys.stderr)
        return 20
    return await _run_app(DrbdeckApp(backend, readonly=readonly, title="drbdeck"))


async def run_inprocess(db: Path, listen: tuple[str, int] | None, config: Config,
                        readonly: bool) -> int:
    from drbdeck.backend.controller.store import Store, StoreError
    from drbdeck.backend.rest import bound_port, start
    from drbdeck.backend.rest.wiring import runtime_app
    from drbdeck.backend.runtime.runtime import ControllerRuntime
    from drbdeck.tui.app import DrbdeckApp
    from drbdeck.tui.backend import InProcessBackend

    try:
        store = Store(db)
    except (StoreError, OSError) as exc:
        print(f"{PROG}: --db {db}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    rt = ControllerRuntime(store, config)
    rest, feed = runtime_app(rt)
    runner = None
    try:
        where = "no REST"
        if listen is not None:
            try:
                runner = await start(rest, *listen)
            except OSError as exc:
                host, port = listen
                print(f"{PROG}: --listen {host}:{port}: cannot listen "
                      f"({exc.strerror or exc}). Is a drbdeck controller already running "
                      f"there? Attach to it with '{PROG} --controllers {host}:{port}', or "
                      "pick another address with --listen HOST:PORT (or --listen none).",
                      file=sys.stderr)
                return EXIT_USAGE
            where = f"REST http://{listen[0]}:{bound_port(runner)}"
        _quiet_logging(db.parent / "drbdeck-console.log" if db.parent.is_dir() else None)
        await rt.start()
        feed.sync()
        backend = InProcessBackend(rt, readonly=readonly, description=f"db {db} · {where}")
        backend.event_log.add(f"in-process controller: db {db}, {where}", source="console")
        return await _run_app(DrbdeckApp(backend, readonly=readonly))
    finally:
        if runner is not None:
            await runner.cleanup()
        feed.close()
        await rt.stop()
        store.close()


def main(argv: list[str], config: Config) -> int:
    try:
        args = parse(argv)
        url = controller_url(args, config)
        listen = None
        if url is None and args.listen.strip().lower() != "none":
            from drbdeck.cli.controller import UsageError as ListenError
            from drbdeck.cli.controller import parse_listen

            try:
                listen = parse_listen(args.listen)
            except ListenError as exc:
                raise UsageError(str(exc)) from None
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # -h
        return int(exc.code or 0)
    if url is not None:
        return asyncio.run(run_remote(url, args.readonly))
    db = Path(args.db) if args.db else config.data_dir / "drbdeck.db"
    if db.exists() and db.is_dir():
        print(f"{PROG}: --db {db}: is a directory, expected a database file",
              file=sys.stderr)
        return EXIT_USAGE
    if args.db and not db.parent.exists():
        print(f"{PROG}: --db {db}: directory {db.parent} does not exist", file=sys.stderr)
        return EXIT_USAGE
    return asyncio.run(run_inprocess(db, listen, config, args.readonly))


__all__ = ["controller_url", "main", "parse"]
