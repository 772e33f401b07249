"""Printing LINSTOR's ApiCallRc answers and turning them into exit codes.

A mutating call answers a JSON list of ``{ret_code, message, cause?, details?,
correction?, error_report_ids?, obj_refs}``; the severity lives in the top bits of the
signed 64-bit ``ret_code`` (linstor.md §7), so warnings and errors are negative. Any
error → exit 10; warnings alone still exit 0, as in LINSTOR's client.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console

MASK_ERROR = 0xC000000000000000
MASK_WARN = 0x8000000000000000
MASK_INFO = 0x4000000000000000
_U64 = 0xFFFFFFFFFFFFFFFF

EXIT_OK, EXIT_API = 0, 10
_COLOUR = {"SUCCESS": "green", "INFO": "cyan", "WARNING": "yellow", "ERROR": "red"}


def severity(ret_code: int) -> str:
    code = ret_code & _U64
    if code & MASK_ERROR == MASK_ERROR:
        return "ERROR"
    if code & MASK_WARN:
        return "WARNING"
    if code & MASK_INFO:
        return "INFO"
    return "SUCCESS"


def is_rc_list(body: Any) -> bool:
    return isinstance(body, list) and all(isinstance(x, dict) and "ret_code" in x for x in body)


def print_replies(console: Console, replies: list[dict[str, Any]]) -> int:
    """Print each entry with its sections; return 10 if any is an error, else 0."""
    code = EXIT_OK
    for entry in replies:
        level = severity(int(entry.get("ret_code", 0)))
        if level == "ERROR":
            code = EXIT_API
        console.print(f"{level}:", style=_COLOUR[level], markup=False)
        sections = [
            ("Description", entry.get("message")),
            ("Cause", entry.get("cause")),
            ("Details", entry.get("details")),
            ("Correction", entry.get("correction")),
        ]
        reports = entry.get("error_report_ids") or []
        if reports:
            sections.append(("Show reports", " ".join(reports)))
        for title, text in sections:
            if text:
                console.print(f"{title}:", markup=False)
                for line in str(text).splitlines():
                    console.print(f"    {line}", markup=False)
    return code


def print_http_error(console: Console, status: int, body: Any) -> int:
    """A failure answer that is not an ApiCallRc list (e.g. a proxy's HTML page)."""
    console.print("ERROR:", style="red", markup=False)
    console.print("Description:", markup=False)
    console.print(f"    HTTP {status} from the controller: {str(body)[:500]}", markup=False)
    return EXIT_API
