"""The webhook endpoint, served with aiohttp (already a Steady dependency).

Telegram posts each update with the secret given to setWebhook in the
X-Telegram-Bot-Api-Secret-Token header; anything without it gets 403 and changes nothing.
An update is stored in the inbox before the answer goes back (not handled: the worker does
that later), so Telegram redelivers whatever was not stored (a crash, a timeout), and the
inbox keeps one of each update id. A body that is not JSON or has no integer update_id gets
400.

Telegram retries anything but a 2xx: an update it did send that Steady cannot read
(a `message` that is not an object) is stored all the same and set aside by the worker,
never answered 400 or 500, which would bring it back again and again. A failure to store
is not answered 200, so Telegram sends the update again.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger("steady.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

Handle = Callable[[dict[str, Any]], Awaitable[None]]


class WebhookServer:
    def __init__(self, handle: Handle, *, path: str, secret: str, host: str, port: int) -> None:
        self.handle, self.path, self.host = handle, path or "/", host
        self._secret = secret.encode()
        self.port = port  # the bound port once started (the setting may be 0)
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(self.path, self._receive)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        log.info("Telegram webhook listening on %s:%s%s", self.host, self.port, self.path)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _receive(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook request without the right secret from %s", request.remote)
            return web.Response(status=403, text="forbidden")
        data = _update_of(await request.read())
        if data is None:
            log.warning("webhook request from %s is not a Telegram update", request.remote)
            return web.Response(status=400, text="not a Telegram update")
        try:
            await self.handle(data)
        except Exception:
            update_id = data["update_id"]
            log.exception("webhook update %s not stored; Telegram sends it again", update_id)
            return web.Response(status=503, text="try again")
        return web.Response(text="ok")


def _update_of(body: bytes) -> dict[str, Any] | None:
    """The body as an update: a JSON object with an integer `update_id`; None otherwise."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reading
        return None
    if not isinstance(data, dict):
        return None
    update_id = data.get("update_id")
    if not isinstance(update_id, int) or isinstance(update_id, bool):
        return None
    return data
