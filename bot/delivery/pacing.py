"""Sending within each platform's published limits, so a fan-out of nudges never trips them.

Each adapter declares its platform's published limits as its `pacing` (a `PlatformLimits`,
bot/interface.py): Telegram's are about 30 messages a second overall, 1 a second to one chat
and 20 a minute to one group; Discord's 5 per 5 seconds to one channel. `Pacer` keeps a
sliding window of recent sends for the whole platform and for each chat. When the whole
platform is at its limit, the sender waits (briefly); when only one chat is, that message is
put back for later and the others go on. Hand-written rather than aiolimiter's, because the sender
needs to ask "may this chat send now?" without blocking, and tests need their own clock.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

from bot.interface import PlatformLimits, Rate


class _Window:
    """The times of recent sends, within one rate's period."""

    def __init__(self, rate: Rate) -> None:
        self.rate = rate
        self.sent: deque[float] = deque()

    def wait_s(self, now: float) -> float:
        while self.sent and self.sent[0] <= now - self.rate.per_s:
            self.sent.popleft()
        if len(self.sent) < self.rate.count:
            return 0.0
        return self.sent[0] + self.rate.per_s - now

    def record(self, now: float) -> None:
        self.sent.append(now)


class Pacer:
    def __init__(
        self, limits: PlatformLimits, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits, self.monotonic = limits, monotonic
        self.overall = _Window(limits.overall) if limits.overall else None
        self.chats: dict[str, _Window] = {}

    def chat_wait_s(self, chat_id: str) -> float:
        """How long this chat must wait before its next message (0: it may send now)."""
        window = self._chat(chat_id)
        return window.wait_s(self.monotonic()) if window else 0.0

    def overall_wait_s(self) -> float:
        return self.overall.wait_s(self.monotonic()) if self.overall else 0.0

    def record(self, chat_id: str) -> None:
        now = self.monotonic()
        if self.overall:
            self.overall.record(now)
        if window := self._chat(chat_id):
            window.record(now)
        if len(self.chats) > 10_000:
            self._forget_idle(now)

    def _chat(self, chat_id: str) -> _Window | None:
        limits = self.limits
        group = limits.per_group is not None and limits.is_group(chat_id)
        rate = limits.per_group if group else limits.per_chat
        if rate is None:
            return None
        window = self.chats.get(chat_id)
        if window is None:
            window = self.chats[chat_id] = _Window(rate)
        return window

    def _forget_idle(self, now: float) -> None:
        for chat_id in [c for c, w in self.chats.items() if w.wait_s(now) == 0 and not w.sent]:
            del self.chats[chat_id]
