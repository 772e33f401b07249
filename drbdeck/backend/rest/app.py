"""The aiohttp application serving LINSTOR's REST API v1 over the ``Operations`` facade.

Why aiohttp: a well-kept asyncio HTTP server that shares the controller's event loop with
the reconciler and the node links, so one process serves REST and drives the nodes.
"""

from __future__ import annotations

from aiohttp import web

from drbdeck.backend.controller.operations import Operations
from drbdeck.backend.rest import routes_adopt, routes_cluster, routes_rsc
from drbdeck.backend.rest.context import CTX, MAX_BODY, Context, guard
from drbdeck.backend.rest.events import Broadcaster
from drbdeck.backend.rest.serialize import NodeStatus, ObservedProvider


def create_app(ops: Operations, *, observed: ObservedProvider | None = None,
               node_status: NodeStatus | None = None,
               events: Broadcaster | None = None) -> web.Application:
    """An application answering ``/v1/...`` from ``ops``.

    ``observed`` joins runtime DRBD state to resources (see ``serialize``), ``node_status``
    gives each node's ConnectionStatus name, and ``events`` feeds ``/v1/events/drbd``.
    """
    app = web.Application(middlewares=[guard], client_max_size=MAX_BODY)
    ctx = app[CTX] = Context(ops, observed, node_status, events or Broadcaster())
    # first hook: the cache must forget changed replicas before any other hook awaits
    ops.on_change.insert(0, ctx.views.invalidate)
    app.add_routes(routes_cluster.routes)
    app.add_routes(routes_rsc.routes)
    app.add_routes(routes_adopt.routes)  # drbdeck-specific: adopt hand-made resources

    async def _close_events(app: web.Application) -> None:
        app[CTX].events.close()

    app.on_shutdown.append(_close_events)
    return app


async def start(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve ``app`` on host:port; the caller keeps the runner and ``await runner.cleanup()``."""
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_address=True)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


def bound_port(runner: web.AppRunner) -> int:
    """The port actually bound (for ``--listen HOST:0`` and tests)."""
    for addr in runner.addresses:
        if isinstance(addr, tuple):
            return int(addr[1])
    raise RuntimeError("the REST server is not listening")
