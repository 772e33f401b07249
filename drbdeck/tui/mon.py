"""``drbdeck mon``: a drop-in for drbdmon on the local host, without a controller.

It runs ``drbdsetup events2 all --statistics`` (drbdsetup found on PATH, as drbdmon does, or
``--drbdsetup PATH``) and shows the console's resource list for this host only. Bad options
and a missing drbdsetup end with one clear line on stderr and an exit code, never a
traceback: 0 ok, 2 usage, 20 drbdsetup not usable (drbdsetup's own code when DRBD is not
available).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import socket
import sys

from drbdeck.config import Config
from drbdeck.tui.mon_source import RESPAWN_DELAY_S, events2_argv

__all__ = ["EXIT_NO_DRBDSETUP", "EXIT_OK", "EXIT_USAGE", "main", "resolve_drbdsetup"]

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_NO_DRBDSETUP = 20


class _Usage(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors to the caller instead of exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _Usage(message)


def _parser() -> _Parser:
    p = _Parser(
        prog="drbdeck mon",
        description="Live view of this host's DRBD resources (a drbdmon drop-in): runs "
        "'drbdsetup events2 all' and shows resources problem-first.",
        epilog="keys: q quit, p problems only, r repaint, R restart drbdsetup, m message log "
        "(c clears it), Enter details of a resource, Esc back",
    )
    p.add_argument("--problems", action="store_true", help="start in the problems-only view")
    p.add_argument("--ascii", action="store_true", help="ASCII symbols only")
    p.add_argument(
        "--drbdsetup",
        metavar="PATH",
        help="the drbdsetup to run (default: 'drbdsetup' found on PATH)",
    )
    p.add_argument(
        "--no-statistics",
        action="store_true",
        help="run plain 'events2 all' as drbdmon does (no kernel resync speed/ETA)",
    )
    p.add_argument(
        "--respawn-delay",
        metavar="SECONDS",
        type=str,
        default=str(RESPAWN_DELAY_S),
        help=f"wait before restarting drbdsetup after it ended (default {RESPAWN_DELAY_S:g})",
    )
    return p


def resolve_drbdsetup(given: str | None) -> str:
    """The drbdsetup to run; raises FileNotFoundError with the reason when there is none."""
    if given:
        if os.path.isdir(given):
            raise FileNotFoundError(f"--drbdsetup: {given} is a directory, not a program")
        if not os.path.exists(given):
            raise FileNotFoundError(f"--drbdsetup: {given} does not exist")
        if not os.access(given, os.X_OK):
            raise FileNotFoundError(f"--drbdsetup: {given} is not executable")
        return os.path.abspath(given)
    found = shutil.which("drbdsetup")
    if found is None:
        raise FileNotFoundError(
            "drbdsetup was not found on PATH (install drbd-utils, add its directory to "
            "PATH, or pass --drbdsetup PATH)"
        )
    return found


def _delay(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _Usage(f"--respawn-delay: {text!r} is not a number of seconds") from None
    if not math.isfinite(value) or not 0.05 <= value <= 3600:
        raise _Usage(f"--respawn-delay: must be between 0.05 and 3600 seconds, got {text}")
    return value


def main(argv: list[str], config: Config) -> int:
    """Entry point of ``drbdeck mon`` (``config`` is unused: mon needs no controller)."""
    try:
        args = _parser().parse_args(argv)
        delay = _delay(args.respawn_delay)
    except SystemExit as exc:  # -h/--help printed the help
        return EXIT_OK if not exc.code else EXIT_USAGE
    except _Usage as exc:
        print(f"drbdeck mon: {exc}", file=sys.stderr)
        print(
            "usage: drbdeck mon [--problems] [--ascii] [--drbdsetup PATH] "
            "[--no-statistics] [--respawn-delay SECONDS]",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        drbdsetup = resolve_drbdsetup(args.drbdsetup)
    except FileNotFoundError as exc:
        print(f"drbdeck mon: {exc}", file=sys.stderr)
        return EXIT_NO_DRBDSETUP
    if args.ascii:
        os.environ["DRBDECK_ASCII"] = "1"  # for any widget that picks glyphs itself

    from drbdeck.tui.mon_app import MonApp  # Textual only once the options are good

    app = MonApp(
        events2_argv(drbdsetup, statistics=not args.no_statistics),
        node=socket.gethostname(),
        problems=args.problems,
        ascii=True if args.ascii else None,
        respawn_delay=delay,
    )
    result = app.run()
    return EXIT_OK if result is None else int(result)
