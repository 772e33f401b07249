"""``drbdeck`` entry point: global options, then one sub-program per first word.

Sub-programs live in their own modules and are imported only when chosen, so
``drbdeck emulator`` does not pay for Textual and the CLI does not pay for the emulator.
Exit codes follow LINSTOR's client: 0 ok, 2 usage, 10 API error, 20 connection error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from drbdeck import __version__
from drbdeck.config import ConfigError, load

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_API = 10
EXIT_CONNECTION = 20

#: first word → (module with ``main(argv, config) -> int``, one-line help)
PROGRAMS: dict[str, tuple[str, str]] = {
    "emulator": ("drbdeck.emulator.cli", "run emulated DRBD nodes behind SSH servers"),
    "demo": ("drbdeck.cli.demo", "start a demo cluster of emulated nodes"),
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="drbdeck",
        description="Agentless storage management for DRBD 9 clusters.",
        epilog="programs:\n"
        + "\n".join(f"  {name:<10} {text}" for name, (_, text) in PROGRAMS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", metavar="FILE", help="config file (default: $DRBDECK_CONFIG)")
    p.add_argument("--version", action="version", version=f"drbdeck {__version__}")
    p.add_argument("program", nargs="?", help="what to run (see below)")
    p.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.program is None:
        _parser().print_help()
        return EXIT_OK
    if args.program not in PROGRAMS:
        print(
            f"drbdeck: unknown program {args.program!r} (known: {', '.join(PROGRAMS)})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        config = load(args.config)
    except ConfigError as exc:
        print(f"drbdeck: config error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    module = importlib.import_module(PROGRAMS[args.program][0])
    try:
        return int(module.main(list(args.args), config))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
