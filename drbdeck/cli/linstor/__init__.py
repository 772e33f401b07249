"""LINSTOR-compatible CLI (``drbdeck node list``, ``drbdeck r c …``) talking REST.

Entry point: :func:`main` ``(argv, config) -> int``. :func:`claims` tells
``drbdeck.cli.main`` whether an argv (after drbdeck's own ``--config``) belongs here:
LINSTOR's global options, then a group name or alias. ``controller``/``c`` is shared with
the daemon (``drbdeck controller [--db …] [--listen …]``): it is ours only when a
controller sub-command (version, list-properties, set-property, their aliases or -h
after it) follows.
"""

from __future__ import annotations

from drbdeck.cli.linstor.app import main
from drbdeck.cli.linstor.grammar import GROUP_WORDS, find_group

#: global options accepted before the group: these take a value …
GLOBAL_OPTIONS_WITH_VALUE = ("--controllers", "-t", "--timeout")
#: … and these are flags
GLOBAL_FLAGS = ("-m", "--machine-readable", "--no-color", "--no-utf8", "--curl", "--warn-as-error")


def claims(argv: list[str]) -> bool:
    """True if ``argv`` is a LINSTOR-style command line this package should run."""
    words = iter(argv)
    for word in words:
        if word in GLOBAL_FLAGS:
            continue
        if word in GLOBAL_OPTIONS_WITH_VALUE:
            next(words, None)
            continue
        if word.startswith(tuple(o + "=" for o in GLOBAL_OPTIONS_WITH_VALUE if o[1] == "-")):
            continue
        group = find_group(word)
        if group is None:
            return False
        if group.name != "controller":
            return True
        following = next(words, None)
        return following is not None and group.find(following) is not None
    return False


__all__ = ["GLOBAL_FLAGS", "GLOBAL_OPTIONS_WITH_VALUE", "GROUP_WORDS", "claims", "main"]
