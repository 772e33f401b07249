"""Mutation test: single-token edits of rendered files are accepted or rejected by our
parse+validate exactly when the real drbdadm 9.22 accepts or rejects them."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from drbdeck.backend.resfile import ResFileError, parse, render, validate
from tests.backend.resfile_cases import CASES
from tests.drbdtools import drbdadm

MUTATIONS = 300


def _mutate(rng: random.Random) -> str:
    rc = CASES[rng.choice(sorted(CASES))]
    text = render(rc, rng.choice(sorted(rc.hosts)))
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("#"))
    parts = re.split(r"(\s+)", body)
    idx = [k for k, p in enumerate(parts) if p.strip()]
    k = rng.choice(idx)
    op = rng.choice(["delete", "duplicate", "swap"])
    if op == "delete":
        parts[k] = ""
    elif op == "duplicate":
        parts[k] = f"{parts[k]} {parts[k]}"
    else:
        j = rng.choice(idx)
        parts[k], parts[j] = parts[j], parts[k]
    return "".join(parts)


def _swap_numbers(rng: random.Random) -> str:
    """Two resources of one node with numbers (ports, minors, ids, volumes) swapped."""
    a, b = rng.sample(sorted(CASES), 2)
    text = render(CASES[a], "alpha") + render(CASES[b], "alpha")
    body = "\n".join(ln for ln in text.splitlines() if not ln.startswith("#"))
    parts = re.split(r"(\s+)", body)
    nums = [k for k, p in enumerate(parts) if re.search(r"\d", p)]
    for _ in range(rng.choice([1, 1, 2])):
        k, j = rng.choice(nums), rng.choice(nums)
        parts[k], parts[j] = parts[j], parts[k]
    return "".join(parts)


def _ours(text: str, path: str) -> str:
    try:
        validate(parse(text, path))
    except ResFileError as e:
        assert e.exit_code == 10
        return e.message
    return ""


@pytest.mark.realtool
def test_mutations_agree_with_drbdadm(tmp_path: Path) -> None:
    rng = random.Random(20261123)
    f = tmp_path / "m.res"
    disagreements = []
    rejected = 0
    for _ in range(MUTATIONS):
        text = _mutate(rng) if rng.random() < 0.7 else _swap_numbers(rng)
        f.write_text(text)
        real = drbdadm(["sh-nop"], f)
        ours = _ours(text, str(f))
        rejected += bool(ours)
        if (real.rc != 0) != bool(ours):
            disagreements.append(f"drbdadm rc={real.rc} {real.err!r}\nours {ours!r}\n{text}")
    assert not disagreements, "\n\n".join(disagreements[:3])
    assert rejected > MUTATIONS // 4  # the mutations do break files
