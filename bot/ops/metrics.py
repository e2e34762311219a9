"""The operator's figures, in Prometheus's text format (prometheus-client).

Every metric lives in the process that runs the adapters and the worker loop; the core's
own process only does the work those count. Names start with `steady_`; `platform` and
`role` label what varies. Gauges of the database (the inbox's depth and oldest waiting
event, the outbox's depth) are read when scraped, not kept up to date on every event.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

EVENTS_RECEIVED = Counter(
    "steady_events_received", "Platform events stored in the inbox", ["platform", "role"]
)
EVENTS_HANDLED = Counter(
    "steady_events_handled", "Inbox events the core has handled", ["platform", "role"]
)
EVENTS_FAILED = Counter(
    "steady_events_failed", "Inbox events parked as failed", ["platform", "role"]
)
HANDLE_SECONDS = Histogram(
    "steady_handle_seconds",
    "Time from a worker taking an event to its replies being handed to the platform",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HANDLE_OVERRUNS = Counter(
    "steady_handle_overruns", "Messages whose handling overran the time budget", ["platform"]
)
OUTBOX_SENT = Counter("steady_outbox_sent", "Outbox messages delivered", ["platform"])
OUTBOX_RATE_LIMITED = Counter(
    "steady_outbox_rate_limited", "Sends the platform refused with 429", ["platform"]
)
OUTBOX_RETRIES = Counter("steady_outbox_retries", "Outbox sends to be tried again", ["platform"])
TICK_SECONDS = Histogram(
    "steady_tick_seconds", "Duration of the minute tick (reminders, digests, summaries)"
)
NUDGES_ENQUEUED = Counter("steady_nudges_enqueued", "Nudges the tick put in the outbox")
