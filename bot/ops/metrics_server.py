"""`/metrics` and `/healthz` on `STEADY_METRICS_PORT`, served from the bot's own event loop.

`/healthz` is answered by a handler on that loop, so an answer at all means the loop turns;
it is 200 when the database also answers a trivial query within `HEALTH_TIMEOUT_S`, 503
otherwise. `/metrics` is Prometheus's text format: the counters of bot/ops/metrics.py, and the
database's gauges (inbox depth, oldest waiting event, outbox depth) read when scraped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import datetime
from types import TracebackType

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text

from bot.clock import Clock, SystemClock
from bot.settings import Settings
from bot.storage.db import Database
from bot.storage.models import FAILED, OPEN, PENDING, QUEUED, WAITING, InboxEvent, OutboxMessage

log = logging.getLogger("steady.metrics")

HEALTH_TIMEOUT_S = 2.0


class DatabaseGauges(Collector):
    """The figures that live in the database, read on each scrape (one short query per
    table) rather than kept up to date on every event."""

    def __init__(self, db: Database, clock: Clock, role: str) -> None:
        self.db, self.clock, self.role = db, clock, role

    def collect(self) -> Iterator[Metric]:
        role = GaugeMetricFamily("steady_role", "The role this process runs", labels=["role"])
        role.add_metric([self.role], 1)
        yield role
        try:
            states, oldest, pending = self._read()
        except Exception as exc:  # the scrape still shows the counters; /healthz says why
            log.warning("metrics: the database did not answer: %s", type(exc).__name__)
            return
        age = (self.clock.now() - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "steady_inbox_depth",
            "Inbox events not yet handled (queued, waiting or being worked on)",
            value=sum(states.get(state, 0) for state in OPEN),
        )
        yield GaugeMetricFamily(
            "steady_inbox_oldest_waiting_seconds",
            "Age of the oldest event waiting for a worker (0 when none waits)",
            value=max(age, 0.0),
        )
        yield GaugeMetricFamily(
            "steady_inbox_parked",
            "Inbox events set aside as failed (`steady inbox` lists them)",
            value=states.get(FAILED, 0),
        )
        yield GaugeMetricFamily(
            "steady_outbox_depth", "Outbox messages waiting to be sent", value=pending
        )

    def _read(self) -> tuple[dict[str, int], datetime | None, int]:
        with self.db.engine.connect() as connection:
            states = dict(
                connection.execute(
                    select(InboxEvent.state, func.count())
                    .where(InboxEvent.state.in_((*OPEN, FAILED)))
                    .group_by(InboxEvent.state)
                ).all()
            )
            oldest = connection.execute(
                select(func.min(InboxEvent.received_at)).where(
                    InboxEvent.state.in_((QUEUED, WAITING))
                )
            ).scalar()
            pending = connection.execute(
                select(func.count()).where(OutboxMessage.status == PENDING)
            ).scalar_one()
        return {str(k): int(v) for k, v in states.items()}, oldest, int(pending)


class MetricsServer:
    """The aiohttp server of `/metrics` and `/healthz`; `async with` starts and stops it.
    Port 0 takes a free port (`port` tells which)."""

    def __init__(
        self,
        db: Database,
        *,
        role: str,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock | None = None,
    ) -> None:
        self.db, self.host, self.port = db, host, port
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(DatabaseGauges(db, clock or SystemClock(), role))
        self._runner: web.AppRunner | None = None
        self._check: asyncio.Future[None] | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/healthz", self._healthz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = int(self._runner.addresses[0][1])
        log.info("metrics on http://%s:%d/metrics", self.host, self.port)

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> MetricsServer:
        await self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()

    async def _metrics(self, request: web.Request) -> web.Response:
        body = await asyncio.to_thread(self._exposition)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    def _exposition(self) -> bytes:
        # The process's counters live in the default registry; the database's gauges in
        # this server's own, so two servers (as in tests) never register a name twice.
        return generate_latest(REGISTRY) + generate_latest(self.registry)

    async def _healthz(self, request: web.Request) -> web.Response:
        # One check at a time: a database that hangs must not gather a thread per probe.
        if self._check is None or self._check.done():
            self._check = asyncio.ensure_future(asyncio.to_thread(self._ping))
        try:
            await asyncio.wait_for(asyncio.shield(self._check), HEALTH_TIMEOUT_S)
        except TimeoutError:
            return web.Response(status=503, text="database: no answer in time\n")
        except Exception as exc:
            log.warning("health: the database did not answer: %s", type(exc).__name__)
            return web.Response(status=503, text="database: unreachable\n")
        return web.Response(text="ok\n")

    def _ping(self) -> None:
        with self.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))


async def serve_metrics(
    settings: Settings, db: Database, role: str, clock: Clock | None = None
) -> None:
    """Serve `/metrics` and `/healthz` until cancelled: one of `steady run`'s tasks, which
    never ends by itself (a task that ended would read as the bot stopping). With
    `STEADY_METRICS_PORT` unset nothing listens. A port that can't be had is logged and the
    bot runs on: losing the operator's view must not stop people's messages."""
    server = None
    if settings.metrics_port is not None:
        server = MetricsServer(
            db, role=role, host=settings.metrics_listen, port=settings.metrics_port, clock=clock
        )
        try:
            await server.start()
        except OSError as exc:
            log.error(
                "metrics: can't listen on %s:%d (%s); set STEADY_METRICS_PORT to a free port",
                settings.metrics_listen,
                settings.metrics_port,
                exc.strerror or exc,
            )
            await server.close()
            server = None
    try:
        await asyncio.Event().wait()
    finally:
        if server is not None:
            await server.close()
