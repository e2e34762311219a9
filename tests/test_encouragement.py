"""The message library: its size and voice, every message rendered, no-repeat choice."""

import random
import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import Units
from bot.voice import facts
from bot.voice.encouragement import NO_REPEAT, Message, choose, message_id, remember
from bot.voice.facts import Scope
from bot.voice.rules import load_rulebook
from tests.voice_lines import CONFIG, shipped_library

REQUIRED_CATEGORIES = {
    "welcome",
    "comeback",
    "streak_milestone",
    "record",
    "goal_reached",
    "consistency",
    "patience",
    "results_vary",
    "strength_pairing",
    "hydration",
    "food",
    "rest_day",
    "progress_not_perfection",
    "group_cheer",
}

# No promises about bodies or health, no body talk, no guilt. Whole words or phrases.
FORBIDDEN = [
    "weight loss",
    "lose weight",
    "losing weight",
    "slim down",
    "fat",
    "burn",
    "calorie",
    "calories",
    "cellulite",
    "skinny",
    "slim",
    "thin",
    "toned",
    "bikini",
    "flab",
    "flabby",
    "ugly",
    "diet",
    "detox",
    "toxins",
    "cure",
    "cures",
    "heal",
    "disease",
    "guarantee",
    "guaranteed",
    "medical",
    "doctor",
    "lazy",
    "guilt",
    "guilty",
    "shame",
    "ashamed",
    "excuse",
    "excuses",
    "should have",
    "failed",
    "failure",
    "disappoint",
    "disappointing",
    "pathetic",
    "no pain",
    "finally",
    "you missed",
    "slacking",
    "falling behind",
    "beach body",
    "perfect body",
]


def forbidden_in(text: str) -> list[str]:
    return [w for w in FORBIDDEN if re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE)]


def test_the_library_is_big_and_varied_enough():
    library = shipped_library()
    assert len(library) >= 80
    assert len(library.categories) >= 12
    assert set(library.categories) >= REQUIRED_CATEGORIES
    assert all(len(messages) >= 6 for messages in library.categories.values())


def test_the_forbidden_words_check_catches_what_it_should():
    assert forbidden_in("Burn fat fast, no excuses!") == ["fat", "burn", "excuses"]
    assert forbidden_in("Something thinner than nothing") == []  # whole words only


def test_no_message_holds_a_forbidden_word_or_phrase():
    offenders = {m.text: forbidden_in(m.text) for m in shipped_library().messages()}
    assert {text: words for text, words in offenders.items() if words} == {}


def test_strength_pairing_always_names_squats_or_lunges():
    for message in shipped_library().categories["strength_pairing"]:
        assert "squat" in message.text.lower() or "lunge" in message.text.lower()


# --- rendering ----------------------------------------------------------------------------

METRIC = re.compile(r"\d (km|ml|kg|l)\b|/km")
IMPERIAL = re.compile(r"\d (mi|fl oz|lb)\b|/mi")
IN_UNITS = {
    "distance",
    "water",
    "weight",
    "today_distance",
    "week_distance",
    "today_water",
    "week_water",
    "record",
    "previous_record",
    "goal",
    "water_goal",
    "water_to_go",
    "glass",
}


def scopes_saying() -> dict[str, set[Scope]]:
    book, problems = load_rulebook(CONFIG / "rules.toml", shipped_library())
    assert book is not None, problems
    found: dict[str, set[Scope]] = {}
    for rule in book.rules:
        for category in rule.say:
            found.setdefault(category, set()).add(rule.scope)
    return found


def showcase(scope: Scope, message: Message, record: str) -> dict[str, object]:
    """Sample facts in which every placeholder of `message` has a value."""
    sample = facts.sample(scope)
    if scope is Scope.DIGEST:
        return sample
    sample |= {"has_goal": True, "water_goal_ml": 2000.0, "today_water_ml": 500.0}
    if scope is Scope.AFTER_LOG:
        kind = "water" if "water" in message.fields else "run"
        amount = 500.0 if kind == "water" else 10.0
        sample |= {"kind": kind, "amount": amount, "new_record": record}
        sample |= {"record_value": {"fastest_5k": 300.0}.get(record, 12.0), "record_before": 10.0}
    return sample


def renderings():
    library, scopes = shipped_library(), scopes_saying()
    for message in library.messages():
        records = (
            ("longest_run", "fastest_5k", "heaviest_lift")
            if message.category == "record"
            else ("",)
        )
        for scope in scopes[message.category]:
            for record in records:
                yield pytest.param(
                    message, scope, record, id=f"{message.category}-{message.id}-{scope}-{record}"
                )


@pytest.mark.parametrize(("message", "scope", "record"), list(renderings()))
def test_every_message_renders_with_sample_facts_in_both_unit_systems(message, scope, record):
    f = showcase(scope, message, record)
    metric = message.render({**f, "units": "metric"}, Units.METRIC)
    imperial = message.render({**f, "units": "imperial"}, Units.IMPERIAL)
    for text, wrong in ((metric, IMPERIAL), (imperial, METRIC)):
        assert text is not None
        assert not any(mark in text for mark in ("{", "}", "None")), text
        assert not wrong.search(text), text
    if set(message.fields) & IN_UNITS:
        assert METRIC.search(metric) and IMPERIAL.search(imperial)


def test_figures_follow_the_persons_units():
    [message] = [m for m in shipped_library().messages() if "{previous_record}" in m.text][:1]
    f = showcase(Scope.AFTER_LOG, message, "longest_run")
    assert "12.00 km" in message.render(f, Units.METRIC)
    assert "7.46 mi" in message.render(f, Units.IMPERIAL)


def test_names_cannot_break_the_italic_line():
    message = Message(message_id("Hi {name}!"), "c", "Hi {name}!", ("name",))
    f = {**facts.sample(Scope.AFTER_LOG), "name": "*ana_b*"}
    assert message.render(f, Units.METRIC) == "Hi ana b!"


# --- choosing without repeats --------------------------------------------------------------


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def library_of(n: int, text: str = "Line {i}.") -> list[Message]:
    return [Message(message_id(text.format(i=i)), "c", text.format(i=i), ()) for i in range(n)]


@pytest.mark.parametrize("size", [12, 30])
def test_none_of_the_last_ten_comes_back_in_a_big_category(size):
    messages, rng, recent, shown = library_of(size), random.Random(7), [], []
    for day in range(300):  # one a day: the last ten reach back further than a week
        now = NOW + timedelta(days=day)
        message, _ = choose(messages, recent, {}, Units.METRIC, rng, now)
        assert message.id not in shown[-NO_REPEAT:]
        shown.append(message.id)
        recent = remember(recent, message.id, now, "")
    assert len(set(shown)) == size


@pytest.mark.parametrize("size", [2, 3, 5])
def test_a_small_category_never_repeats_twice_in_a_row(size):
    messages, rng, recent, last = library_of(size), random.Random(1), [], None
    for hour in range(100):
        now = NOW + timedelta(hours=hour)
        message, _ = choose(messages, recent, {}, Units.METRIC, rng, now)
        assert message.id != last
        last, recent = message.id, remember(recent, message.id, now, "")


def test_a_category_of_one_always_says_it():
    [only] = library_of(1)
    assert choose([only], [(only.id, 0, "")], {}, Units.METRIC, random.Random(), NOW)[0] == only


def test_when_no_fresh_message_renders_the_least_recently_shown_one_does():
    plain = library_of(3)
    needs_record = Message(message_id("Best: {record}"), "c", "Best: {record}", ("record",))
    messages = [needs_record, *plain]
    recent = [(plain[2].id, 0, ""), (plain[0].id, 1, ""), (plain[1].id, 2, "")]
    f = {**facts.sample(Scope.AFTER_LOG), "new_record": ""}
    assert choose(messages, recent, f, Units.METRIC, random.Random(), NOW)[0] == plain[2]
    assert choose([needs_record], [], f, Units.METRIC, random.Random(), NOW) is None


def test_no_line_comes_back_within_seven_days_even_past_the_last_ten():
    messages, rng, recent = library_of(25), random.Random(5), []
    shown: list[tuple[datetime, str]] = []
    for n in range(21 * 8):  # three a day for eight weeks
        now = NOW + timedelta(hours=8 * n)
        message, _ = choose(messages, recent, {}, Units.METRIC, rng, now)
        week = [mid for at, mid in shown if now - at < timedelta(days=7)]
        assert message.id not in week
        shown.append((now, message.id))
        recent = remember(recent, message.id, now, now.date().isoformat())
    assert len(recent) <= 8 * 3 + 1  # kept for eight days, not for ever


def test_memory_keeps_the_last_ten_newest_last():
    recent: list[tuple[str, int, str]] = []
    for day, i in enumerate([*range(15), 3]):
        recent = remember(recent, str(i), NOW + timedelta(days=day), "")
    assert [mid for mid, _, _ in recent] == ["6", "7", "8", "9", "10", "11", "12", "13", "14", "3"]
