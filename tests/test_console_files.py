"""The console reads and writes files on the machine it runs on: /import reads only a plain
file, never through a link, never more than the import limit, and never shows what a file
holds; /export and /chart never overwrite a file or write through a link."""

from __future__ import annotations

import asyncio
import io
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.console import ConsoleAdapter
from bot.settings import Limits
from bot.storage.models import Entry

SECRET = "STEADY_TELEGRAM_TOKEN=123456:AAHsecret-token-value"
EXPORT = "steady-export-2026-11-25.csv"
CHART = "steady-chart-30d-2026-11-25.png"


def run(core, folder: Path, *lines: str) -> str:  # type: ignore[no-untyped-def]
    """What the console prints for these lines, typed one after another."""
    out = io.StringIO()
    console = ConsoleAdapter(core, user="ana", out=out, folder=folder)
    asyncio.run(console.chat(io.StringIO("".join(f"{line}\n" for line in lines))))
    return out.getvalue()


def entries(core) -> int:  # type: ignore[no-untyped-def]
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(Entry))


def test_import_refuses_a_link_and_never_shows_what_a_file_holds(core, tmp_path):
    (tmp_path / "secret.env").write_text(SECRET + "\nOTHER=1\n")
    (tmp_path / "export.csv").symlink_to(tmp_path / "secret.env")
    (tmp_path / "gone.csv").symlink_to(tmp_path / "nowhere.csv")
    said = run(core, tmp_path, "/import export.csv", "/import gone.csv", "/import secret.env")
    assert said.count("is a link, so I won't read it") == 2
    assert "e.g. /import steady-export-2026-11-25.csv" in said
    assert "doesn't look like a Steady export" in said  # the file itself is read, and refused
    assert "secret-token" not in said and "STEADY_TELEGRAM_TOKEN" not in said
    assert entries(core) == 0


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="Linux's /proc")
def test_import_refuses_a_file_that_is_not_what_its_size_says(core, tmp_path):
    """/proc/self/environ says it is empty and then hands over the environment, tokens and
    all: a file whose length doesn't match its size is refused, unread in any reply."""
    said = run(core, tmp_path, "/import /proc/self/environ")
    assert "/proc/self/environ changed while I read it, or isn't a plain file" in said
    assert "=" not in said  # no NAME=value from the environment
    assert entries(core) == 0


def test_import_refuses_devices_and_pipes_without_reading(core, tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")  # opened for reading, a pipe would wait for a writer
    said = run(core, tmp_path, "/import /dev/zero", "/import pipe.csv", f"/import {tmp_path}")
    assert said.count("isn't a plain file, so I won't read it") == 3
    assert "/dev/zero isn't a plain file" in said
    assert entries(core) == 0


def test_import_checks_the_size_before_reading(make_core, sqlite_url, tmp_path):
    core = make_core(sqlite_url, limits=Limits(max_import_kb=1))
    with open(tmp_path / "huge.csv", "wb") as f:
        f.truncate(64 * 2**30)  # 64 GB that aren't there: reading it would never end well
    (tmp_path / "big.csv").write_bytes(b"date,kind,volume_ml\n" + b"2026-11-20,water,500\n" * 60)
    said = run(core, tmp_path, "/import huge.csv", "/import big.csv")
    assert f"{tmp_path / 'huge.csv'} is larger than 1 KB" in said
    assert f"{tmp_path / 'big.csv'} is larger than 1 KB" in said
    assert entries(core) == 0


def test_import_still_reads_a_plain_file(core, tmp_path):
    (tmp_path / "mine.csv").write_text("date,kind,volume_ml\n2026-11-20,water,500\n")
    assert "Imported 1 entry" in run(core, tmp_path, "/import mine.csv")
    assert entries(core) == 1


def test_export_never_overwrites_a_file(core, tmp_path):
    (tmp_path / EXPORT).write_text("my own notes")
    said = run(core, tmp_path, "/run 5k 28:30", "/export", "/export")
    assert (tmp_path / EXPORT).read_text() == "my own notes"
    second = tmp_path / "steady-export-2026-11-25 (2).csv"
    third = tmp_path / "steady-export-2026-11-25 (3).csv"
    assert f"(saved {second})" in said and f"(saved {third})" in said
    assert second.read_bytes() == third.read_bytes()
    assert b"2026-11-25,2026-11-25T12:00:00+00:00,run,5000" in second.read_bytes()
    assert stat.S_IMODE(second.stat().st_mode) == 0o600  # someone's data: theirs to read


def test_export_and_chart_never_write_through_a_link(core, tmp_path):
    victim = tmp_path / "elsewhere" / "victim.txt"
    victim.parent.mkdir()
    victim.write_text("untouched")
    (tmp_path / EXPORT).symlink_to(victim)
    (tmp_path / CHART).symlink_to(tmp_path / "elsewhere" / "planted.png")  # dangling
    said = run(core, tmp_path, "/run 5k 28:30", "/export", "/chart")
    assert victim.read_text() == "untouched"
    assert not (tmp_path / "elsewhere" / "planted.png").exists()
    assert (tmp_path / EXPORT).is_symlink() and (tmp_path / CHART).is_symlink()
    chart = tmp_path / "steady-chart-30d-2026-11-25 (2).png"
    assert f"(saved {chart})" in said
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "steady-export-2026-11-25 (2).csv").exists()


def test_a_file_that_cannot_be_saved_is_said_and_the_console_goes_on(core, tmp_path):
    folder = tmp_path / "not-there"
    said = run(core, folder, "/run 5k 28:30", "/export", "/today")
    assert f"(couldn't save {EXPORT}: No such file or directory)" in said
    assert "run 5.00 km" in said.split("couldn't save")[-1]  # /today still answered
