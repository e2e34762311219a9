"""The `steady` command, settings from the environment, and secrets kept out of logs."""

import logging
import subprocess
import sys
from pathlib import Path

from bot.ops.logs import RedactingFormatter, secrets_of
from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def steady(
    *args: str, stdin: str = "", env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def base_env(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "STEADY_CONFIG_DIR": str(ROOT / "config"),
    }


def test_steady_chat_reads_a_script_from_a_pipe_on_the_default_sqlite_file(tmp_path):
    env = base_env(tmp_path) | {"XDG_DATA_HOME": str(tmp_path / "data")}
    out = steady("chat", stdin="/run 5k 28:30\n/today\n", env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Logged run 5.00 km in 28:30" in out.stdout
    assert "• run 5.00 km in 28:30" in out.stdout
    assert (tmp_path / "data" / "steady" / "steady.db").exists()
    again = steady("chat", stdin="/history\n", env=env, cwd=tmp_path)
    assert "run 5.00 km" in again.stdout  # kept across runs


def test_db_upgrade_and_run_without_tokens(tmp_path):
    env = base_env(tmp_path) | {"STEADY_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"}
    assert "up to date" in steady("db", "upgrade", env=env, cwd=tmp_path).stdout
    out = steady("run", env=env, cwd=tmp_path)
    assert out.returncode == 2
    assert "STEADY_TELEGRAM_TOKEN" in out.stderr and "steady chat" in out.stderr


def test_environment_overrides_the_defaults_file(monkeypatch):
    monkeypatch.setenv("STEADY_LIMITS__MAX_RUN_KM", "500")
    monkeypatch.setenv("STEADY_WATER__GLASS_ML", "300")
    monkeypatch.setenv("STEADY_DISCORD_TOKEN", "")
    settings = Settings()
    assert settings.limits.max_run_km == 500
    assert settings.water.glass_ml == 300
    assert settings.limits.max_sets == 50  # from config/steady.toml
    assert settings.discord_token is None  # blank means unset


def test_tokens_never_reach_a_log_line(monkeypatch):
    token = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
    monkeypatch.setenv("STEADY_TELEGRAM_TOKEN", token)
    monkeypatch.setenv("STEADY_DATABASE_URL", "postgresql://steady:hunter2pw@db/steady")
    settings = Settings()
    assert token not in repr(settings) and token not in str(settings.model_dump())
    formatter = RedactingFormatter(secrets_of(settings), "%(message)s")
    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{token}/getMe failed")
    except RuntimeError:
        record = logging.LogRecord(
            "x", logging.ERROR, __file__, 1, "url %s", (token,), sys.exc_info()
        )
    line = formatter.format(record)
    assert token not in line and "[redacted]" in line
    assert "hunter2pw" in secrets_of(settings)
