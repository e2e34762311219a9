"""Hostile rules files: each is refused with a problem line, quickly, never a traceback.

Every hostile condition goes through the real `steady rules check` in a subprocess with a
timeout, so a condition that hangs fails its test instead of hanging the suite; once that
has passed, the start-up loader is shown to refuse the same file in-process.
"""

import dataclasses
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.services import build_services
from bot.settings import Settings
from bot.voice import facts, rules
from bot.voice.checks import ConfigError
from bot.voice.facts import Scope
from bot.voice.rules import load_rulebook
from tests.voice_lines import CONFIG, shipped_library

STEADY = Path(sys.executable).with_name("steady")
TIMEOUT_S = 120  # a loaded machine starts the command in seconds; a hang never ends

# (rule name, condition, what its problem line says)
HOSTILE = [
    (
        "round-huge-digits",
        "round(week_count, -99999999999) == 0",
        "round takes a whole number of digits from -6 to 6",
    ),
    (
        "round-digits-from-a-fact",
        "round(week_count, -week_run_count * 99999999) == 0",
        "when fails on sample facts (ValueError: round takes a whole number of digits",
    ),
    ("list-repetition", "kind in ['run'] * 1000000000", "* works on numbers only, not on a list"),
    ("tuple-repetition", "(1, 2) * 1000000000 == (1, 2)", "* works on numbers only, not on a list"),
    ("text-repetition", "'a' * 1000000000 == ''", "* works on numbers only, not on text"),
    ("fact-repetition", "name * 1000000000 == ''", "* works on numbers only, not on text"),
    (
        "hidden-repetition",
        "(name or 'a') * 1000000000 == ''",
        "when fails on sample facts (TypeError: * takes numbers, not text and a number)",
    ),
    ("text-formatting", "'%999999999d' % hour == ''", "% works on numbers only, not on text"),
    ("power", "2 ** 10 ** 10 > 1", "when uses Pow, which rules can't"),
    ("nested-not", "not " * 200_000 + "true", "when is 800004 characters; keep it to 500"),
    ("nested-plus", "1+" * 200_000 + "1 > 0", "when is 400005 characters; keep it to 500"),
    ("nested-minus", "-" * 200_000 + "1 > 0", "when is 200005 characters; keep it to 500"),
    ("nested-brackets", "(" * 100 + "1" + ")" * 100, "when nests brackets 100 deep; keep it to 8"),
    ("deep-not", "not " * 30 + "true", "when nests 33 levels deep; keep it to 20"),
    ("deep-sum", "1+" * 40 + "1 > 0", "when nests 43 levels deep; keep it to 20"),
    ("many-parts", "hour in (" + "1," * 240 + "2)", "when has 248 parts; keep it to 200"),
    (
        "min-of-text",
        "min(name, kind) == 'a'",
        "when fails on sample facts (TypeError: min takes numbers, not text)",
    ),
    (
        "divides-by-a-missing-goal",
        "today_water_ml / water_goal_ml < 0.5",
        "when fails on zero facts (0, '' and false) with kind 'run' (ZeroDivisionError",
    ),
    (
        "fails-for-one-kind",
        "week_run_km / (1 if kind == 'run' else 0) > 1",
        "when fails on sample facts with kind 'strength' (ZeroDivisionError",
    ),
    ("nul-byte", "true\0", "bad syntax in when"),
]


def toml_string(text: str) -> str:
    """A TOML basic string holding `text`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\0", "\\u0000")
    return f'"{escaped}"'


def hostile_file(path: Path) -> Path:
    tables = [
        f'[[rule]]\nname = "{name}"\nscope = "after_log"\nwhen = {toml_string(when)}\n'
        'say = "patience"\n'
        for name, when, _ in HOSTILE
    ]
    path.write_text("\n".join(tables))
    return path


def test_every_hostile_condition_is_a_problem_line_from_the_check_and_at_start_up(tmp_path):
    folder = tmp_path / "config"
    folder.mkdir()
    for name in ("encouragement.toml", "steady.toml"):
        (folder / name).write_text((CONFIG / name).read_text())
    path = hostile_file(folder / "rules.toml")
    env = {**os.environ, "STEADY_CONFIG_DIR": str(folder)}
    done = subprocess.run(
        [str(STEADY), "rules", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=env,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    out = done.stdout
    missing = [
        (name, problem)
        for name, _, problem in HOSTILE
        if f'{path}: rule "{name}": {problem}' not in out
    ]
    assert not missing, out
    assert out.count(f"{path}: ") == sum(line.startswith(f"{path}: ") for line in out.splitlines())
    assert max(len(line) for line in out.splitlines()) < 1000  # no 800,000-character lines
    assert "\0" not in out and "true\\x00" in out

    # the check survived every one, quickly: so may the start-up loader, in this process
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", config_dir=folder)
    with pytest.raises(ConfigError) as raised:
        build_services(settings)
    text = str(raised.value)
    for name, _, problem in HOSTILE:
        assert f'{path}: rule "{name}": {problem}' in text
    assert not (tmp_path / "x.db").exists()


def test_the_shipped_files_pass_the_real_command():
    env = {**os.environ, "STEADY_CONFIG_DIR": str(CONFIG)}
    done = subprocess.run(
        [str(STEADY), "rules", "check"], capture_output=True, text=True, timeout=TIMEOUT_S, env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "17 rules" in done.stdout and "No problems" in done.stdout


@pytest.mark.parametrize(
    "text",
    ["not " * 200_000 + "true", "1+" * 200_000 + "1", "-" * 200_000 + "1"],
    ids=["not", "plus", "minus"],
)
def test_what_the_parser_itself_cannot_survive_is_a_problem(text):
    """The length and nesting limits keep such text from the parser; if one ever let it
    through, its RecursionError or MemoryError would still be a problem, not a traceback."""
    tree, problem = rules._parse(text)
    assert tree is None
    assert problem == "when is nested too deeply to read"


SAFE_BUT_EXPRESSIVE = [
    "kind in ('run', 'water') and round(amount, 1) >= 2.5",
    "abs(-hour) >= 0 and max(1, hour, 3) > 0 and min(week_run_km, 10) < 11",
    "round(goal_percent, -1) >= 50 and not backdated",
    "week_run_km * 2 - today_run_km // 1 % 7 > 0 or 'an' in name",
    "(week_run_count if kind == 'run' else week_strength_count) >= 2",
]


@pytest.mark.parametrize("when", SAFE_BUT_EXPRESSIVE)
def test_what_a_rule_needs_still_passes(tmp_path, when):
    path = tmp_path / "rules.toml"
    path.write_text(
        f'[[rule]]\nname = "fine"\nscope = "after_log"\nwhen = {toml_string(when)}\n'
        'say = "patience"\n'
    )
    book, problems = load_rulebook(path, shipped_library())
    assert book is not None, problems


@pytest.fixture(scope="module")
def rulebook():
    book, problems = load_rulebook(CONFIG / "rules.toml", shipped_library())
    assert book is not None, problems
    return book


PRIVATE = "Zed Secretname"
FIRST_LOG = {**facts.sample(Scope.AFTER_LOG), "first_entry": True, "name": PRIVATE}


def test_an_evaluation_over_budget_counts_as_not_matching(rulebook, caplog):
    assert rulebook.matching(Scope.AFTER_LOG, FIRST_LOG)[0].name == "welcome"
    spent = dataclasses.replace(rulebook, budget_s=0.0)
    with caplog.at_level(logging.WARNING, logger="steady.rules"):
        assert spent.matching(Scope.AFTER_LOG, FIRST_LOG) == []
    lines = [r.getMessage() for r in caplog.records]
    assert "rule welcome ran past its 0 ms budget and counts as not matching" in lines
    assert "rule ordinary-log ran past its 0 ms budget and counts as not matching" in lines
    assert not any(PRIVATE in line for line in lines)


class Ticking:
    """A clock that moves a second each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_waiting_for_the_interpreter_or_a_cpu_is_not_charged_to_a_rule(rulebook, monkeypatch):
    monkeypatch.setattr(rules, "_wall", Ticking())  # seconds pass, this thread works little
    assert rulebook.matching(Scope.AFTER_LOG, FIRST_LOG)[0].name == "welcome"


def test_a_rule_that_works_past_its_budget_stops_matching(rulebook, monkeypatch, caplog):
    monkeypatch.setattr(rules, "_wall", Ticking())
    monkeypatch.setattr(rules, "_cpu", Ticking())  # and this thread is busy all along
    with caplog.at_level(logging.WARNING, logger="steady.rules"):
        assert rulebook.matching(Scope.AFTER_LOG, FIRST_LOG) == []
    assert "rule welcome ran past its 50 ms budget" in caplog.text


def test_the_check_reports_a_rule_that_runs_past_its_budget(tmp_path, monkeypatch):
    monkeypatch.setattr(rules, "_wall", Ticking())
    monkeypatch.setattr(rules, "_cpu", Ticking())
    path = tmp_path / "rules.toml"
    path.write_text('[[rule]]\nname = "slow"\nscope = "nudge"\nwhen = "hour > 3"\nsay = "patience"')
    book, problems = load_rulebook(path, shipped_library())
    assert book is None
    assert [str(p) for p in problems] == [
        f'{path}: rule "slow": when takes over 50 ms on sample facts: hour > 3'
    ]


def test_a_fact_of_an_unexpected_type_counts_as_not_matching_and_logs_no_value(tmp_path, caplog):
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[rule]]\nname = "long-run"\nscope = "after_log"\nwhen = "amount * 2 > 10"\n'
        'say = "patience"\n\n'
        '[[rule]]\nname = "always"\nscope = "after_log"\nwhen = "true"\nsay = "patience"\n'
    )
    book, problems = load_rulebook(path, shipped_library())
    assert book is not None, problems
    odd = {**facts.sample(Scope.AFTER_LOG), "amount": PRIVATE}  # from a faulty caller
    with caplog.at_level(logging.WARNING, logger="steady.rules"):
        assert [r.name for r in book.matching(Scope.AFTER_LOG, odd)] == ["always"]
    assert "rule long-run could not be evaluated (TypeError)" in caplog.text
    assert PRIVATE not in caplog.text


def test_the_digest_scope_is_tried_without_a_kind(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[rule]]\nname = "per-member"\nscope = "digest"\nwhen = "moved_today / members > 0.5"\n'
        'say = "group_cheer"\n'
    )
    _, problems = load_rulebook(path, shipped_library())
    assert [p.text for p in problems] == [
        "when fails on zero facts (0, '' and false) (ZeroDivisionError: division by zero): "
        "moved_today / members > 0.5"
    ]


# --- the file itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"a = " + b"[" * 100_000 + b"]" * 100_000, "bad TOML: nested too deeply to read"),
        (b'x = "\xff\xfe"', "is not UTF-8 text (byte 5)"),
        (b"priority = " + b"1" * 5000, "bad TOML value: Exceeds the limit (4300 digits)"),
        (b"# " + b"x" * 4_000_001, "is larger than 4,000,000 bytes"),
    ],
    ids=["deep-arrays", "not-utf8", "huge-number", "huge-file"],
)
def test_a_hostile_file_is_one_problem_line(tmp_path, capsys, monkeypatch, content, problem):
    monkeypatch.setenv("STEADY_CONFIG_DIR", str(CONFIG))
    path = tmp_path / "rules.toml"
    path.write_bytes(content)
    assert main(["rules", "check", str(path)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{path}: {problem}"), lines
    assert lines[1] == "1 problem found."


def test_a_device_that_never_ends_is_read_no_further_than_the_limit(capsys, monkeypatch):
    monkeypatch.setenv("STEADY_CONFIG_DIR", str(CONFIG))
    assert main(["rules", "check", "/dev/zero"]) == 1
    assert "/dev/zero: is larger than 4,000,000 bytes" in capsys.readouterr().out
