"""How much memory `steady run` holds: PSS of its whole process tree, idle and after load.

A real `steady run` (a subprocess, default settings, SQLite in a new folder, migrated before
as by an earlier start unless `--fresh`) polls the fake Bot API (tests/fakes/bot_api.py) on
loopback. Once it has polled past a minute tick, the PSS of every process in its tree (main,
the core's process, anything else it started) is read from /proc/<pid>/smaps_rollup: that
is "idle". Then people log, ask for stats and charts (which loads matplotlib), and once
every message is answered and things settle, the tree is read again: "after load". PSS
counts a page shared by n processes as 1/n in each, so the sum over the tree is what the
tree costs the machine; RSS summed would count shared pages more than once.

    .venv/bin/python bench/memory.py [--updates 400] [--idle 65] [--fresh] [--core-process on|off]

The goal for one friend group on a 512 MB server: 150 MB PSS all-in-one when idle.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.bot_api import TOKEN, FakeBotAPI

TARGET_MB = 150
USERS = 20
TEXTS = (
    "/start",
    "/run 5k 28:30",
    "/water 250ml",
    "drank 300ml",
    "/strength squats 3x10 40kg",
    "/goal run 15km/week",
    "/stats",
    "/today",
    "/records",
    "/chart",
    "/streak",
    "/remind water every 2h 09:00-21:00",
)


@dataclass(frozen=True)
class Usage:
    pid: int
    name: str
    pss_kb: int
    rss_kb: int


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += children(current)
    return pids


def usage(pid: int) -> Usage | None:
    try:
        fields = {}
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            key, value, *_ = line.split()
            fields[key.rstrip(":")] = int(value)
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None  # it ended while we looked
    return Usage(pid, describe(words), fields["Pss"], fields["Rss"])


def describe(words: list[bytes]) -> str:
    line = " ".join(w.decode(errors="replace") for w in words if w)
    if "resource_tracker" in line:
        return "resource tracker"
    if "forkserver" in line:
        return "fork server"
    if "multiprocessing" in line or "spawn_main" in line:
        return "core's process"
    if " run" in line:
        return "steady run (main)"
    return line[:60]


def show(label: str, rows: list[Usage]) -> int:
    total = sum(r.pss_kb for r in rows)
    rss = sum(r.rss_kb for r in rows)
    print(f"{label}: {total / 1024:.1f} MB PSS ({rss / 1024:.1f} MB RSS summed)")
    for r in rows:
        print(f"  {r.name:<20} {r.pss_kb / 1024:6.1f} MB PSS {r.rss_kb / 1024:6.1f} MB RSS")
    return total


def migrate(url: str) -> None:
    """In a process of its own, so the bench's own modules stay out of the figures' way."""
    code = f"from bot.storage.db import Database; Database({url!r}).upgrade()"
    subprocess.run([sys.executable, "-c", code], check=True)


def steady_command() -> list[str]:
    return [str(Path(sys.executable).parent / "steady"), "run"]


async def measure(
    updates: int, idle_s: float, settle_s: float, env_extra: dict[str, str], *, fresh: bool
) -> None:
    fake = await FakeBotAPI().start()
    with tempfile.TemporaryDirectory() as folder:
        if not fresh:  # as after the bot's first start: migrated already
            migrate(f"sqlite:///{folder}/steady.db")
        env = {
            **os.environ,
            "STEADY_TELEGRAM_TOKEN": TOKEN,
            "STEADY_TELEGRAM_BASE_URL": fake.base_url,
            "STEADY_DATABASE_URL": f"sqlite:///{folder}/steady.db",
            "STEADY_LOG_LEVEL": "WARNING",
            **env_extra,
        }
        for name in ("STEADY_DISCORD_TOKEN", "STEADY_CORE_PROCESS"):
            if name not in env_extra:
                env.pop(name, None)
        started = time.monotonic()
        proc = subprocess.Popen(steady_command(), env=env, cwd=folder)
        try:
            await fake.wait_for(lambda: fake.calls_to("getUpdates"), 120, "polling")
            print(f"polling after {time.monotonic() - started:.1f} s")
            await asyncio.sleep(idle_s)  # past the first minute tick
            idle = show("idle", [u for p in tree(proc.pid) if (u := usage(p))])

            for n in range(updates):
                user = fake.user(10_000 + n % USERS, f"Runner {n % USERS}")
                fake.send_text(user, TEXTS[n % len(TEXTS)])
            await fake.wait_for(lambda: len(fake.sent) >= updates, 60 + updates / 5, "every reply")
            await asyncio.sleep(settle_s)
            loaded = show(
                f"after {updates} updates", [u for p in tree(proc.pid) if (u := usage(p))]
            )
        finally:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
            await fake.close()
    verdict = "meets" if idle / 1024 <= TARGET_MB else "misses"
    print(f"idle {idle / 1024:.1f} MB PSS ({verdict} {TARGET_MB} MB)")
    print(f"after load {loaded / 1024:.1f} MB PSS")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--updates", type=int, default=400)
    parser.add_argument(
        "--idle", type=float, default=65.0, help="seconds polling before idle is read"
    )
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after the load")
    parser.add_argument(
        "--fresh", action="store_true", help="an empty database: the first start, which migrates"
    )
    parser.add_argument(
        "--core-process", choices=("on", "off"), help="STEADY_CORE_PROCESS (default: unset)"
    )
    args = parser.parse_args()
    extra = {}
    if args.core_process:
        extra["STEADY_CORE_PROCESS"] = "true" if args.core_process == "on" else "false"
    asyncio.run(measure(args.updates, args.idle, args.settle, extra, fresh=args.fresh))


if __name__ == "__main__":
    main()
