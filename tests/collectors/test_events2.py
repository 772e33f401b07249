"""The events2 line parser: grammar of drbd.md §1.1 and its error messages."""

from __future__ import annotations

import pytest

from drbdeck.collectors.events2 import (
    Event,
    Events2ParseError,
    format_line,
    parse_line,
    parse_timestamp,
)
from tests.collectors import samples


def test_plain_change_line() -> None:
    ev = parse_line(
        "change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 done:37.50\n"
    )
    assert ev.action == "change"
    assert ev.object == "peer-device"
    assert ev.timestamp is None and ev.timestamp_text is None
    assert ev.fields == {
        "name": "r0",
        "peer-node-id": "1",
        "conn-name": "bravo",
        "volume": "0",
        "done": "37.50",
    }
    assert ev.identity == {"name": "r0", "peer-node-id": "1", "conn-name": "bravo", "volume": "0"}
    assert ev.name == "r0"


def test_timestamp_prefix_is_parsed_to_epoch_seconds() -> None:
    ev = parse_line(samples.ALPHA[0])
    assert ev.timestamp_text == "2025-06-02T12:00:00.004811+00:00"
    assert ev.timestamp == pytest.approx(1748865600.004811)
    assert ev.action == "exists" and ev.object == "resource"
    assert ev.fields["promotion_score"] == "10101"


def test_timestamp_with_offset() -> None:
    utc = parse_timestamp("2025-06-02T12:00:03.123456+00:00")
    plus2 = parse_timestamp("2025-06-02T14:00:03.123456+02:00")
    minus = parse_timestamp("2025-06-02T06:30:03.123456-05:30")
    assert utc == pytest.approx(plus2) == pytest.approx(minus)


def test_timestamp_without_microseconds_takes_slow_path() -> None:
    assert parse_timestamp("2025-06-02T12:00:00+00:00") == pytest.approx(1748865600.0)


@pytest.mark.parametrize(
    "text",
    [
        "2025-06-02T12:00:00.12345x+00:00",
        "2025-06-02T12:00:00.123456",
        "2025-13-02T12:00:00+00:00",
        "12345",
    ],
)
def test_bad_timestamps(text: str) -> None:
    with pytest.raises(Events2ParseError, match="timestamp"):
        parse_timestamp(text)


def test_bad_timestamp_in_a_line() -> None:
    with pytest.raises(Events2ParseError, match="bad timestamp"):
        parse_line("2025-99-99T00:00:00.000000+00:00 exists -")


def test_exists_dash_with_and_without_timestamp() -> None:
    ev = parse_line("exists -")
    assert ev.is_initial_done and ev.fields == {}
    ev = parse_line("2025-06-02T12:00:00.005127+00:00 exists -\n")
    assert ev.is_initial_done and ev.timestamp is not None


@pytest.mark.parametrize("line", ["change -", "exists - name:r0", "destroy -"])
def test_dash_only_as_exists_dash(line: str) -> None:
    with pytest.raises(Events2ParseError, match="exists -"):
        parse_line(line)


def test_values_split_on_first_colon_only() -> None:
    ev = parse_line(
        "exists path name:r0 peer-node-id:1 conn-name:bravo local:ipv6:[fe80::1]:7000 "
        "peer:ipv4:10.0.0.2:7000 established:no"
    )
    assert ev.fields["local"] == "ipv6:[fe80::1]:7000"
    assert ev.fields["peer"] == "ipv4:10.0.0.2:7000"


def test_eta_nan_is_kept_as_text() -> None:
    ev = parse_line(
        "change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0 done:37.50 "
        "dbdt1:0.00 eta:nan"
    )
    assert ev.fields["eta"] == "nan"


def test_change_line_with_only_identity_keys() -> None:
    ev = parse_line("change peer-device name:r0 peer-node-id:1 conn-name:bravo volume:0")
    assert ev.fields == ev.identity


@pytest.mark.parametrize("action", ["exists", "create", "change", "destroy"])
@pytest.mark.parametrize(
    ("obj", "ident"),
    [
        ("resource", "name:r0"),
        ("connection", "name:r0 peer-node-id:1 conn-name:b"),
        ("device", "name:r0 volume:0 minor:1000"),
        ("peer-device", "name:r0 peer-node-id:1 conn-name:b volume:0"),
        (
            "path",
            "name:r0 peer-node-id:1 conn-name:b local:ipv4:1.2.3.4:7000 peer:ipv4:5.6.7.8:7000",
        ),
    ],
)
def test_all_actions_and_objects(action: str, obj: str, ident: str) -> None:
    ev = parse_line(f"{action} {obj} {ident}")
    assert (ev.action, ev.object) == (action, obj)


def test_rename_call_response() -> None:
    ev = parse_line("rename resource name:old new_name:new")
    assert ev.action == "rename" and ev.fields["new_name"] == "new"
    ev = parse_line(
        "response helper name:r0 peer-node-id:0 conn-name:alpha volume:0 minor:1000 "
        "helper:before-resync-target status:256"
    )
    assert ev.action == "response" and ev.fields["status"] == "256"


def test_ansi_colours_are_stripped() -> None:
    ev = parse_line(
        "exists device name:r0 volume:0 minor:1000 backing_dev:none "
        "disk:\x1b[1;32mUpToDate\x1b[0m client:no quorum:yes"
    )
    assert ev.fields["disk"] == "UpToDate"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "empty line"),
        (" exists -", "starts with a space"),
        ("bogus resource name:r0", "unknown action 'bogus'"),
        ("2025-06-02T12:00:00.004811+00:00 bogus -", "unknown action 'bogus' after timestamp"),
        ("exists", "without an object type"),
        ("exists widget name:r0", "unknown object type 'widget'"),
        ("exists resource name:r0 role", "token 'role' has no ':'"),
        ("exists resource name:r0  role:Primary", "empty token"),
        ("exists resource name:r0 :Primary", "empty key"),
        ("exists resource name:r0 role:A role:B", "appears twice"),
        ("exists resource role:Primary", "identity key 'name' missing"),
        ("change peer-device name:r0 peer-node-id:1 volume:0", "'conn-name' missing"),
        ("exists resource name:r0 role:Primary\x1b[1;32", "unterminated ANSI"),
        ("exists helper name:r0 helper:fence-peer", "only helpers are called"),
        ("call resource name:r0", "only helpers are called"),
        ("rename device name:r0 volume:0 minor:1 new_name:x", "resources only"),
    ],
)
def test_errors_name_the_rule(line: str, message: str) -> None:
    with pytest.raises(Events2ParseError, match=message.replace("(", r"\(")):
        parse_line(line)


def test_every_reference_sample_line_parses() -> None:
    for block in (
        samples.ALPHA,
        samples.ALPHA_STATISTICS,
        samples.ALPHA_FULL_PROGRESS,
        samples.BRAVO,
        samples.CHARLIE,
    ):
        for line in block:
            ev = parse_line(line)
            assert format_line(ev) == line


def test_format_puts_identity_first() -> None:
    ev = Event("change", "device", {"disk": "UpToDate", "minor": "7", "volume": "0", "name": "x"})
    assert format_line(ev) == "change device name:x volume:0 minor:7 disk:UpToDate"
    assert parse_line(format_line(ev)) == ev
