"""Every option keyword × typical good/bad values: our parser accepts and rejects exactly
what drbd-utils 9.22 does, with the same message."""

from __future__ import annotations

from pathlib import Path

import pytest

from drbdeck.backend.resfile import ResFileError, parse
from drbdeck.backend.resfile_options import SECTIONS, Spec, check_value
from tests.drbdtools import drbdadm


def _samples(spec: Spec) -> list[str | None]:
    if spec.kind == "bool":
        return ["yes", "no", "maybe", None]
    if spec.kind == "enum":
        return [*spec.values, "bogus"]
    if spec.kind == "str":
        return ["abc", "x" * 63, "x" * 64, "with space"]
    if spec.kind in ("num", "numenum"):
        out: list[str | None] = ["abc", "10k", "3T", "1M"]
        if spec.lo is not None:
            out += [str(spec.lo), str(max(spec.lo - 1, 0))]
        if spec.hi is not None:
            out += [str(spec.hi), str(spec.hi + 1)]
        if spec.kind == "numenum":
            out += [*spec.values, "bogus"]
        return out
    if spec.kind == "flag":
        return [None, "abc"]
    if spec.kind == "int":
        return ["5", "10k"]
    return ["abc"]


CASES = [
    (sec, key, v)
    for sec, opts in SECTIONS.items()
    for key, spec in opts.items()
    for v in _samples(spec)
]


def _text(sec: str, key: str, v: str | None) -> str:
    val = "" if v is None else f' "{v}"' if " " in v else f" {v}"
    if sec == "global":
        return f"global {{ {key}{val}; }}\n"
    return (
        f"resource r0 {{\n {sec} {{ {key}{val}; }}\n"
        " on a { node-id 0; address 10.0.0.1:7000; volume 0 { device minor 1; disk /dev/x; } }\n"
        " on b { node-id 1; address 10.0.0.2:7000; volume 0 { device minor 1; disk /dev/x; } }\n"
        "}\n"
    )


def _ours(text: str, path: str) -> str:
    try:
        parse(text, path)
    except ResFileError as e:
        assert e.exit_code == 10
        return e.message
    return ""


@pytest.mark.realtool
def test_option_values_agree_with_drbdadm(tmp_path: Path) -> None:
    f = tmp_path / "p.res"
    problems = []
    for sec, key, v in CASES:
        text = _text(sec, key, v)
        f.write_text(text)
        real = drbdadm(["sh-nop"], f)
        ours = _ours(text, str(f))
        if (real.rc != 0) != bool(ours):
            problems.append(f"{sec}.{key}={v!r}: drbdadm rc={real.rc} {real.err!r}, ours {ours!r}")
        elif ours and ours.strip() != real.err.strip():
            problems.append(f"{sec}.{key}={v!r}: message differs:\n  {real.err!r}\n  {ours!r}")
    assert not problems, "\n".join(problems)
    assert len(CASES) > 300


def test_shared_secret_limit() -> None:
    assert check_value("net", "shared-secret", "x" * 63) is None
    reason = check_value("net", "shared-secret", "x" * 64)
    assert reason is not None and "Value is too long.\nmax len: 63" in reason
