"""Settings: defaults in config/steady.toml, overridden by STEADY_* environment variables.

Secrets are `SecretStr`, so printing the settings (or an error that carries them) never
shows a token.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from pydantic import BaseModel, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_DIR = Path(
    os.environ.get("STEADY_CONFIG_DIR", Path(__file__).resolve().parent.parent / "config")
)


class Limits(BaseModel):
    max_run_km: float = 250.0
    max_run_hours: float = 48.0
    min_run_pace_s_per_km: float = 90.0
    max_water_ml: float = 5000.0
    max_sets: int = 50
    max_reps: int = 1000
    max_weight_kg: float = 600.0
    max_strength_minutes: float = 600.0
    max_note_chars: int = 280
    max_days_back: int = 366
    history_max: int = 50
    max_import_rows: int = 20000
    max_import_kb: int = 5000


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
    batch: int = 100  # groups or challenges claimed per transaction by the tick


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

    # The core's work in a process of its own, beside the adapters' event loop, so it uses a
    # second CPU. Unset: yes on SQLite on a machine with more than one CPU (on PostgreSQL
    # messages are handled side by side in threads instead).
    core_process: bool | None = None
    # Seconds a worker holds an inbox event before another may take it (PostgreSQL: the
    # events of a worker that died wait this long). Longer than any message takes.
    inbox_lease_s: float = 60.0

    limits: Limits = Limits()
    water: Water = Water()
    reminders: Reminders = Reminders()
    challenges: Challenges = Challenges()

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

    @field_validator(
        "telegram_token",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "discord_token",
        "discord_guild_id",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """An empty variable (as compose passes an unset one) means 'not configured'."""
        return None if isinstance(value, str) and not value.strip() else value

    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file in the user's data folder."""
        if self.database_url:
            return self.database_url
        folder = Path(platformdirs.user_data_dir("steady", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / 'steady.db'}"
