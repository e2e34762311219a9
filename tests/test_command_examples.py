"""Every example the registry declares (help, the Telegram menu and Discord's forms show them)
works as written: run through the core in the chat it belongs to, its handler finishes
without an error, so a command's parameters cannot drift from what its parser reads."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.commands import build_registry
from bot.commands.registry import Command, Registry
from bot.context import APOLOGY, Handler
from bot.core import Core
from bot.groups import linking
from bot.interface import Attachment, Where
from bot.services import build_services
from bot.settings import Settings
from tests.group_support import GroupChat
from tests.support import Chat

CHALLENGE = '/challenge new "November 100k" run 100km until 2026-11-30'

# What a person has done before each example (the conftest clock: Wednesday 25 Nov 2026).
PRIVATE_WORLD = (
    "/run 5k 28:30",
    "/water 500ml",
    "/strength squats 3x10 40kg",
    "/goal run 15km/week",
    "/remind water 10:00",
    "/remind run 07:00",
    "/remind strength 18:00",
)
GROUP_WORLD = (CHALLENGE, "/digest daily 20:00")
# Examples that need a world of their own: (lines said by ana, lines said by ben) in the group.
GROUP_WORLDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    CHALLENGE: ((), ()),
    "/join": ((), (CHALLENGE,)),
    "/join November 100k": ((), (CHALLENGE,)),
}
PRIVATE_BEFORE = {"/resume": ("/pause 3d",)}
# Examples of a command anyone may use whose argument only an admin may give.
AS_ADMIN = {"/challenge who admins"}


def examples() -> list[pytest.param]:
    return [
        pytest.param(command, example, id=example)
        for command in build_registry()
        for example in command.examples
    ]


class Raised:
    """Handlers wrapped to keep what they raised; the core turns it into a reply, which
    alone would not tell a refusal from an answer."""

    def __init__(self) -> None:
        self.errors: list[BaseException] = []

    def wrap(self, handler: Handler) -> Handler:
        def watched(ctx, args):  # type: ignore[no-untyped-def]
            try:
                return handler(ctx, args)
            except Exception as exc:
                self.errors.append(exc)
                raise

        return watched

    def registry(self) -> Registry:
        commands = build_registry()
        return Registry(dataclasses.replace(c, handler=self.wrap(c.handler)) for c in commands)


@pytest.fixture
def watched_core(sqlite_url: str, clock) -> Iterator[tuple[Core, Raised]]:  # type: ignore[no-untyped-def]
    raised = Raised()
    services = build_services(Settings(database_url=sqlite_url), clock, migrate=False)
    services.registry = raised.registry()
    yield Core(services), raised
    services.db.dispose()


def said_by_example(
    core: Core, command: Command, example: str, monkeypatch: pytest.MonkeyPatch, lang: str = ""
) -> str:
    """The reply to `example`, said by ana in the chat it belongs to after her world (in
    `lang` when given: ana and ben chose it with /lang first)."""
    me = Chat(core, "ana", platform="telegram", chat_id="dm-telegram-ana")
    chosen = (f"/lang {lang}",) if lang else ()
    for line in chosen + PRIVATE_WORLD + PRIVATE_BEFORE.get(example, ()):
        me.say(line)
    attachments: tuple[Attachment, ...] = ()
    ben = Chat(core, "ben", platform="telegram")
    for line in chosen:
        ben.say(line)
    if command.name == "import":
        ben.say("/run 3k 20:00")
        [reply] = ben.replies("/export")
        attachments = tuple(a for a in reply.attachments if a.filename.endswith(".csv"))
    if command.name == "link" and example != "/link":
        monkeypatch.setattr(linking, "new_code", lambda: linking.normalise_code(example[6:]))
        Chat(core, "ana", platform="discord", chat_id="dm-discord-ana").say("/link")
    chat: Chat = me
    if command.where is Where.GROUP:
        chat = GroupChat(core, "ana", is_admin=command.admin or example in AS_ADMIN)
        ana_says, ben_says = GROUP_WORLDS.get(example, (GROUP_WORLD, ()))
        in_group = GroupChat(core, "ben", is_admin=True)
        for line in ben_says:
            in_group.say(line)
        admin = GroupChat(core, "ana", is_admin=True)
        for line in ana_says:
            admin.say(line)
    incoming = dataclasses.replace(chat.incoming(example), attachments=attachments)
    return "\n".join(r.text for r in core.handle(incoming))


@pytest.mark.parametrize(("command", "example"), examples())
def test_every_declared_example_works_as_written(
    command: Command,
    example: str,
    watched_core: tuple[Core, Raised],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    core, raised = watched_core
    text = said_by_example(core, command, example, monkeypatch)
    assert text, example
    assert "I didn't catch that" not in text and APOLOGY not in text, text
    assert raised.errors == [], f"{example} → {text}"


# Words of a reply that are no English sentence: commands, figures, names and the words
# people type as arguments (which stay English), so only prose is compared. Quoted text is
# what people type too.
_NOT_PROSE = re.compile(r"^(?:/.*|.*\d.*|.*[@#_].*|ana|ben|november|\W*)$", re.IGNORECASE)
_QUOTED = re.compile(r"«[^»]*»|“[^”]*”|„[^“”]*[“”]|\"[^\"]*\"")


def english_runs(text: str, length: int = 4) -> set[tuple[str, ...]]:
    """Every run of `length` prose words of `text`, lower-cased."""
    runs: set[tuple[str, ...]] = set()
    for line in text.splitlines():
        words: list[str] = []
        for token in _QUOTED.sub(" / ", line).split():
            word = token.strip(".,:;!?()[]\"'«»“”…–—·•").lower()
            if _NOT_PROSE.match(word) or not word.isalpha():
                words = []
                continue
            words.append(word)
            if len(words) >= length:
                runs.add(tuple(words[-length:]))
    return runs


@pytest.mark.parametrize("lang", ["de", "es", "pt", "ru"])
@pytest.mark.parametrize(
    ("command", "example"),
    # /lang answers in the language it sets, whatever was spoken before.
    [p for p in examples() if str(p.values[1]).split()[0] not in ("/lang", "/language")],
)
def test_every_example_answers_in_the_persons_language(
    command: Command,
    example: str,
    lang: str,
    make_core: Callable[..., Core],
    sqlite_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each command's reply, through the console core, in each language: no run of four
    English words of its English reply is left in it."""
    replies = {}
    for language in ("", lang):
        path = tmp_path / f"steady-{language or 'en'}.db"
        shutil.copy(sqlite_template, path)
        core = make_core(f"sqlite:///{path}")
        replies[language] = said_by_example(core, command, example, monkeypatch, language)
    english, translated = replies[""], replies[lang]
    assert translated, example
    left = english_runs(english) & english_runs(translated)
    assert not left, f"{example} in {lang}: {sorted(left)[:3]}\n{translated}"


def test_every_command_declares_an_example() -> None:
    assert [c.name for c in build_registry() if not c.examples] == []
