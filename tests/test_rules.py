"""The shipped rules against facts, and every way a rules or message file can be broken."""

from pathlib import Path

import pytest

from bot.cli import main
from bot.services import build_services
from bot.settings import Settings
from bot.voice import facts
from bot.voice.checks import ConfigError
from bot.voice.facts import Scope
from bot.voice.rules import load_rulebook
from tests.voice_lines import CONFIG, shipped_library


@pytest.fixture(scope="module")
def rulebook():
    book, problems = load_rulebook(CONFIG / "rules.toml", shipped_library())
    assert book is not None, problems
    return book


# An ordinary log: water at noon, mid-week, nothing special about it.
ORDINARY_LOG = {
    **facts.sample(Scope.AFTER_LOG),
    "kind": "water",
    "amount": 250.0,
    "hour": 12,
    "first_entry": False,
    "quiet_days": 0,
    "streak": 2,
    "streak_before": 2,
    "streak_milestone": 0,
    "new_record": "",
    "has_goal": False,
    "goal_percent": 0.0,
    "water_goal_ml": 0.0,
    "week_count": 4,
    "week_run_count": 1,
    "week_strength_count": 0,
}
ORDINARY_NUDGE = {**facts.sample(Scope.NUDGE), "kind": "run", "quiet_days": 0, "hour": 9}
ORDINARY_NUDGE |= {"week_run_count": 0, "week_strength_count": 0}

RUN = {"kind": "run", "amount": 5.0}
AFTER_LOG_CASES = [
    ({}, "ordinary-log"),
    ({"first_entry": True}, "welcome"),
    ({"first_entry": True, "quiet_days": 0, "new_record": "longest_run"}, "welcome"),
    ({"quiet_days": 4}, "comeback"),
    ({"quiet_days": 30, "streak_milestone": 3}, "comeback"),
    ({"quiet_days": 3}, "ordinary-log"),
    ({"streak_milestone": 3}, "streak-milestone"),
    ({"streak_milestone": 100}, "streak-milestone"),
    ({"new_record": "longest_run"}, "personal-record"),
    ({"new_record": "fastest_5k", "streak_milestone": 7}, "personal-record"),
    ({"new_record": "heaviest_lift", "kind": "strength"}, "personal-record"),
    ({**RUN, "week_run_count": 3, "week_strength_count": 0}, "strength-pairing"),
    ({**RUN, "week_run_count": 5, "week_strength_count": 0}, "strength-pairing"),
    ({**RUN, "week_run_count": 2, "week_strength_count": 0}, "ordinary-log"),
    ({**RUN, "week_run_count": 3, "week_strength_count": 1}, "ordinary-log"),
    ({"kind": "water", "week_run_count": 3, "week_strength_count": 0}, "ordinary-log"),
    ({"hour": 15, "water_goal_ml": 2000.0, "today_water_ml": 999.0}, "hydration"),
    ({"hour": 21, "water_goal_ml": 2000.0, "today_water_ml": 0.0}, "hydration"),
    ({"hour": 14, "water_goal_ml": 2000.0, "today_water_ml": 0.0}, "ordinary-log"),
    ({"hour": 16, "water_goal_ml": 2000.0, "today_water_ml": 1000.0}, "ordinary-log"),
    ({"hour": 16, "water_goal_ml": 0.0, "today_water_ml": 0.0}, "ordinary-log"),
    ({"has_goal": True, "goal_percent": 100.0}, "goal-reached"),
    ({"has_goal": True, "goal_percent": 140.0, "streak_milestone": 14}, "goal-reached"),
    ({"has_goal": True, "goal_percent": 99.9}, "ordinary-log"),
    ({"kind": "run", "amount": 10.0, "backdated": False}, "refuel"),
    ({"kind": "run", "amount": 10.0, "backdated": True}, "ordinary-log"),
    ({"kind": "run", "amount": 9.9}, "ordinary-log"),
    ({"quiet_days": 1}, "back-after-rest"),
    ({"week_count": 1}, "new-week"),
    ({"week_count": 1, "first_entry": True}, "welcome"),
]

NUDGE_CASES = [
    ({}, "nudge-ordinary"),
    ({"quiet_days": 4}, "nudge-open-door"),
    ({"quiet_days": 4, "kind": "water"}, "nudge-open-door"),
    ({"kind": "water"}, "nudge-hydration"),
    ({"kind": "strength"}, "nudge-strength"),
    ({"kind": "run", "week_run_count": 2, "week_strength_count": 0}, "nudge-strength"),
    ({"kind": "run", "week_run_count": 2, "week_strength_count": 1}, "nudge-ordinary"),
    ({"quiet_days": 1}, "nudge-after-rest"),
]


@pytest.mark.parametrize(("changes", "expected"), AFTER_LOG_CASES)
def test_shipped_after_log_rules(rulebook, changes, expected):
    best = rulebook.matching(Scope.AFTER_LOG, {**ORDINARY_LOG, **changes})[0]
    assert best.name == expected


@pytest.mark.parametrize(("changes", "expected"), NUDGE_CASES)
def test_shipped_nudge_rules(rulebook, changes, expected):
    assert rulebook.matching(Scope.NUDGE, {**ORDINARY_NUDGE, **changes})[0].name == expected


def test_a_batch_of_nudges_gets_the_rules_each_would_get_alone(rulebook):
    moments = [{**ORDINARY_NUDGE, **changes} for changes, _ in NUDGE_CASES] * 3
    moments.append({**ORDINARY_NUDGE, "name": "Someone else", "hour": 22})  # facts no rule reads
    batch = rulebook.matching_many(Scope.NUDGE, moments)
    assert [list(rules) for rules in batch] == [rulebook.matching(Scope.NUDGE, m) for m in moments]
    assert batch[-1] is batch[0]  # the same situation for the rules: evaluated once
    assert rulebook.reads[Scope.NUDGE] == (
        "kind",
        "quiet_days",
        "week_run_count",
        "week_strength_count",
    )


def test_shipped_digest_rule(rulebook):
    given = facts.for_digest({"group": "Crew", "members": 3, "unknown_extra": 1})
    assert [r.name for r in rulebook.matching(Scope.DIGEST, given)] == ["group-cheer"]


def test_every_shipped_rule_is_covered_by_a_case(rulebook):
    covered = {name for _, name in AFTER_LOG_CASES + NUDGE_CASES} | {"group-cheer"}
    assert {r.name for r in rulebook.rules} == covered


def test_the_ordinary_log_says_patience_or_consistency(rulebook):
    ordinary = next(r for r in rulebook.rules if r.name == "ordinary-log")
    assert set(ordinary.say) == {"patience", "consistency"}


# --- broken files -------------------------------------------------------------------------

GOOD_RULE = """
[[rule]]
name = "ordinary"
scope = "after_log"
when = "true"
say = "patience"
"""


def rule(**fields: str) -> str:
    """One [[rule]] table; values are TOML literals."""
    base = {"name": '"broken"', "scope": '"after_log"', "when": '"true"', "say": '"patience"'}
    base.update(fields)
    body = "\n".join(f"{k} = {v}" for k, v in base.items() if v is not None)
    return f"[[rule]]\n{body}\n"


RULE_FILE_PROBLEMS = [
    ("[[rule]\nname = 'x'", "bad TOML syntax"),
    (
        rule(when='"streek >= 3"'),
        'rule "broken": unknown fact "streek" in when (did you mean "streak"?)',
    ),
    (rule(when='"streak >= "'), 'rule "broken": bad syntax in when'),
    (
        rule(scope='"nudge"', when='"streak_before > 1"'),
        'fact "streak_before" does not exist in nudge',
    ),
    # nudges come in batches and carry no streak (bot/voice/facts.py says why)
    (rule(scope='"nudge"', when='"streak >= 3"'), 'fact "streak" does not exist in nudge'),
    (
        rule(scope='"nudge"', say='"streak_milestone"'),
        'says "streak_milestone", whose message 1 uses {streak}, which nudge rules don\'t fill',
    ),
    (rule(when='"kind > 3"'), 'rule "broken": when fails on sample facts (TypeError'),
    (rule(when='"kind.upper() == 1"'), 'rule "broken": when uses Attribute'),
    (rule(when="\"__import__('os')\""), 'rule "broken": when may only call'),
    (rule(when='"[x for x in (1, 2)]"'), 'rule "broken": when uses ListComp'),
    (
        rule(say='"patiense"'),
        'rule "broken": unknown category "patiense" (did you mean "patience"?)',
    ),
    (rule(say='["patience", "nope"]'), 'unknown category "nope"'),
    (
        rule(say='"group_cheer"'),
        'says "group_cheer", whose message 1 uses {moved_today}, which after_log',
    ),
    (rule(scope='"daily"'), "scope must be one of after_log, nudge, digest"),
    (rule(when=None), 'rule "broken": needs a condition'),
    (rule(name='"Has Spaces"'), "needs name"),
    (rule(once='"streek"'), 'once must be "ever" or a after_log fact (did you mean "streak"?)'),
    (rule(once='"ever"', cooldown_hours="2"), "a rule speaks once or has a cooldown, not both"),
    (rule(cooldown_hours="-1"), "cooldown_hours must be a number of hours"),
    (rule(priority='"high"'), "priority must be a whole number"),
    (rule(whne='"true"'), 'unknown key "whne" (did you mean "when"?)'),
    (GOOD_RULE + GOOD_RULE, 'rule "ordinary": this name is used twice'),
    ("streak_milestones = [7, 3]\n" + GOOD_RULE, "streak_milestones must be rising whole numbers"),
    ("streak_milestone = [3]\n" + GOOD_RULE, 'unknown top-level key "streak_milestone"'),
    ("", "no rules"),
]


@pytest.mark.parametrize(("text", "problem"), RULE_FILE_PROBLEMS)
def test_a_broken_rules_file_names_file_rule_and_problem(tmp_path, text, problem):
    path = tmp_path / "rules.toml"
    path.write_text(text)
    book, problems = load_rulebook(path, shipped_library())
    assert book is None
    assert any(str(p).startswith(f"{path}: ") and problem in str(p) for p in problems), problems


MESSAGE_FILE_PROBLEMS = [
    ('[patience\nmessages = ["x"]', "bad TOML syntax"),
    (
        '[patience]\nmessages = ["Hi {nmae}"]',
        'message 1: placeholder "{nmae}" is not filled by any fact (did you mean "name"?)',
    ),
    ('[patience]\nmessages = ["Hi {name"]', "message 1: bad braces"),
    ('[patience]\nmessages = ["{streak:>5} days"]', 'placeholder "{streak}" must be a plain name'),
    (
        '[patience]\nmessages = ["{name.upper} hi"]',
        'placeholder "{name.upper}" must be a plain name',
    ),
    ('[patience]\nmessages = ["Keep _going_"]', 'contains "_", which would break markup'),
    (
        '[patience]\nmessages = ["Same line.", "Same line."]',
        'message 2: repeats category "patience", message 1',
    ),
    ("[patience]\nmessages = []", 'category "patience": needs messages'),
    ('[patience]\nmesages = ["x"]', 'unknown key "mesages"'),
    ('[Patience]\nmessages = ["x"]', "name must be lower_case"),
    ("patience = 'x'", "must be a table"),
    (f'[patience]\nmessages = ["{"x" * 300}"]', "keep it to 280"),
]


@pytest.mark.parametrize(("text", "problem"), MESSAGE_FILE_PROBLEMS)
def test_a_broken_message_file_names_file_message_and_problem(tmp_path, text, problem):
    from bot.voice.encouragement import load_library

    path = tmp_path / "encouragement.toml"
    path.write_text(text)
    library, problems = load_library(path)
    assert library is None
    assert any(str(p).startswith(f"{path}: ") and problem in str(p) for p in problems), problems


def broken_config(tmp_path: Path, old: str, new: str, file: str = "rules.toml") -> Path:
    folder = tmp_path / "config"
    folder.mkdir()
    for name in ("rules.toml", "encouragement.toml", "steady.toml"):
        text = (CONFIG / name).read_text()
        (folder / name).write_text(text.replace(old, new) if name == file else text)
    return folder


def test_a_broken_file_stops_start_up_with_the_same_message(tmp_path):
    folder = broken_config(tmp_path, 'when = "quiet_days >= 4"', 'when = "quiet_dayz >= 4"')
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", config_dir=folder)
    with pytest.raises(ConfigError) as raised:
        build_services(settings)
    text = str(raised.value)
    assert f'{folder / "rules.toml"}: rule "comeback": unknown fact "quiet_dayz"' in text
    assert not (tmp_path / "x.db").exists()  # stopped before touching the database


def test_a_message_with_a_placeholder_its_rules_cannot_fill_stops_start_up(tmp_path):
    folder = broken_config(
        tmp_path,
        '"Rested legs run better.',
        '"Rested legs ({record}) run better.',
        "encouragement.toml",
    )
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", config_dir=folder)
    with pytest.raises(ConfigError, match=r'rule "nudge-after-rest": says "rest_day".*\{record\}'):
        build_services(settings)


def test_rules_check_passes_the_shipped_files(capsys, monkeypatch):
    monkeypatch.setenv("STEADY_CONFIG_DIR", str(CONFIG))
    assert main(["rules", "check"]) == 0
    out = capsys.readouterr().out
    assert "17 rules" in out and "No problems" in out


def test_rules_check_names_the_problems_of_a_given_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STEADY_CONFIG_DIR", str(CONFIG))
    path = tmp_path / "mine.toml"
    path.write_text(
        rule(when='"week_run_km > 10 and kind == run"') + rule(name='"two"', say='"cheer"')
    )
    assert main(["rules", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f'{path}: rule "broken": unknown fact "run" in when' in out
    assert f'{path}: rule "two": unknown category "cheer"' in out
    assert "2 problems found." in out


def test_rules_check_holds_nudge_rules_to_the_facts_a_nudge_has(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STEADY_CONFIG_DIR", str(CONFIG))
    path = tmp_path / "mine.toml"
    shipped = (CONFIG / "rules.toml").read_text()
    path.write_text(
        shipped.replace(
            'when = "quiet_days >= 4"\nsay = "invitation"',
            'when = "streak >= 7"\nsay = "invitation"',
        )
    )
    assert main(["rules", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f'{path}: rule "nudge-open-door": fact "streak" does not exist in nudge rules' in out
    path.write_text(shipped + rule(name='"streaky"', scope='"nudge"', say='"streak_milestone"'))
    assert main(["rules", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f'{path}: rule "streaky": says "streak_milestone"' in out and "{streak}" in out
    path.write_text(shipped + rule(name='"streaky"', scope='"after_log"', say='"streak_milestone"'))
    assert main(["rules", "check", str(path)]) == 0  # after a log the streak is known


def test_rules_check_takes_a_message_file_too(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STEADY_CONFIG_DIR", str(CONFIG))
    good = tmp_path / "messages.toml"
    good.write_text((CONFIG / "encouragement.toml").read_text())
    assert main(["rules", "check", str(good)]) == 0
    broken = tmp_path / "broken.toml"
    broken.write_text(
        (CONFIG / "encouragement.toml")
        .read_text()
        .replace("{streak} days in a row, {name}", "{streaks} days")
    )
    assert main(["rules", "check", str(broken)]) == 1
    assert f'{broken}: category "streak_milestone", message 1: placeholder "{{streaks}}"' in (
        capsys.readouterr().out
    )
