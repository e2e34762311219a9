"""The `steady` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.settings import ROLES, Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="steady", description="Steady, the accountability chatbot."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    chat = sub.add_parser("chat", help="chat with the bot in this terminal (no token needed)")
    chat.add_argument("--user", help="who you are in the chat (default: your login name)")
    run = sub.add_parser("run", help="run the bot on every platform whose token is set")
    run.add_argument(
        "--role",
        choices=ROLES,
        help="all (default, or STEADY_ROLE): receive and work in one process; on PostgreSQL "
        "`receive` only stores platform events and `work` only works through them",
    )
    db = sub.add_parser("db", help="database tasks")
    db.add_argument("action", choices=["upgrade", "revision"])
    db.add_argument("-m", "--message", help="with revision: what the new migration does")
    rules = sub.add_parser("rules", help="the encouragement rules and messages")
    rules.add_argument("action", choices=["check"])
    rules.add_argument(
        "file",
        nargs="?",
        type=Path,
        help="a rules or message file to check (default: both files in the config folder)",
    )
    inbox = sub.add_parser(
        "inbox",
        help="events set aside after failing: list them, retry or drop them",
        description="Without an action: list the set-aside events (never their text).",
    )
    inbox.add_argument("action", nargs="?", choices=["list", "retry", "drop"], default="list")
    inbox.add_argument("target", nargs="?", help="an event id from the list, or `all`")
    args = parser.parse_args(argv)

    from bot.ops.logs import configure_logging

    settings = Settings()
    if getattr(args, "role", None) is not None:
        settings = settings.model_copy(update={"role": args.role})
    redactor = configure_logging(settings)
    if args.command == "db":
        return _db(settings, args.action, args.message)
    if args.command == "rules":
        return _rules_check(settings, args.file)
    if args.command == "inbox":
        return _inbox(settings, args.action, args.target)
    if args.command == "run" and not _role_fits(settings):
        return 2
    if not _single_process(settings):
        return 2
    from bot.interface import TokenRejected
    from bot.voice.checks import ConfigError

    try:
        if args.command == "chat":
            return asyncio.run(_chat(settings, args.user))
        from bot.app import run_forever

        return asyncio.run(run_forever(settings))
    except KeyboardInterrupt:
        return 130  # Ctrl-C before the signal handlers were in place: nothing to tell
    except (ConfigError, TokenRejected) as exc:
        # One line that says what to fix; a traceback here would only repeat library
        # internals (and PTB's would repeat the token).
        print(redactor.redact(str(exc)), file=sys.stderr)
        return 2


def _rules_check(settings: Settings, file: Path | None) -> int:
    """`steady rules check [FILE]`: the voice files' problems, one per line; 1 if any.
    Even what the checks themselves could not survive is a problem line, not a traceback."""
    from bot.voice.checks import Problem
    from bot.voice.steady_voice import check_files

    try:
        problems, summary = check_files(settings.config_dir, file)
    except (RecursionError, MemoryError) as exc:
        what = type(exc).__name__
        problems, summary = (
            [Problem(file or settings.config_dir, "", f"could not be checked ({what})")],
            "",
        )
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found.")
        return 1
    print(summary)
    return 0


def _role_fits(settings: Settings) -> bool:
    """A split role needs PostgreSQL: False (having said why) on SQLite, which is one process."""
    from sqlalchemy.engine import make_url

    backend = make_url(settings.resolved_database_url()).get_backend_name()
    if settings.role == "all" or backend == "postgresql":
        return True
    print(
        f"`steady run --role {settings.role}` needs PostgreSQL: SQLite is one process, so "
        "run `steady run` (role all) on it, or set "
        "STEADY_DATABASE_URL=postgresql://steady:pass@localhost/steady",
        file=sys.stderr,
    )
    return False


def _single_process(settings: Settings) -> bool:
    """SQLite takes one `steady` per file: False (having said why) when one runs already."""
    from bot.ops.locks import AlreadyRunning, sqlite_single_process

    try:
        sqlite_single_process(settings.resolved_database_url())
    except AlreadyRunning as exc:
        print(exc, file=sys.stderr)
        return False
    return True


def _inbox(settings: Settings, action: str, target: str | None) -> int:
    """`steady inbox [retry|drop ID|all]`: the set-aside events; 1 when asked the impossible."""
    from bot.ops import set_aside
    from bot.storage.db import Database

    db = Database(settings.resolved_database_url())
    try:
        db.upgrade()
        if action == "list":
            if target is not None:
                print(f"`steady inbox` takes no id. Try: {set_aside.EXAMPLE}", file=sys.stderr)
                return 1
            print(set_aside.table(set_aside.parked(db)))
            return 0
        if target is None:
            print(f"Say which event: {set_aside.EXAMPLE}", file=sys.stderr)
            return 1
        done = (set_aside.retry if action == "retry" else set_aside.drop)(db, target)
    except set_aside.InboxError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        db.dispose()
    what = "put back in line" if action == "retry" else "dropped"
    print(f"{done} event{'s' if done != 1 else ''} {what}.")
    return 0


def _db(settings: Settings, action: str, message: str | None) -> int:
    from bot.storage.db import Database

    db = Database(settings.resolved_database_url())
    if action == "revision":
        from alembic import command

        from bot.storage.db import alembic_config

        db.upgrade()  # autogenerate compares the models with an up-to-date database
        command.revision(alembic_config(db.engine), message=message or "change", autogenerate=True)
        return 0
    db.upgrade()
    print("Database is up to date.")
    return 0


async def _chat(settings: Settings, user: str | None) -> int:
    import asyncio

    from adapters.console import ConsoleAdapter
    from bot.app import on_signals, senders, start_scheduler, stop_scheduler
    from bot.services import build_core

    core = build_core(settings)
    console = ConsoleAdapter(core, user=user)
    background = [asyncio.create_task(job) for job in senders(core, [console])]
    scheduler = start_scheduler(core.services)  # nudges appear in the terminal as they fire
    signals = on_signals(console.stop)  # Ctrl-C or SIGTERM: leave as at the end of input
    try:
        await console.chat()
    finally:
        signals()
        await stop_scheduler(scheduler)
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        core.services.db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
