"""Settings: defaults in config/steady.toml, overridden by STEADY_* environment variables.

Secrets are `SecretStr`, so printing the settings (or an error that carries them) never
shows a token.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import (
    BaseModel,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_DIR = Path(
    os.environ.get("STEADY_CONFIG_DIR", Path(__file__).resolve().parent.parent / "config")
)

# `steady run`'s roles: all-in-one, or (PostgreSQL only) receivers and workers apart.
ROLES = ("all", "receive", "work")


class Limits(BaseModel):
    max_run_km: float = 250.0
    max_run_hours: float = 48.0
    min_run_pace_s_per_km: float = 90.0
    max_water_ml: float = 5000.0
    max_water_day_ml: float = 20000.0  # the most a daily water goal may ask
    max_sets: int = 50
    max_reps: int = 1000
    max_weight_kg: float = 600.0
    max_strength_minutes: float = 600.0
    max_note_chars: int = 280
    max_days_back: int = 366
    history_max: int = 50
    max_import_rows: int = 20000
    max_import_kb: int = 5000
    # A watch's workout file (GPX, TCX, FIT): its size, its points, and the seconds its
    # reading may take before the child reading it is killed (bot/reading/workout_files.py).
    max_workout_kb: int = 10240
    max_workout_points: int = 30000
    workout_parse_s: float = 3.0


class Water(BaseModel):
    glass_ml: float = 250.0


class Reminders(BaseModel):
    daily_cap: int = 4
    grace_minutes: int = 30
    max_per_person: int = 10


class Challenges(BaseModel):
    water_day_ml: float = 2000.0  # a water day counts at this much, unless a member set a goal
    max_days: int = 366  # the longest window a challenge may have
    digest_grace_minutes: int = 180  # a digest later than this (the bot was down) is skipped
    link_code_minutes: int = 10
    link_wrong_per_hour: int = 5  # wrong /link codes one person may send in an hour
    # Wrong codes a minute, bot-wide, above which each person gets one wrong code an hour.
    link_brake_per_minute: int = 30
    batch: int = 100  # groups or challenges claimed per transaction by the tick
    max_running: PositiveInt = 5  # challenges a group may run at once


class Retention(BaseModel):
    """How long finished records stay: done inbox events, sent outbox messages, handled-message
    records, the voice's cooldown firings and shown messages. "Once" firings stay for good,
    and a cooldown longer than this keeps its last firing for the cooldown's length."""

    days: float = 14.0
    batch: int = 1000  # rows per table per tick, so a tick never stalls

    @field_validator("days")
    @classmethod
    def _days(cls, value: float) -> float:
        # The daily nudge cap counts the last two days of the outbox, and a platform
        # redelivers for a day at most: fewer than two days would forget what those need.
        if value < 2:
            raise ValueError("STEADY_RETENTION__DAYS must be 2 or more, e.g. 14")
        return value

    @field_validator("batch")
    @classmethod
    def _batch(cls, value: int) -> int:
        if value < 1:
            raise ValueError("STEADY_RETENTION__BATCH must be 1 or more, e.g. 1000")
        return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="STEADY_",
        env_nested_delimiter="__",
        toml_file=CONFIG_DIR / "steady.toml",
        extra="ignore",
    )

    database_url: str = ""
    config_dir: Path = CONFIG_DIR
    log_level: str = "INFO"
    # The operator's view (bot/ops): "json" writes one JSON object per log line; a metrics
    # port serves /metrics and /healthz; a standby poller tries for the lock this often.
    log_format: Literal["text", "json"] = "text"
    metrics_port: int | None = None
    metrics_listen: str = "127.0.0.1"
    poll_takeover_s: float = 30.0
    # What `steady run` does (`--role` says the same): "all" receives and works in one
    # process; on PostgreSQL "receive" only stores platform events in the inbox and "work"
    # only works through it (with the minute tick and the outbox senders), any number of each.
    role: Literal["all", "receive", "work"] = "all"

    telegram_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = 8443
    # Telegram's flood limits on sending (30/s, 20/min a group). Off only against a fake
    # or private Bot API, as tests and benchmarks use.
    telegram_flood_limits: bool = True

    discord_token: SecretStr | None = None
    discord_guild_id: int | None = None
    # The privileged Message Content intent (enable it in the developer portal first): needed
    # for prefix commands in servers. DMs, mentions, slash commands and buttons work without.
    discord_message_content: bool = False
    discord_prefix: str = "!"
    # Seconds an interaction waits for the core before Discord is told "thinking…" (it allows 3).
    discord_defer_after: float = 1.5
    # Sharding, for receivers that split one bot's gateway: how many shards the bot has, and
    # which of them this process runs ("0-3", "0,2"; unset: all of them).
    discord_shard_count: int | None = None
    discord_shards: str | None = None

    # The core's work in a process of its own, beside the adapters' event loop, so it uses a
    # second CPU. Unset: yes on a machine with more than one CPU.
    core_process: bool | None = None
    # How many such processes share the work on PostgreSQL (unset: 2). SQLite has one
    # writer, so there it is always 1.
    core_processes: PositiveInt | None = None
    # Seconds one message's handling may take before the watchdog steps in: it is logged
    # and counted, and where the core has a process of its own that process is replaced.
    handle_budget_s: PositiveFloat = 5.0
    # Seconds a worker holds an inbox event before another may take it (PostgreSQL: the
    # events of a worker that died wait this long). Longer than any message takes.
    inbox_lease_s: float = 60.0

    limits: Limits = Limits()
    water: Water = Water()
    reminders: Reminders = Reminders()
    challenges: Challenges = Challenges()
    retention: Retention = Retention()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            TomlConfigSettingsSource(settings_cls),
        )

    @field_validator("role", mode="before")
    @classmethod
    def _role(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().lower() not in ROLES:
            raise ValueError(f"STEADY_ROLE must be one of {', '.join(ROLES)}, e.g. work")
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("poll_takeover_s")
    @classmethod
    def _takeover(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("STEADY_POLL_TAKEOVER_S must be more than 0 seconds, e.g. 30")
        return value

    @field_validator(
        "metrics_port",
        "telegram_token",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "discord_token",
        "discord_guild_id",
        "discord_shard_count",
        "discord_shards",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """An empty variable (as compose passes an unset one) means 'not configured'."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("discord_shard_count")
    @classmethod
    def _shard_count(cls, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise ValueError("STEADY_DISCORD_SHARD_COUNT must be 1 or more, e.g. 4")
        return value

    @field_validator("discord_shards")
    @classmethod
    def _shards(cls, value: str | None, info: ValidationInfo) -> str | None:
        """Refuses a bad STEADY_DISCORD_SHARDS at start (the count is read before it)."""
        if value is not None:
            _shard_ids(value, info.data.get("discord_shard_count"))
        return value

    def discord_shard_ids(self) -> list[int] | None:
        """The shards this process runs; None when sharding is off (one plain connection)."""
        count, text = self.discord_shard_count, self.discord_shards
        if text is None:
            return None if count is None else list(range(count))
        return _shard_ids(text, count)

    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file in the user's data folder."""
        if self.database_url:
            return self.database_url
        folder = Path(platformdirs.user_data_dir("steady", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / 'steady.db'}"


def _shard_ids(text: str, count: int | None) -> list[int]:
    if count is None:
        raise ValueError(
            "STEADY_DISCORD_SHARDS needs STEADY_DISCORD_SHARD_COUNT too, e.g. "
            "STEADY_DISCORD_SHARD_COUNT=4 STEADY_DISCORD_SHARDS=0-1"
        )
    return parse_shards(text, count)


def parse_shards(text: str, count: int) -> list[int]:
    """ "0-3" or "0,2" (or both: "0-1,3") -> shard ids, each below `count`, in order."""
    example = f"e.g. STEADY_DISCORD_SHARDS=0-{count - 1} or 0,2"
    found: set[int] = set()
    for part in text.replace(" ", "").split(","):
        low, dash, high = part.partition("-")
        try:
            first, last = int(low), int(high if dash else low)
        except ValueError:
            message = f"STEADY_DISCORD_SHARDS={text!r} is not a list of shards; {example}"
            raise ValueError(message) from None
        if not 0 <= first <= last < count:
            raise ValueError(
                f"STEADY_DISCORD_SHARDS={text!r} names shards outside 0-{count - 1} "
                f"(STEADY_DISCORD_SHARD_COUNT={count}); {example}"
            )
        found.update(range(first, last + 1))
    return sorted(found)
