"""All LINSTOR groups known to the CLI, and lookup by name or alias."""

from __future__ import annotations

from drbdeck.cli.linstor import (
    cmd_controller,
    cmd_definitions,
    cmd_group,
    cmd_node,
    cmd_resource,
    cmd_storage,
)
from drbdeck.cli.linstor.spec import Group

GROUPS: tuple[Group, ...] = (
    cmd_node.GROUP,
    cmd_storage.GROUP,
    cmd_storage.SPD_GROUP,
    cmd_definitions.RD_GROUP,
    cmd_definitions.VD_GROUP,
    cmd_resource.GROUP,
    cmd_resource.VOLUME_GROUP,
    cmd_group.GROUP,
    cmd_controller.GROUP,
)

#: every first word (group name or alias) that selects a LINSTOR group
GROUP_WORDS: frozenset[str] = frozenset(w for g in GROUPS for w in g.words())


def find_group(word: str) -> Group | None:
    return next((g for g in GROUPS if word in g.words()), None)
