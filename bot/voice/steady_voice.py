"""Steady's voice: facts -> the best rule that may speak -> a message not seen lately.

`SteadyVoice` implements the `Voice` protocol of bot/core.py. Everything happens inside the
caller's transaction: the firing of a limited rule (cooldown or once) and the message shown
are remembered (bot/voice/memory.py) in the same commit as the log or the nudges they belong to,
so a rolled-back log or tick leaves no trace in the voice's memory either.

Nudges come in batches (`nudge_lines`): a minute's fan-out can hold a hundred thousand, so
the voice's cost per batch is a fixed handful of statements (the facts the dispatcher has
not loaded already, the memory read, the memory written back), never a few per nudge. A log
or a digest is a batch of one and goes the same way.

`load_voice` reads config/rules.toml and config/encouragement.toml and raises ConfigError
listing every problem; `check_files` gives the same problems for `steady rules check`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from bot.clock import Clock, SystemClock
from bot.context import Context, NudgeAsk, Progress
from bot.domain import Units
from bot.i18n.languages import DEFAULT, supported
from bot.progress.stats import progress_of
from bot.storage.prepared import Db
from bot.storage.rows import EntryLike
from bot.voice import facts as f
from bot.voice.checks import ConfigError, Problem, read_toml
from bot.voice.encouragement import Library, choose, load_library
from bot.voice.facts import Facts, Scope
from bot.voice.languages import check_translation, load_libraries, translation_of
from bot.voice.memory import Audience, Memory
from bot.voice.rules import Rule, Rulebook, load_rulebook

log = logging.getLogger("steady.voice")

RULES_FILE = "rules.toml"
MESSAGES_FILE = "encouragement.toml"
UNITS = {units.value: units for units in Units}


class SteadyVoice:
    def __init__(
        self,
        rulebook: Rulebook,
        library: Library,
        *,
        glass_ml: float = 250.0,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        libraries: dict[str, Library] | None = None,
    ) -> None:
        self.rulebook, self.library = rulebook, library
        # Each language's library (English is `library`, which the rules are checked against).
        self.libraries = {**(libraries or {}), DEFAULT: library}
        self.glass_ml = glass_ml
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()

    def after_log(
        self, ctx: Context, entry: EntryLike, progress: Progress | None = None
    ) -> str | None:
        """The line under a log's reply. `progress` is what the reply already read."""
        progress = progress or progress_of(ctx.connection, ctx.user.id, ctx.today)
        facts = f.for_log(
            ctx.connection,
            ctx.user,
            entry,
            ctx.now,
            progress,
            milestones=self.rulebook.streak_milestones,
            glass_ml=self.glass_ml,
        )
        audience = Audience.person(ctx.user.id)
        return self.speak(ctx.connection, Scope.AFTER_LOG, facts, audience, ctx.now, ctx.lang)

    def nudge_lines(
        self, session: Session, asks: Sequence[NudgeAsk], now: datetime
    ) -> list[str | None]:
        """The line for each nudge of a batch, in order: None for someone who turned
        encouragement off, or when no nudge rule has something to say."""
        lines: list[str | None] = [None] * len(asks)
        wanted = [i for i, ask in enumerate(asks) if ask.encourage]
        if not wanted:
            return lines
        people = [asks[i] for i in wanted]
        facts = f.for_nudges(session, people, glass_ml=self.glass_ml)
        audiences = [Audience.person(ask.user_id) for ask in people]
        langs = [ask.lang for ask in people]
        said = self.speak_many(session, Scope.NUDGE, facts, audiences, now, langs)
        for i, line in zip(wanted, said, strict=True):
            lines[i] = line
        return lines

    def group_line(self, session: Session, facts: dict[str, object]) -> str | None:
        """The line in a group's digest, in the group's language (`lang` among the facts
        given; English without). Pass `group_key` (e.g. "telegram:-100123") so the group
        doesn't hear the same line again soon; the digest facts are in bot/voice/facts.py."""
        lang = str(facts.get("lang") or DEFAULT)
        given = f.for_digest(facts)
        key = str(given["group_key"] or given["group"])
        audience = Audience(f"group:{key}") if key else None
        return self.speak(session, Scope.DIGEST, given, audience, self.clock.now(), lang)

    def speak(
        self,
        db: Db,
        scope: Scope,
        facts: Facts,
        audience: Audience | None,
        now: datetime,
        lang: str = DEFAULT,
    ) -> str | None:
        """The line for one moment (see `speak_many`)."""
        return self.speak_many(db, scope, [facts], [audience], now, [lang])[0]

    def speak_many(
        self,
        db: Db,
        scope: Scope,
        moments: Sequence[Facts],
        audiences: Sequence[Audience | None],
        now: datetime,
        langs: Sequence[str] | None = None,
    ) -> list[str | None]:
        """For each moment (in its language: English unless `langs` says), the first
        matching rule, by priority, that may speak and has a message that renders; its
        firing and the message are remembered for the audience (none for None). Two
        queries read the memory the moments need, one upsert per table writes it back.
        A moment whose line cannot be chosen (a message that fails to render) is logged and
        gets None; the others still get theirs."""
        matched = self.rulebook.matching_many(scope, moments)
        categories: set[str] = set()
        cap = self.rulebook.daily_cap
        if cap is not None and scope is Scope.AFTER_LOG:
            categories.update(cap.categories)  # counted even when this rule says none of them
        limited: dict[int, tuple[Rule, ...]] = {}  # the limited rules of each distinct match
        for rules in {id(rules): rules for rules in matched}.values():  # shared when equal
            categories.update(c for rule in rules for c in rule.say)
            limited[id(rules)] = tuple(rule for rule in rules if rule.limited)
        firings = [
            (audience.key, rule.name, rule.once_key(facts))
            for facts, audience, rules in zip(moments, audiences, matched, strict=True)
            if audience is not None
            for rule in limited[id(rules)]
        ]
        present = [a for a in audiences if a is not None]
        memory = Memory.read(db, present, categories, firings)
        lines: list[str | None] = []
        spoken = langs if langs is not None else [DEFAULT] * len(moments)
        for facts, audience, rules, lang in zip(moments, audiences, matched, spoken, strict=True):
            try:
                lines.append(self._say(scope, rules, facts, audience, memory, now, lang))
            except Exception:
                who = audience.key if audience else "an audience"
                log.exception("no %s line for %s: choosing one failed", scope.value, who)
                lines.append(None)
        memory.write(db, now)
        return lines

    def _say(
        self,
        scope: Scope,
        rules: Sequence[Rule],
        facts: Facts,
        audience: Audience | None,
        memory: Memory,
        now: datetime,
        lang: str = DEFAULT,
    ) -> str | None:
        units = UNITS.get(str(facts.get("units")), Units.METRIC)
        day = str(facts.get("today") or now.date().isoformat())
        held = self._held_back(scope, audience, memory, day)
        library = self.libraries.get(supported(lang) or DEFAULT, self.library)
        for rule in rules:
            key = rule.once_key(facts)
            if rule.limited and not rule.may_speak(memory.fired(audience, rule.name, key), now):
                continue
            say = [c for c in rule.say if c not in held]
            if len(say) > 1:
                say = self.rng.sample(say, len(say))  # one, picked at random
            # A fresh line from any of the rule's categories before a stale one from any.
            for stale in (False, True):
                for category in say:
                    messages = library.categories.get(category) or self.library.categories[category]
                    recent = memory.recent(audience, category)
                    chosen = choose(
                        messages, recent, facts, units, self.rng, now, stale=stale, lang=lang
                    )
                    if chosen is None:
                        continue  # nothing in it renders now: another category, or the next rule
                    message, text = chosen
                    log.debug("rule %s says %s message %s", rule.name, category, message.id)
                    firing = (rule.name, key) if rule.limited else None
                    memory.note(audience, category, message.id, now, firing, day)
                    return text
        return None

    def _held_back(
        self, scope: Scope, audience: Audience | None, memory: Memory, day: str
    ) -> frozenset[str]:
        """The generic categories a log may not draw on now: all of them once the person has
        had their day's share. Nudges and digests are never held back."""
        cap = self.rulebook.daily_cap
        if cap is None or scope is not Scope.AFTER_LOG:
            return frozenset()
        if memory.shown_on(audience, cap.categories, day) < cap.per_day:
            return frozenset()
        return cap.categories


# --- loading ----------------------------------------------------------------------------


def _load(
    config_dir: Path, rules_path: Path, messages_path: Path
) -> tuple[Rulebook | None, Library | None, dict[str, Library], list[Problem]]:
    """The rules, the English library and the other languages' (from `config_dir`), with
    every problem found in any of them."""
    library, problems = load_library(messages_path)
    rulebook, rule_problems = load_rulebook(rules_path, library)
    problems += rule_problems
    libraries: dict[str, Library] = {}
    if library is not None:
        libraries, language_problems = load_libraries(config_dir, library)
        problems += language_problems
    return rulebook, library, libraries, problems


def load_voice(
    config_dir: Path, *, glass_ml: float = 250.0, clock: Clock | None = None
) -> SteadyVoice:
    """The voice from the config folder; ConfigError (naming file, rule and problem) if a
    file is broken, so a bad edit stops start-up instead of silencing Steady."""
    rulebook, library, libraries, problems = _load(
        config_dir, config_dir / RULES_FILE, config_dir / MESSAGES_FILE
    )
    if problems or rulebook is None or library is None:
        raise ConfigError(problems)
    return SteadyVoice(rulebook, library, glass_ml=glass_ml, clock=clock, libraries=libraries)


def check_files(config_dir: Path, file: Path | None = None) -> tuple[list[Problem], str]:
    """Problems in the voice files, and a summary when there are none.

    With `file`, that file is checked in place of the configured one of its type (a rules
    file has [[rule]] tables), against the configured other file; a translated library
    (encouragement/<lang>.toml) against the configured English one."""
    rules_path, messages_path = config_dir / RULES_FILE, config_dir / MESSAGES_FILE
    if file is not None:
        data, problems = read_toml(file)
        if data is None:
            return problems, ""
        if translation_of(file) is not None:
            return check_translation(file, messages_path)
        if "rule" in data or "streak_milestones" in data:
            rules_path = file
        else:
            messages_path = file
    rulebook, library, libraries, problems = _load(config_dir, rules_path, messages_path)
    if problems or rulebook is None or library is None:
        return problems, ""
    cap = rulebook.daily_cap
    capped = (
        f" Generic lines ({', '.join(sorted(cap.categories))}): at most {cap.per_day} a day."
        if cap is not None
        else ""
    )
    translated = ", ".join(
        f"{lang} {len(lib)}" for lang, lib in libraries.items() if lang != DEFAULT
    )
    summary = (
        f"{rules_path}: {len(rulebook.rules)} rules; {messages_path}: {len(library)} messages "
        f"in {len(library.categories)} categories; translations: {translated}.{capped} "
        "No problems."
    )
    return [], summary
