"""A tiny getopt-style scanner shared by the emulated tools.

argparse would print Python-flavoured usage text; the emulated tools must print what the
real ones print, so they scan argv themselves with this helper and word errors their way.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ArgError(Exception):
    """Bad command line; ``option`` names the offending option (or '' for positionals)."""

    def __init__(self, message: str, option: str = "") -> None:
        super().__init__(message)
        self.option = option


@dataclass
class Scanned:
    opts: dict[str, list[str]] = field(default_factory=dict)  # canonical name → values
    args: list[str] = field(default_factory=list)

    def last(self, name: str, default: str | None = None) -> str | None:
        vals = self.opts.get(name)
        return vals[-1] if vals else default

    def has(self, name: str) -> bool:
        return name in self.opts


def scan(argv: list[str], with_value: dict[str, str], flags: dict[str, str]) -> Scanned:
    """Split argv into options and positionals.

    ``with_value``/``flags`` map every spelling (``-L``, ``--size``) to a canonical name.
    Short options with values accept ``-L10M`` and ``-L 10M``; long ones ``--size=10M``.
    A short flag may carry an attached value when listed in ``with_value`` (``-an``).
    """
    res = Scanned()
    i = 0
    while i < len(argv):
        a = argv[i]
        i += 1
        if a == "--":
            res.args.extend(argv[i:])
            break
        if a.startswith("--"):
            name, eq, val = a.partition("=")
            if name in with_value:
                if not eq:
                    if i >= len(argv):
                        raise ArgError(f"Option {name} requires argument.", name)
                    val = argv[i]
                    i += 1
                res.opts.setdefault(with_value[name], []).append(val)
            elif name in flags and not eq:
                res.opts.setdefault(flags[name], []).append("")
            else:
                raise ArgError(f"{name}: unrecognized option", name)
            continue
        if a.startswith("-") and len(a) > 1:
            j = 1
            while j < len(a):
                opt = "-" + a[j]
                if opt in with_value:
                    val = a[j + 1 :]
                    if not val:
                        if i >= len(argv):
                            raise ArgError(f"Option {opt} requires argument.", opt)
                        val = argv[i]
                        i += 1
                    res.opts.setdefault(with_value[opt], []).append(val)
                    break
                if opt in flags:
                    res.opts.setdefault(flags[opt], []).append("")
                    j += 1
                    continue
                raise ArgError(f"invalid option -- '{a[j]}'", opt)
            continue
        res.args.append(a)
    return res
