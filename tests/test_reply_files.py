"""A redelivered /chart or /export gets the same files as the first time, for 48 hours, and
/deleteme takes them with everything else (bot/storage/kept_files.py)."""

import pytest
from sqlalchemy import func, select

from bot.commands.data import CONFIRM_WORD
from bot.interface import ChatKind
from bot.ops import retention
from bot.storage import kept_files
from bot.storage.models import ReplyFile
from tests.support import Chat


def kept(core) -> int:
    with core.services.db.unit_of_work() as s:
        return s.scalar(select(func.count()).select_from(ReplyFile))


@pytest.fixture
def ana(make_core, any_db_url):
    chat = Chat(make_core(any_db_url), "ana")
    chat.say("/run 5k 28:00")
    chat.say("/water 500ml")
    return chat


@pytest.mark.parametrize("line", ["/chart week", "/export"])
def test_a_redelivered_message_gets_the_same_files_again(ana, line):
    first = ana.replies(line, message_id="m-1")
    files = [(a.filename, a.data, a.is_image) for r in first for a in r.attachments]
    assert files, "the command makes files"
    again = ana.replies(line, message_id="m-1")
    assert [r.text for r in again] == [r.text for r in first]
    assert [(a.filename, a.data, a.is_image) for r in again for a in r.attachments] == files
    assert kept(ana.core) == len(files)  # kept once, not once per delivery


def test_files_are_kept_48_hours_then_a_redelivery_gets_the_text_alone(ana, clock):
    [first] = ana.replies("/chart week", message_id="m-2")
    clock.advance(hours=47)
    assert ana.replies("/chart week", message_id="m-2")[0].attachments == first.attachments
    clock.advance(hours=2)
    [late] = ana.replies("/chart week", message_id="m-2")
    assert late.text == first.text and late.attachments == ()
    assert retention.prune_due(ana.core.services, clock.now())["reply_files"] == 1
    assert kept(ana.core) == 0


def test_replies_without_files_keep_none(ana):
    ana.replies("/stats", message_id="m-3")
    assert kept(ana.core) == 0


def test_a_file_over_the_cap_is_not_kept(ana, monkeypatch):
    monkeypatch.setattr(kept_files, "MAX_FILE_BYTES", 10)
    [first] = ana.replies("/chart week", message_id="m-4")
    assert first.attachments and kept(ana.core) == 0
    [again] = ana.replies("/chart week", message_id="m-4")
    assert again.text == first.text and again.attachments == ()


def test_deleteme_takes_her_files_and_those_kept_in_her_groups(ana):
    ana.replies("/chart week", message_id="m-5")
    ben_in_group = Chat(ana.core, "ben", chat_id="g1", kind=ChatKind.GROUP)
    Chat(ana.core, "ana", chat_id="g1", kind=ChatKind.GROUP).say("/run 3k")
    ben_in_group.say("/run 4k")
    ben_in_group.replies("/chart week", message_id="g-1")  # kept under Ben, in her group
    Chat(ana.core, "ben").replies("/chart week", message_id="b-1")  # Ben's own, elsewhere
    assert kept(ana.core) == 3
    assert ana.say(f"/deleteme {CONFIRM_WORD}").startswith("🗑️ Done.")
    assert kept(ana.core) == 1  # only Ben's own chart, in his private chat, is left
    [again] = ben_in_group.replies("/chart week", message_id="g-1")
    assert again.attachments == ()  # his group reply was blanked, its picture gone with it
