"""The tick's side of challenges: daily digests and end summaries, with a controlled clock."""

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from PIL import Image
from sqlalchemy import func, select

from bot.context import SilentVoice
from bot.groups.digests import run_due_digests, run_due_endings
from bot.interface import Destination
from bot.storage.models import Group, OutboxMessage
from tests.group_support import GROUP_CHAT, GroupChat, delivered, private

NEW = '/challenge new "November 100k" run 100km until 2026-11-30'
BERLIN_8PM = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)  # 20:00 in Berlin (CET)


class RecordingVoice(SilentVoice):
    """A voice with one line for groups, keeping the facts it was shown."""

    def __init__(self) -> None:
        self.facts: list[dict[str, object]] = []

    def group_line(self, session, facts):
        self.facts.append(facts)
        return "Small steps, together, add up."


def berlin_group(core, platform="telegram"):
    admin = GroupChat(core, "ana", platform=platform, is_admin=True)
    admin.say("/tz Europe/Berlin")
    admin.say(NEW)
    ben = GroupChat(core, "ben", platform=platform)
    ben.say("/join")
    return admin, ben


def outbox_count(core) -> int:
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage))


def test_digest_is_posted_once_at_its_local_time(make_core, any_db_url, clock):
    core = make_core(any_db_url)
    admin, ben = berlin_group(core)
    assert "Daily digest at 20:00 (Europe/Berlin)" in admin.say("/digest daily 20:00")
    private(core, "ana").say("/run 10k 55:00")
    ben.say("/run 12k 70:00")
    services = core.services

    clock.set(BERLIN_8PM - timedelta(minutes=1))
    assert run_due_digests(services, clock.now()) == 0
    clock.set(BERLIN_8PM)
    assert run_due_digests(services, clock.now()) == 1
    assert run_due_digests(services, clock.now()) == 0  # run twice: posted once
    [(where, reply)] = delivered(core, "telegram")
    assert where == Destination("telegram", GROUP_CHAT["telegram"])
    assert "Daily digest · Wed 25 Nov" in reply.text
    assert reply.text.index("1. Ben — 12.0 km") < reply.text.index("2. Ana — 10.0 km")
    assert "Moved today: Ana, Ben" in reply.text

    clock.set(BERLIN_8PM + timedelta(hours=23, minutes=59))
    assert run_due_digests(services, clock.now()) == 0
    clock.set(BERLIN_8PM + timedelta(days=1))
    assert run_due_digests(services, clock.now()) == 1
    [(_, next_day)] = delivered(core, "telegram")
    assert "Daily digest · Thu 26 Nov" in next_day.text
    assert "No one has logged today yet" in next_day.text


def test_workers_ticking_together_post_each_digest_once(make_core, any_db_url, clock):
    core = make_core(any_db_url)
    groups = 12
    for n in range(groups):
        admin = GroupChat(core, f"admin{n}", chat_id=f"-100{n}", is_admin=True)
        admin.say(NEW)
        admin.say("/digest daily 20:00")
    clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    with ThreadPoolExecutor(4) as pool:
        posted = list(pool.map(lambda _: run_due_digests(core.services, clock.now()), range(4)))
    assert sum(posted) == groups
    assert outbox_count(core) == groups
    assert len({d.chat_id for d, _ in delivered(core, "telegram")}) == groups


def test_digest_celebrates_consistency_and_improvement_not_only_totals(core, clock):
    voice = RecordingVoice()
    core.services.voice = voice
    admin = GroupChat(core, "ana", is_admin=True)
    admin.say('/challenge new "Autumn" run 300km from 2026-11-11 until 2026-11-30')
    for who in ("ben", "cat"):
        GroupChat(core, who).say("/join")
    ana, ben, cat = (private(core, who) for who in ("ana", "ben", "cat"))
    for day in range(11, 26):  # Ana: 10 km every day, the same both weeks
        ana.say(f"/run 10k 2026-11-{day:02d}")
    ben.say("/run 5k 2026-11-24")  # Ben: nothing the week before, 10 km this week
    ben.say("/run 5k 2026-11-25")
    cat.say("/run 1k 2026-11-15")  # Cat: a little more than the week before
    cat.say("/run 3k 2026-11-22")
    admin.say("/digest daily 20:00")
    clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    assert run_due_digests(core.services, clock.now()) == 1
    [(_, reply)] = delivered(core, "telegram")
    assert "1. Ana — 150.0 km" in reply.text
    assert "Most improved: Ben (+10.0 km on the week before)" in reply.text
    assert "Most consistent: Ana, active 7 of the last 7 days" in reply.text
    assert "Moved today: Ana, Ben" in reply.text
    assert "_Small steps, together, add up._" in reply.text
    [facts] = voice.facts
    assert facts["moment"] == "digest"
    assert facts["moved_today"] == 2 and facts["members"] == 3
    assert facts["most_improved"] == "Ben" and facts["leader"] == "Ana"


def test_no_digest_without_a_running_challenge_and_the_schedule_moves_on(core, clock):
    admin = GroupChat(core, "ana", is_admin=True)
    assert "posted while a challenge runs" in admin.say("/digest daily 20:00")
    clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    assert run_due_digests(core.services, clock.now()) == 0
    with core.services.db.unit_of_work() as s:
        assert s.scalar(select(Group.digest_next_at)) == datetime(2026, 11, 26, 20, 0, tzinfo=UTC)


def test_a_digest_missed_while_the_bot_was_down_is_not_posted_late(core, clock):
    admin = GroupChat(core, "ana", is_admin=True)
    admin.say(NEW)
    admin.say("/digest daily 20:00")
    clock.set(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))  # 13 hours late
    assert run_due_digests(core.services, clock.now()) == 0
    clock.set(datetime(2026, 11, 26, 20, 0, tzinfo=UTC))
    assert run_due_digests(core.services, clock.now()) == 1


def test_digest_off_and_a_new_group_zone_move_the_schedule(core, clock):
    admin = GroupChat(core, "ana", is_admin=True)
    admin.say(NEW)
    admin.say("/digest daily 8pm")
    admin.say("/tz America/New_York")
    assert "daily at 20:00 (America/New_York)" in admin.say("/digest")
    clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))  # 15:00 in New York
    assert run_due_digests(core.services, clock.now()) == 0
    clock.set(datetime(2026, 11, 26, 1, 0, tzinfo=UTC))  # 20:00 in New York
    assert run_due_digests(core.services, clock.now()) == 1
    assert "Daily digest stopped" in admin.say("/digest off")
    clock.advance(days=1)
    assert run_due_digests(core.services, clock.now()) == 0
    assert "There's no digest to stop" in admin.say("/digest off")
    assert "isn't a time of day" in admin.say("/digest daily 25:00")


def test_end_summary_is_posted_once_with_a_chart(make_core, any_db_url, clock):
    core = make_core(any_db_url)
    voice = RecordingVoice()
    core.services.voice = voice
    admin, _ = berlin_group(core, "discord")
    dm = private(core, "ben", "discord")
    for day in range(25, 31):
        clock.set(datetime(2026, 11, day, 12, 0, tzinfo=UTC))
        dm.say("/run 20k 1:55:00")
    private(core, "ana", "discord").say("/run 30k 3:00:00")
    services = core.services

    clock.set(datetime(2026, 11, 30, 22, 59, tzinfo=UTC))  # 23:59 on the last day in Berlin
    assert run_due_endings(services, clock.now()) == 0
    clock.set(datetime(2026, 11, 30, 23, 0, tzinfo=UTC))
    assert run_due_endings(services, clock.now()) == 1
    assert run_due_endings(services, clock.now()) == 0
    [(where, reply)] = delivered(core, "discord")
    assert where == Destination("discord", GROUP_CHAT["discord"])
    assert "November 100k** is over" in reply.text
    assert reply.text.index("1. Ben — 120.0 km") < reply.text.index("2. Ana — 30.0 km")
    assert "Together: 150.0 km" in reply.text
    assert "Reached the target: Ben" in reply.text
    assert "Showed up most: Ben (6 active days)" in reply.text
    assert facts_of(voice, "challenge_end")["reached"] == 1
    [chart] = reply.attachments
    assert chart.is_image and chart.filename.endswith(".png")
    image = Image.open(io.BytesIO(chart.data))
    image.load()
    assert image.format == "PNG" and image.width >= 400 and image.height >= 300
    colours = image.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 20  # lines, text and a legend, not a blank canvas
    assert "No challenge is running here" in admin.say("/leaderboard")
    assert "finished Mon 30 Nov" in admin.say("/challenge November 100k")


def facts_of(voice: RecordingVoice, moment: str) -> dict[str, object]:
    return next(f for f in voice.facts if f["moment"] == moment)


def test_ending_early_posts_the_summary_at_the_next_tick(core, clock):
    ana, ben = GroupChat(core, "ana"), GroupChat(core, "ben")
    ana.say('/challenge new "Lift" strength 10 until 2026-12-20')
    ben.say("/join")
    ben.say("/strength squats 3x10")
    assert "Lift is over" in ana.say("/challenge end")
    assert run_due_endings(core.services, clock.now()) == 1
    [(_, reply)] = delivered(core, "telegram")
    assert "Lift** is over" in reply.text and "on Wed 25 Nov" in reply.text
    assert "1. Ben — 1 session" in reply.text and "2. Ana — 0 sessions" in reply.text
    assert "No one reached the full target" in reply.text
    assert len(reply.attachments) == 1
    assert "has finished" in ben.say("/join Lift")


class BrokenForOneGroup(SilentVoice):
    """A rules engine with a bug that shows in one group only."""

    def __init__(self, chat_id: str) -> None:
        self.chat_id = chat_id

    def group_line(self, session, facts):
        group = session.get(Group, int(str(facts["group_key"]).removeprefix("group-")))
        if group.digest_chat_id == self.chat_id:
            raise RuntimeError("a broken rule")
        return None


def test_one_groups_trouble_does_not_hold_up_the_others(core, clock):
    for chat_id in ("-1001", "-1002"):
        admin = GroupChat(core, "ana", chat_id=chat_id, is_admin=True)
        admin.say(NEW)
        admin.say("/digest daily 20:00")
    core.services.voice = BrokenForOneGroup("-1001")
    clock.set(datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    assert run_due_digests(core.services, clock.now()) == 1
    assert [d.chat_id for d, _ in delivered(core, "telegram")] == ["-1002"]
    GroupChat(core, "ana", chat_id="-1001").say("/challenge end")
    GroupChat(core, "ana", chat_id="-1002").say("/challenge end")
    assert run_due_endings(core.services, clock.now()) == 1  # the other summary waits
    core.services.voice = SilentVoice()  # the rule is fixed
    assert run_due_endings(core.services, clock.now()) == 1
    assert sorted(d.chat_id for d, _ in delivered(core, "telegram")) == ["-1001", "-1002"]


def test_the_minute_tick_posts_digests_and_summaries(core, clock):
    import asyncio

    from bot.app import run_tick

    admin, _ = berlin_group(core)
    admin.say("/digest daily 20:00")
    clock.set(BERLIN_8PM)
    asyncio.run(run_tick(core.services))
    asyncio.run(run_tick(core.services))  # the next worker, or the next second: nothing twice
    [(_, digest)] = delivered(core, "telegram")
    assert "Daily digest · Wed 25 Nov" in digest.text
    admin.say("/challenge end")
    asyncio.run(run_tick(core.services))
    [(_, summary)] = delivered(core, "telegram")
    assert "is over" in summary.text and len(summary.attachments) == 1
