"""``drbdeck demo``: the console on a four-node emulated cluster, alive from the start.

One command on a fresh machine (no DRBD, no root): an emulator process runs the nodes
alpha, bravo, charlie and delta (LVM ``vg0`` with a thin pool ``vg0/thin0`` each), an
in-process controller registers them, creates the pools and places a few resources —
healthy ones, one syncing, one degraded — and writes to a Primary, while the console
shows it all. ``x`` opens the chaos menu (stop/restart a node, cut/restore a link).
The controller's REST API listens on 127.0.0.1:3370 (or a free port) so the CLI works
alongside. Everything lives in a temporary directory removed at the end, unless
``--state-dir`` names one.

``--no-tui`` keeps the script-friendly form: only the emulator with the demo's nodes,
until Ctrl-C; the emulator's own options (``--port-base``, ``--sync-rate``…) pass through.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from drbdeck.config import Config
from drbdeck.emulator import cli as emulator_cli
from drbdeck.tui.demo_emulator import DEMO_NODES

EXIT_USAGE = emulator_cli.EXIT_USAGE
UsageError = emulator_cli.UsageError

__all__ = ["DEMO_NODES", "demo_argv", "main", "parse_args"]


def demo_argv(argv: Sequence[str], config: Config) -> list[str]:
    """``--no-tui``: the emulator command line the demo runs (its nodes, its state dir)."""
    args = [a for a in argv if a != "--no-tui"]
    if any(a == "--nodes" or a.startswith("--nodes=") for a in args):
        raise UsageError("--nodes: the demo always runs " + ",".join(DEMO_NODES))
    if not any(a == "--state-dir" or a.startswith("--state-dir=") for a in args):
        args += ["--state-dir", str(config.data_dir / "demo")]
    return ["--nodes", ",".join(DEMO_NODES), *args]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


def _parser() -> _Parser:
    p = _Parser(prog="drbdeck demo",
                description="The console on a four-node emulated cluster (alpha, bravo, "
                            "charlie, delta), alive from the start: healthy, syncing and "
                            "degraded resources, a write load, and a chaos menu (x).",
                epilog="With --no-tui, the emulator's options apply instead "
                       "(see 'drbdeck emulator --help').")
    p.add_argument("--no-tui", action="store_true",
                   help="run only the emulator with the demo's nodes (for scripts)")
    p.add_argument("--state-dir", metavar="DIR",
                   help="keep the demo's files here (default: a temporary directory, "
                        "removed on exit)")
    p.add_argument("--port-base", type=int, default=0, metavar="PORT",
                   help="node i's SSH server on PORT+i (default 0: free ports)")
    p.add_argument("--sync-rate", type=int, default=None, metavar="KIB",
                   help="resync rate per link in KiB/s (default: the emulator's)")
    p.add_argument("--listen", metavar="HOST:PORT", default="127.0.0.1:3370",
                   help="the controller's REST API (default 127.0.0.1:3370; a free port "
                        "when taken)")
    p.add_argument("--no-rest", action="store_true", help="do not serve the REST API")
    p.add_argument("--no-setup", action="store_true",
                   help="register nothing: an empty controller next to the four nodes")
    return p


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Console mode options; :class:`UsageError` names the option and the rule."""
    from drbdeck.cli.controller import UsageError as ListenError
    from drbdeck.cli.controller import parse_listen

    args = _parser().parse_args(list(argv))
    if not 0 <= args.port_base <= 65535 - len(DEMO_NODES) + 1:
        raise UsageError(f"--port-base: {args.port_base} must be 0 (free ports) or a port "
                         f"leaving room for {len(DEMO_NODES)} nodes")
    if args.sync_rate is not None and args.sync_rate <= 0:
        raise UsageError(f"--sync-rate: must be a positive KiB/s value, got {args.sync_rate}")
    if args.state_dir is not None and Path(args.state_dir).exists() \
            and not Path(args.state_dir).is_dir():
        raise UsageError(f"--state-dir: {args.state_dir} exists and is not a directory")
    try:
        args.rest = None if args.no_rest else parse_listen(args.listen)
    except ListenError as exc:
        raise UsageError(str(exc)) from None
    return args


def _emulator_only(argv: Sequence[str], config: Config) -> int:
    try:
        args = demo_argv(argv, config)
    except UsageError as exc:
        print(f"drbdeck demo: {exc}", file=sys.stderr)
        return EXIT_USAGE
    state_dir = args[args.index("--state-dir") + 1] if "--state-dir" in args else "(given)"
    print(
        "drbdeck demo: four emulated DRBD 9 + LVM nodes, each behind its own SSH server.\n"
        f"  reach a node:  ssh -i {state_dir}/id_ed25519 "
        f"-o UserKnownHostsFile={state_dir}/known_hosts -p PORT root@127.0.0.1 vgs\n"
        f"  inject faults: drbdeck emulator ctl --state-dir {state_dir} stop-node bravo\n"
        "  stop:          Ctrl-C",
        flush=True,
    )
    return emulator_cli.main(args, config)


def _log_to_file(path: Path) -> None:
    """Nothing may write to the terminal under the console: logs go to the run dir."""
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("asyncssh").setLevel(logging.WARNING)


def main(argv: Sequence[str], config: Config) -> int:
    argv = list(argv)
    if "--no-tui" in argv:
        if any(a in ("-h", "--help") for a in argv):
            print("usage: drbdeck demo --no-tui [emulator options]\n\n"
                  + (__doc__ or "").strip())
            return 0
        return _emulator_only(argv, config)
    try:
        args = parse_args(argv)
    except UsageError as exc:
        print(f"drbdeck demo: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("drbdeck demo: the console needs a terminal; use --no-tui to run only the "
              "emulator", file=sys.stderr)
        return EXIT_USAGE
    import asyncio

    from drbdeck.tui.demo_app import run
    from drbdeck.tui.demo_session import DemoOptions, DemoSession

    session = DemoSession(DemoOptions(
        state_dir=Path(args.state_dir) if args.state_dir else None,
        port_base=args.port_base, sync_rate_kib=args.sync_rate, rest=args.rest,
        setup=not args.no_setup), config)
    _log_to_file(session.run_dir / "demo.log")
    try:
        code = asyncio.run(run(session))
    except KeyboardInterrupt:
        code = 130
    if session.rest_url:
        print(f"drbdeck demo: stopped (the REST API was on {session.rest_url})")
    else:
        print("drbdeck demo: stopped")
    return code
