"""`steady chat` and `steady run` run the reminders tick on an AsyncIOScheduler; in the terminal
chat, nudges appear as they fire."""

import io

from apscheduler.triggers.cron import CronTrigger

from adapters.console import ConsoleAdapter
from bot.app import TICK_JOB, run_tick, start_scheduler
from bot.delivery.outbox import OutboxSender


async def test_a_nudge_appears_in_the_terminal_chat(core, clock):
    out = io.StringIO()
    console = ConsoleAdapter(core, user="ana", out=out)
    for reply in await core.handle_async(console.incoming("/remind run 12:30")):
        console.show(reply)
    clock.advance(minutes=30)
    await run_tick(core.services)
    # What `steady chat` runs beside the console: an outbox sender for it.
    assert await OutboxSender(core.services.db, clock, console).drain_once() == 1
    shown = out.getvalue()
    assert "Time for your run · 12:30" in shown
    assert "[⏰ Snooze 1 h: /snooze 1h]  [⏭ Skip today: /skip 1]" in shown


async def test_the_scheduler_runs_the_tick_at_the_top_of_every_minute(core, clock):
    scheduler = start_scheduler(core.services)
    try:
        job = scheduler.get_job(TICK_JOB)
        assert isinstance(job.trigger, CronTrigger)
        assert str(job.trigger) == "cron[second='0']"
        assert job.max_instances == 1 and job.coalesce
        assert job.func is run_tick and job.args == (core.services,)
    finally:
        scheduler.shutdown(wait=False)


async def test_a_tick_that_fails_is_logged_and_the_next_one_runs(core, caplog, monkeypatch):
    from bot.reminders import tick as dispatch

    def broken(services, **_):
        raise ConnectionError("database went away")

    monkeypatch.setattr(dispatch, "tick", broken)
    await run_tick(core.services)  # does not raise: the scheduler keeps its job
    assert "reminders tick failed" in caplog.text
