"""Plain words ("ran 5k in 28 min", "3 sets of 10 squats at 50kg", "a glass of water") read
into the entry they log, a reading to confirm, or nothing.

Three steps. A lexer turns the message into the parts its words play, by the vocabulary of
the language (bot/reading/vocabulary.py): a figure with its unit, a run word, a date, an
exercise's name; a word of negation, plan, question or someone else's doing ends the
reading at once (nothing is logged). The grammar (plain_words.lark, lark's LALR parser)
groups the parts into phrases, in any order. Then the phrases are added up: one kind, one
figure of each sort, within the same bounds as the commands (parsing.check_*).

A reading is sure when every figure came with its unit and the kind was named, or shown by
the units; a figure without a unit ("did 5 in 30") makes it unsure, and the person is asked.
Anything that does not add up is not a log: no wrong entry is ever the price of a reading.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from importlib import resources

from lark import Lark, Token, Tree
from lark.exceptions import LarkError
from lark.lexer import Lexer

from bot.domain import Kind, NewEntry, RunValue, StrengthValue, Units, WaterValue
from bot.reading import parsing
from bot.reading import units as u
from bot.reading.units import NotAQuantity, quantity
from bot.reading.vocabulary import DROP, REFUSE, Vocabulary, vocabulary
from bot.settings import Limits

LANGUAGES = frozenset({"en", "de", "es", "pt", "ru"})  # each has its words/<language>.toml
MAX_CHARS = 200  # longer messages are not read as logs: people log in a line
MAX_PARTS = 40
MAX_PHRASE = 6  # the most words a vocabulary's phrase may have
MAX_NUMBER_WORDS = 12
PAYLOAD_BYTES = 64  # a button's payload (Telegram's limit)


@dataclass(frozen=True)
class Reading:
    """What a message logs. `command` is the command line that logs the same entry: an
    unsure reading's ✅ button sends it."""

    entry: NewEntry
    sure: bool
    command: str


class _NotALog(Exception):
    """The words say this is not the person's own done activity, or they don't add up."""


class _Clock(float):
    """A time written "1:20": minutes and seconds, or (for a long run) hours and minutes."""

    as_hours: float


@dataclass(frozen=True)
class _Sets:
    sets: int
    reps: int | None
    set_s: float | None
    # "3 de 12" by its link word alone: sets only with an exercise or strength named ("terminé
    # 3 de 12" is three of twelve)
    linked: bool = False


def read(
    text: str,
    *,
    today: date,
    limits: Limits,
    glass_ml: float,
    units: Units = Units.METRIC,
    language: str = "en",
    words: Vocabulary | None = None,
    known_only: bool = False,
) -> Reading | None:
    """The reading of `text`, or None when it is not a log. A sure reading whose figures
    fail the bounds, or that names a day in the future or too long ago, raises ParseError:
    the person meant to log, and hears what was wrong. `words` stands in for the
    language's file (a vocabulary being written). `known_only` reads nothing with a word
    the language does not know (English read for someone who speaks another: "ran 5k
    gestern" must not log "gestern" as the run's note)."""
    if len(text) > MAX_CHARS:
        return None
    vocab = words or vocabulary(language)
    if parsing.is_arithmetic(text):
        # Sums and powers are never worked out; someone logging with one hears why.
        kinds = ("RUN", "WATER", "STRENGTH", "DID")
        found = _WORD.findall(text.lower())
        if any(vocab.phrases.get((w,), ("",))[0] in kinds for w in found):
            parsing.refuse_arithmetic(text, "Try: ran 5k in 28:30, or drank 500ml")
        return None
    if words:
        parsed = _parsed(text, vocab, today, known_only)
    else:
        parsed = _parsed_again(text, language, today, known_only)
    if parsed is None:
        return None
    tree, values = parsed
    try:
        return _Sum(values, today, limits, glass_ml, units, vocab.notes).add_up(tree)
    except _NotALog:
        return None


_Parsed = tuple[Tree[Token], list[object]]


def _parsed(text: str, vocab: Vocabulary, today: date, known_only: bool = False) -> _Parsed | None:
    """The message's phrases, or None when its words are not a log's."""
    try:
        tokens, values = _lex(text, vocab, today)
        if not tokens or len(tokens) > MAX_PARTS:
            return None
        if known_only and any(t.type == "WORD" for t in tokens):
            return None
        return _parser().parse(tokens), values
    except (_NotALog, LarkError):
        return None


@lru_cache(maxsize=1024)
def _parsed_again(text: str, language: str, today: date, known_only: bool) -> _Parsed | None:
    """`_parsed`, remembered: people send the same few phrasings day after day ("drank
    500ml"), and a phrase's reading changes only with the day (its dates). What is kept is
    read only afterwards."""
    return _parsed(text, vocabulary(language), today, known_only)


# ---------------------------------------------------------------- lexer

_STRIP = re.compile("[\u200d\ufe0f\u2640\u2642\U0001f3fb-\U0001f3ff]")
_DECIMAL_COMMA = re.compile(r"(\d),(\d)")
# A figure with its thousands grouped ("1.500", "10 000"): one number, not a decimal.
_THOUSANDS = {
    ".": re.compile(r"(?<![\w.,:])\d{1,3}(?:\.\d{3})+(?![\d.,:])"),
    " ": re.compile(r"(?<![\w.,:])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d.,:x×х])"),
}
_WORD = re.compile(r"[^\W\d_]+")
_RAW = re.compile(
    r"""
    (?P<iso>\d{4}-\d{2}-\d{2})
   |(?P<clock>\d{1,2}:\d{2}(?::\d{2})?)(?![\d:])
   |(?P<prime>\d{1,3})'(?P<prime_s>\d{2})(?:"|'')?
   |(?P<sets>\d{1,4})[x×*](?P<reps>\d{1,5}(?:\.\d{1,3})?)(?P<rep_unit>[^\W\d_]+)?
   |(?P<hm>\d{1,2})h(?P<hm_m>\d{1,2})(?:m|min)?(?![\w.])
   |(?P<ms>\d{1,3})m(?P<ms_s>\d{1,2})s(?![\w.])
   |(?P<num>\d{1,9}(?:\.\d{1,6})?)(?P<unit>[^\W\d_]+)?
   |(?P<word>[^\W\d_]+(?:['-][^\W\d_]+)*)
   |(?P<sym>[^\s\w])
    """,
    re.VERBOSE,
)
_KIND = {"length": "DIST", "time": "DUR", "mass": "WEIGHT", "volume": "VOL"}
_Raw = list[re.Match[str]]
_Emit = Callable[[str, object], None]
_Texts = list[str | None]


def _lex(text: str, v: Vocabulary, today: date) -> tuple[list[Token], list[object]]:
    low = _STRIP.sub("", text.lower().replace("’", "'").replace("‘", "'"))
    low = re.sub(r"(\d)\s*[x×х]\s*(\d)", r"\1x\2", low)  # х: Cyrillic
    if v.thousands:
        low = _THOUSANDS[v.thousands].sub(lambda m: re.sub(r"\D", "", m[0]), low)
    low = _DECIMAL_COMMA.sub(r"\1.\2", low)
    for phrase, meant in v.rewrites:
        low = phrase.sub(meant, low)
    number_words = sum(w in v.number_words for w in _WORD.findall(low))
    if number_words > MAX_NUMBER_WORDS:
        raise _NotALog  # text2num's work grows fast with them; a log has a few
    if number_words:
        low = _number_words(v.language)(low)
    raw = [m for m in _RAW.finditer(low)]
    tokens: list[Token] = []
    values: list[object] = []

    def emit(part: str, value: object) -> None:
        """A token whose text is the index of its value (a lark token's text is a str)."""
        if len(tokens) >= MAX_PARTS or (part == "DATE" and any(t.type == "DATE" for t in tokens)):
            raise _NotALog  # a second day (or far too many parts) is no one log: stop reading
        values.append(value)
        tokens.append(Token(part, str(len(values) - 1), start_pos=len(tokens)))

    # Each piece's text when it is a word or a sign, else None; padded for looking ahead.
    texts: _Texts = [m[0] if m["word"] or m["sym"] else None for m in raw]
    texts += [None] * (MAX_PHRASE + 2)
    if texts[0] in v.question_start or f"{texts[0]} {texts[1]}" in v.question_start:
        raise _NotALog

    i = 0
    while i < len(raw):
        m = raw[i]
        if m["iso"]:
            try:
                emit("DATE", date.fromisoformat(m["iso"]))
            except ValueError:
                raise _NotALog from None
            i += 1
        elif m["clock"] or m["prime"] or m["ms"]:
            if m["clock"]:
                seconds = _clock_seconds(m["clock"])
            else:
                minutes, rest = (m["prime"], m["prime_s"]) if m["prime"] else (m["ms"], m["ms_s"])
                if int(rest) >= 60:
                    raise _NotALog
                seconds = int(minutes) * 60 + int(rest)
            emit("DUR", seconds)
            i += 1
            if (unit := texts[i]) is not None and v.units.get(unit, ("",))[0] == "time":
                i += 1  # "25:30 min": the unit says again what the clock said
        elif m["sets"]:
            unit = texts[i + 1] if not m["rep_unit"] else None
            if unit is not None and v.units.get(unit, ("",))[0] == "time":
                sets = _Sets(int(m["sets"]), None, _quantity(m["reps"], v.units[unit][1], "time"))
                emit("SETS", sets)  # "3x45 sec"
                i += 2
            else:
                emit("SETS", _sets(m, v))
                i += 1
        elif m["hm"]:
            emit("DUR", int(m["hm"]) * 3600 + int(m["hm_m"]) * 60)
            i += 1
        elif m["num"]:
            i = _number(raw, i, v, today, emit, texts)
        else:
            i = _words(raw, i, v, today, emit, texts)
    return tokens, values


@cache
def _number_words(language: str) -> Callable[[str], str]:
    """What writes a language's number words as figures: text2num, or for Russian, which
    it lacks, a reader of our own. Imported only when a number is written as words."""
    if language == "ru":
        from bot.reading.russian_numbers import digits

        return digits
    from text_to_num import alpha2digit

    # "ein", "una", "um" are "a" as often as "one": alone they stay words (an article
    # counts one all the same), so "una media maratón" stays a half marathon
    alone = 0 if language == "en" else 2
    return lambda text: str(alpha2digit(text, language, threshold=alone))


def _clock_seconds(text: str) -> float:
    parts = [int(p) for p in text.split(":")]
    if any(p >= 60 for p in parts[1:]):
        raise _NotALog
    if len(parts) == 3:
        return parts[0] * 3600 + parts[1] * 60 + parts[2]
    clock = _Clock(parts[0] * 60 + parts[1])
    clock.as_hours = parts[0] * 3600 + parts[1] * 60
    return clock


def _sets(m: re.Match[str], v: Vocabulary) -> _Sets:
    sets, reps, unit = int(m["sets"]), m["reps"], m["rep_unit"]
    if unit is None:
        if "." in reps:
            raise _NotALog
        return _Sets(sets, int(reps), None)
    dimension, name = v.units.get(unit) or v.attached_units.get(unit, ("", ""))
    if dimension != "time":
        raise _NotALog
    return _Sets(sets, None, _quantity(reps, name, "time"))


def _quantity(number: str, pint_name: str, dimension: str) -> float:
    try:
        return quantity(f"{number}{pint_name}", dimension)
    except NotAQuantity:
        raise _NotALog from None


def _number(raw: _Raw, i: int, v: Vocabulary, today: date, emit: _Emit, texts: _Texts) -> int:
    m = raw[i]
    number = m["num"]
    unit = m["unit"]
    if unit is not None:
        if unit in v.units or unit in v.attached_units:
            dimension, name = v.units.get(unit) or v.attached_units[unit]
            emit(_KIND[dimension], _quantity(number, name, dimension))
            return i + 1
        if (found := v.phrases.get((unit,))) and found[0] == "CONTAINER":
            emit("NUM", float(number))
            emit("CONTAINER", found[1])
            return i + 1
        raise _NotALog  # "2nd", "5kmh": not a figure we know
    nxt, after = texts[i + 1], texts[i + 2]
    if nxt in v.sets_link and i + 2 < len(raw) and raw[i + 2]["num"]:
        return _linked_sets(raw, i, v, emit, texts)
    if nxt in v.day_units and after in v.ago:
        days = float(number) * v.day_units[nxt]
        if days > 10_000:  # beyond any bound on days back; and date arithmetic overflows
            raise _NotALog
        emit("DATE", today - timedelta(days=days))
        return i + 3
    if nxt in v.months:
        emit("DATE", _date_phrase(f"{number} {nxt}", v.date_language, today))
        return i + 2
    pair = f"{nxt} {after}" if nxt and after else None
    for unit_words, step in ((pair, 3), (nxt, 2)):
        if unit_words and unit_words in v.units:
            dimension, name = v.units[unit_words]
            emit(_KIND[dimension], _quantity(number, name, dimension))
            return i + step
    emit("NUM", float(number))
    return i + 1


def _linked_sets(raw: _Raw, i: int, v: Vocabulary, emit: _Emit, texts: _Texts) -> int:
    """ "3 по 12", "3 à 60 Sekunden": sets of reps, or of a time each. Any other unit ("2 по
    5 км") is two things done, not one entry: nothing is read."""
    sets, second = raw[i]["num"], raw[i + 2]
    if "." in sets:
        raise _NotALog
    unit, step = second["unit"], 3
    if unit is None and texts[i + 3] in v.units:
        unit, step = texts[i + 3], 4
    if unit is None:
        if "." in second["num"]:
            raise _NotALog
        emit("SETS", _Sets(int(sets), int(second["num"]), None, linked=True))
        return i + step
    dimension, name = v.units.get(unit) or v.attached_units.get(unit, ("", ""))
    if dimension != "time":
        raise _NotALog
    emit("SETS", _Sets(int(sets), None, _quantity(second["num"], name, "time"), linked=True))
    return i + step


def _words(raw: _Raw, i: int, v: Vocabulary, today: date, emit: _Emit, texts: _Texts) -> int:
    first, nxt, after = texts[i], texts[i + 1], texts[i + 2]
    assert first is not None
    # Dates dateparser reads: "last friday", "on monday", "friday", "nov 20", "a week ago"
    if first in v.ago_before and after in v.day_units and raw[i + 1]["num"]:
        if raw[i + 1]["unit"]:
            raise _NotALog
        days = float(raw[i + 1]["num"]) * v.day_units[str(after)]
        if days > 10_000:
            raise _NotALog
        emit("DATE", today - timedelta(days=days))  # "vor 2 Tagen"
        return i + 3
    weekday = nxt in v.weekdays or nxt in v.led_weekdays
    if first in v.date_lead and (weekday or nxt in v.months):
        span = 2
        if nxt in v.months and i + 2 < len(raw) and raw[i + 2]["num"]:
            span = 3
        phrase = " ".join(raw[k][0] for k in range(i, i + span))
        try:
            emit("DATE", _date_phrase(phrase, v.date_language, today))
        except _NotALog:
            if not weekday or span != 2:
                raise
            # dateparser knows "last friday" but not "letzten Freitag": the weekday alone
            # is the last such day all the same
            emit("DATE", _date_phrase(nxt, v.date_language, today))
        return i + span
    if first in v.weekdays:
        emit("DATE", _date_phrase(first, v.date_language, today))
        return i + 1
    if first in v.months:
        if i + 1 < len(raw) and raw[i + 1]["num"] and not raw[i + 1]["unit"]:
            phrase = f"{first} {raw[i + 1][0]}"
            emit("DATE", _date_phrase(phrase, v.date_language, today))
            return i + 2
        raise _NotALog  # "in november": a span, not a day
    if nxt in v.day_units and after in v.ago and v.phrases.get((first,), ("",))[0] == "ART":
        emit("DATE", today - timedelta(days=v.day_units[nxt]))
        return i + 3
    for n in range(min(v.starts.get(first, 0), MAX_PHRASE), 0, -1):
        key = (first,) if n == 1 else tuple(texts[i : i + n])
        found = v.phrases.get(key)  # type: ignore[arg-type]  # a None in it finds nothing
        if found is None:
            continue
        part, value = found
        if part == REFUSE:
            raise _NotALog
        if part == "AT" and _count_of_exercise(raw, i + n, v, texts):
            emit("NUM", float(raw[i + n]["num"]))  # "3 Sätze mit 12 Ausfallschritten"
            emit("REPWORD", None)
            return i + n + 1
        if part == "DATE":
            assert isinstance(value, int)
            emit("DATE", today - timedelta(days=value))
        elif part == "EXERCISE":
            emit(part, value or " ".join(str(w) for w in key))
        elif part != DROP:
            emit(part, value)
        return i + n
    if raw[i]["word"] and len(first) > 1:
        emit("WORD", first)
    return i + 1  # an unknown sign, emoji or lone letter (":D") changes nothing


def _count_of_exercise(raw: _Raw, i: int, v: Vocabulary, texts: _Texts) -> bool:
    """Whether a bare figure at `i` counts the exercise named right after it."""
    if i + 1 >= len(raw) or not raw[i]["num"] or raw[i]["unit"]:
        return False
    following = texts[i + 1]
    return following is not None and v.phrases.get((following,), ("",))[0] == "EXERCISE"


@lru_cache(maxsize=512)
def _date_phrase(phrase: str, language: str, today: date) -> date:
    """dateparser, with its language fixed (detection costs 50 ms and 43 MB), for the
    phrases that need it; the day before today when a weekday is today's own."""
    import dateparser

    base = datetime(today.year, today.month, today.day, 12)
    try:
        found = dateparser.parse(
            phrase,
            languages=[language],
            settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"},
        )
    except (ValueError, OverflowError):  # "99999999 nov"
        raise _NotALog from None
    if found is None:
        raise _NotALog
    day: date = found.date()
    return day


# ---------------------------------------------------------------- grammar


class _Handed(Lexer):
    """The tokens are made before parsing (they carry values the grammar needs not see)."""

    def __init__(self, conf: object) -> None:  # lark's custom-lexer protocol
        del conf

    def lex(self, data: list[Token]) -> list[Token]:  # type: ignore[override]
        return data


@cache
def _parser() -> Lark:
    grammar = resources.files("bot.reading").joinpath("plain_words.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", lexer=_Handed)


# ---------------------------------------------------------------- adding up


@dataclass
class _Sum:
    """What a message's phrases add up to: each phrase's method notes what it holds, then
    `_reading` asks for one kind and one figure of each sort, or gives up."""

    values: list[object]
    today: date
    limits: Limits
    glass_ml: float
    units: Units
    notes: bool = True  # words we don't know after a run may be its note
    kinds: set[Kind] = field(default_factory=set)
    first_kind_at: int | None = None
    distances: list[float] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)
    loose_minutes: list[float] = field(default_factory=list)
    sets: list[_Sets] = field(default_factory=list)
    reps: list[int] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    loose_weights: list[float] = field(default_factory=list)
    volumes: list[float] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)
    exercises: list[tuple[int, str, bool]] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    strength_word = False
    clock_as_hours: float | None = None  # "1:20" read as 1 h 20 min
    said_in = False  # a time said as how long it took ("in 1 min"), not each set's
    run_word = False  # a run named by a word ("ran", "jog", "marathon"), not only a figure
    did = False
    plus = False

    def value(self, token: Token) -> object:
        return self.values[int(token)]

    def num(self, token: Token) -> float:
        value = self.value(token)
        assert isinstance(value, int | float)
        return float(value)

    def saw(self, kind: Kind, at: int) -> None:
        self.kinds.add(kind)
        if self.first_kind_at is None:
            self.first_kind_at = at

    def add_up(self, tree: Tree[Token]) -> Reading | None:
        for at, part in enumerate(tree.children):
            assert isinstance(part, Tree)
            getattr(self, f"_{part.data}")(part.children, at)
        return self._reading()

    # One method per phrase of the grammar.

    def _run(self, tokens: list[Token], at: int) -> None:
        self.run_word = True
        self.saw(Kind.RUN, at)

    def _water(self, tokens: list[Token], at: int) -> None:
        self.saw(Kind.WATER, at)

    def _strength(self, tokens: list[Token], at: int) -> None:
        self.strength_word = True
        self.saw(Kind.STRENGTH, at)

    def _did(self, tokens: list[Token], at: int) -> None:
        self.did = True

    def _distance(self, tokens: list[Token], at: int) -> None:
        self.run_word = self.run_word or any(t.type in ("RACE", "RUN") for t in tokens)
        self.saw(Kind.RUN, at)
        self.distances += [self.num(t) for t in tokens if t.type in ("DIST", "RACE")]

    def _duration(self, tokens: list[Token], at: int) -> None:
        self.said_in = self.said_in or tokens[0].type == "IN"
        times = [self.value(t) for t in tokens if t.type == "DUR"]
        if len(times) == 1 and isinstance(times[0], _Clock):
            self.clock_as_hours = times[0].as_hours
        self.durations.append(sum(self.num(t) for t in tokens if t.type == "DUR"))

    def _time_amount(self, tokens: list[Token], at: int) -> None:
        self.said_in = self.said_in or tokens[0].type == "IN"
        count = self._count(tokens)
        unit = next(t for t in tokens if t.type == "TUNIT")
        self.durations.append(count * _quantity("1", str(self.value(unit)), "time"))

    def _in_number(self, tokens: list[Token], at: int) -> None:
        self.loose_minutes.append(self.num(tokens[-1]))

    def _sets(self, tokens: list[Token], at: int) -> None:
        self.saw(Kind.STRENGTH, at)
        if tokens[0].type == "SETS":
            found = self.value(tokens[0])
            assert isinstance(found, _Sets)
            self.sets.append(found)
            return
        numbers = [self.num(t) for t in tokens if t.type == "NUM"]
        reps = _whole(numbers[1]) if len(numbers) > 1 else None
        self.sets.append(_Sets(_whole(numbers[0]), reps, None))

    def _reps(self, tokens: list[Token], at: int) -> None:
        self.saw(Kind.STRENGTH, at)
        self.reps.append(_whole(self.num(tokens[0])))

    def _weight(self, tokens: list[Token], at: int) -> None:
        self.saw(Kind.STRENGTH, at)
        self.weights.append(self.num(tokens[-1]))

    def _at_number(self, tokens: list[Token], at: int) -> None:
        self.saw(Kind.STRENGTH, at)
        self.loose_weights.append(self.num(tokens[-1]))

    def _volume(self, tokens: list[Token], at: int) -> None:
        self.saw(Kind.WATER, at)
        self.volumes.append(self.num(next(t for t in tokens if t.type == "VOL")))

    def _drinks(self, tokens: list[Token], at: int) -> None:
        self.saw(Kind.WATER, at)
        vessel = tokens[-1]
        if vessel.type == "CONTAINER":
            each = self.value(vessel)
            ml = self.glass_ml if each is None else float(each)  # type: ignore[arg-type]
        else:
            ml = _quantity("1", str(self.value(vessel)), "volume")
        self.volumes.append(self._count(tokens) * ml)

    def _number(self, tokens: list[Token], at: int) -> None:
        self.plus = self.plus or tokens[0].type == "PLUS"
        self.numbers.append(self.num(tokens[-1]))

    def _exercise(self, tokens: list[Token], at: int) -> None:
        words = [str(self.value(t)) for t in tokens]
        known = any(t.type == "EXERCISE" for t in tokens)
        self.exercises.append((at, " ".join(words), known))

    def _date(self, tokens: list[Token], at: int) -> None:
        found = self.value(tokens[0])
        assert isinstance(found, date)
        self.dates.append(found)

    def _article(self, tokens: list[Token], at: int) -> None:
        pass

    _half = _in_alone = _article

    def _count(self, tokens: list[Token]) -> float:
        types = [t.type for t in tokens]
        if "NUM" in types:
            return self.num(tokens[types.index("NUM")])
        return 0.5 if "HALF" in types else 1.0

    # What the phrases add up to.

    def _reading(self) -> Reading | None:
        if len(self.dates) > 1:
            return None
        on_date = self.dates[0] if self.dates else None
        kinds = set(self.kinds)
        if len(kinds) > 1:
            return None
        if not kinds:
            if self.exercises:
                kinds = {Kind.STRENGTH}
            elif len(self.numbers) == 1 and (self.loose_minutes or self.durations):
                return self._run_reading(on_date, sure=False)  # "did 5 in 30"
            elif len(self.numbers) == 1 and self.plus:
                return self._water_reading(on_date)  # "+500", as the water buttons say
            else:
                return None
        kind = kinds.pop()
        if kind is Kind.RUN:
            return self._run_reading(on_date, sure=True)
        if kind is Kind.WATER:
            return self._water_reading(on_date)
        return self._strength_reading(on_date)

    def _run_reading(self, on_date: date | None, *, sure: bool) -> Reading | None:
        if any(abs(d - self.distances[0]) > 1 for d in self.distances):
            return None  # two runs; but "parkrun 5k" names one distance twice
        if len(self.durations) + len(self.loose_minutes) > 1:
            return None
        numbers = list(self.numbers)
        if self.distances:
            distance_m = self.distances[0]
        elif numbers:
            distance_m = numbers.pop(0) * _unit_of(self.units, "length")
            sure = False
        else:
            return None
        duration_s: float | None = self.durations[0] if self.durations else None
        if self.loose_minutes:
            duration_s, sure = self.loose_minutes[0] * 60, False
        elif numbers and duration_s is None:
            duration_s, sure = numbers.pop(0) * 60, False
        if numbers:
            return None
        note_words = []
        for at, words, _known in self.exercises:
            if self.first_kind_at is None or at < self.first_kind_at or not self.run_word:
                return None  # "sarah ran 10k": someone else; "5k followers": not a run
            note_words.append(words)
        note = " ".join(note_words) or None
        if note and not self.notes:
            return None  # "Gestern lief Anna 10 km": the name after the verb is whose run
        if note and not sure:
            return None  # "ran 3 laps": a figure without its unit, and words we don't know
        example = "Try: ran 5k in 28:30, or /run 5k 28:30"
        if sure and duration_s is not None and self.clock_as_hours is not None:
            try:
                parsing.check_run(distance_m, duration_s, self.limits, example)
            except parsing.ParseError:  # "10 miles in 1:20": an hour and twenty minutes?
                duration_s, sure = self.clock_as_hours, False
        value = RunValue(distance_m, duration_s)
        line = f"/run {_figure(distance_m / 1000)}km"
        if duration_s is not None:
            line += f" {u.clock(duration_s)}"
        if note:
            line += f" {note}"
        return self._checked(
            NewEntry(Kind.RUN, value, note, on_date),
            sure,
            line,
            lambda: parsing.check_run(distance_m, duration_s, self.limits, example),
        )

    def _water_reading(self, on_date: date | None) -> Reading | None:
        if self.exercises or self.durations or self.loose_minutes or len(self.volumes) > 1:
            return None
        sure = True
        if self.volumes and not self.numbers:
            volume_ml = self.volumes[0]
        elif len(self.numbers) == 1 and not self.volumes:
            per = _unit_of(self.units, "volume")
            volume_ml, sure = self.numbers[0] * per, False
        else:
            return None
        example = "Try: drank 500ml, or /water 500ml"
        return self._checked(
            NewEntry(Kind.WATER, WaterValue(volume_ml), None, on_date),
            sure,
            f"/water {_figure(volume_ml)}ml",
            lambda: parsing.check_water(volume_ml, self.limits, example),
        )

    def _strength_reading(self, on_date: date | None) -> Reading | None:
        if len(self.exercises) > 1 or len(self.sets) > 1 or len(self.reps) > 1:
            return None
        if len(self.weights) + len(self.loose_weights) > 1 or len(self.durations) > 1:
            return None
        if self.loose_minutes or self.plus:
            return None
        exercise, known = (
            (self.exercises[0][1], self.exercises[0][2]) if self.exercises else (None, False)
        )
        sure = True
        numbers = list(self.numbers)
        sets = self.sets[0] if self.sets else None
        if sets is not None and sets.linked and not (exercise or self.strength_word):
            return None
        if self.reps:
            if sets is None:
                sets = _Sets(1, self.reps[0], None)
            elif sets.reps is None and sets.set_s is None:
                sets = _Sets(sets.sets, self.reps[0], None)
            else:
                return None
        if sets is None and numbers and exercise:
            if self.durations and not self.said_in:
                return None  # "plank 3 60 sec": 3 sets of a minute, or 3 in a minute?
            sets = _Sets(1, _whole(numbers.pop(0)), None)  # "20 pushups"
            if not known:
                if not (self.strength_word or self.did):
                    return None
                sure = False  # "lifted 20 boxes": a count of something we don't know
        weight = self.weights[0] if self.weights else None
        if self.loose_weights or (numbers and sets is not None and weight is None):
            loose = self.loose_weights[0] if self.loose_weights else numbers.pop(0)
            weight = loose * _unit_of(self.units, "mass")
            sure = False
        if numbers:
            return None
        duration = self.durations[0] if self.durations else None
        if sets is None and duration is None:
            return None  # a name ("walked the dog") or a weight ("lost 2kg") is not a log
        if duration is not None and sets is None and not (known or self.strength_word):
            return None  # "30 min yoga": not strength work we can be sure of
        if sets is not None and sets.reps is None and sets.set_s is None:
            if duration is None:
                return None
            sets, duration = _Sets(sets.sets, None, duration), None  # "3 sets of plank 60 sec"
        value = StrengthValue(
            exercise,
            sets.sets if sets else None,
            sets.reps if sets else None,
            weight,
            duration,
            sets.set_s if sets else None,
        )
        example = "Try: 3x10 squats 40kg, or /strength squats 3x10 40kg"
        return self._checked(
            NewEntry(Kind.STRENGTH, value, None, on_date),
            sure,
            _strength_line(value),
            lambda: parsing.check_strength(value, self.limits, example),
        )

    def _checked(
        self, entry: NewEntry, sure: bool, line: str, check: Callable[[], None]
    ) -> Reading | None:
        """The bounds: a sure reading that fails them is refused with the reason; an unsure
        one is never offered. So is a date in the future or too long ago."""
        try:
            check()
            if entry.on_date is not None:
                _check_date(entry.on_date, self.today, self.limits)
        except parsing.ParseError:
            if sure:
                raise
            return None
        if entry.on_date is not None:
            line += f" {entry.on_date.isoformat()}"
        if len(line.encode()) > PAYLOAD_BYTES and not sure:
            return None
        return Reading(entry, sure, line)


# A figure without its unit is taken in the person's units: km or miles, ml or fl oz, kg or lb.
_BARE_UNITS = {
    Units.METRIC: {"length": "km", "volume": "ml", "mass": "kg"},
    Units.IMPERIAL: {"length": "mile", "volume": "fluid_ounce", "mass": "lb"},
}


@cache
def _unit_of(units: Units, dimension: str) -> float:
    return quantity(f"1{_BARE_UNITS[units][dimension]}", dimension)


def _check_date(on: date, today: date, limits: Limits) -> None:
    if on > today:
        raise parsing.ParseError(
            "That day hasn't come yet: log it once it's done. Try: ran 5k yesterday"
        )
    if (today - on).days > limits.max_days_back:
        raise parsing.ParseError(f"That is more than {limits.max_days_back} days ago.")


def _strength_line(value: StrengthValue) -> str:
    words = ["/strength"]
    if value.exercise:
        words.append(value.exercise)
    if value.sets is not None and value.set_s is not None:
        words.append(f"{value.sets}x{_figure(value.set_s)}s")
    elif value.sets is not None:
        words.append(f"{value.sets}x{value.reps}")
    if value.weight_kg is not None:
        words.append(f"{_figure(value.weight_kg)}kg")
    if value.duration_s is not None:
        words.append(f"{u.clock(value.duration_s)}")
    return " ".join(words)


def _figure(x: float) -> str:
    """A figure for a command line: up to three decimals, no trailing zeros."""
    return f"{x:.3f}".rstrip("0").rstrip(".")


def _whole(x: float) -> int:
    if x != int(x) or not math.isfinite(x):
        raise _NotALog
    return int(x)
