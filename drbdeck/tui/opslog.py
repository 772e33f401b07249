"""Log every controller operation and its answers into the console's event log.

Why wrap the instance: the console's forms are not the only callers — the CLI keeps talking
to the in-process controller over REST while the console runs, and the operator wants to
see those operations too. Wrapping the bound methods of the one ``Operations`` object
catches every caller. Nested calls (``rd_set_property`` → ``rd_modify``) log once, and the
reconciler's capacity reports are left out (they are bookkeeping, not operations).
"""

from __future__ import annotations

import contextvars
import functools
import inspect
from collections.abc import Callable
from typing import Any

from drbdeck.tui.logline import LogLine

#: Operations methods not worth a log line.
QUIET = frozenset({"pool_report", "node_list"})
_depth: contextvars.ContextVar[int] = contextvars.ContextVar("drbdeck_ops_depth", default=0)


def describe_call(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    """``rsc_create(r1, [alpha])`` style text: positional values, then set keywords."""
    parts = [repr(a) if not isinstance(a, str) else a for a in args]
    parts += [f"{k}={v!r}" for k, v in kwargs.items() if v not in (None, False, (), [], {})]
    return f"{name}({', '.join(parts)})"


def _level(answer: Any) -> str:
    if answer.is_error():
        return "error"
    return "warning" if answer.is_warning() else "info"


def wrap_operations(ops: Any, append: Callable[[Any], None], clock: Callable[[], float]
                    ) -> Callable[[], None]:
    """Wrap ``ops``' async methods in place; returns a function that unwraps them."""
    wrapped: list[str] = []
    for name, _fn in inspect.getmembers(type(ops), inspect.iscoroutinefunction):
        if name.startswith("_") or name in QUIET or name in vars(ops):
            continue
        setattr(ops, name, _logged(name, getattr(ops, name), append, clock))
        wrapped.append(name)

    def unwrap() -> None:
        for name in wrapped:
            vars(ops).pop(name, None)

    return unwrap


def _logged(name: str, bound: Callable[..., Any], append: Callable[[Any], None],
            clock: Callable[[], float]) -> Callable[..., Any]:
    @functools.wraps(bound)
    async def call(*args: Any, **kwargs: Any) -> Any:
        token = _depth.set(_depth.get() + 1)
        try:
            answers = await bound(*args, **kwargs)
        finally:
            _depth.reset(token)
        if _depth.get() == 0:
            what = describe_call(name, args, kwargs)
            for a in answers or ():
                text = a.message + (f" ({a.cause})" if a.is_error() and a.cause else "")
                append(LogLine(time=clock(), source="ops", text=f"{what} → {text}",
                               level=_level(a)))
        return answers

    return call


__all__ = ["QUIET", "describe_call", "wrap_operations"]
