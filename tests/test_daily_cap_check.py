"""`steady rules check` knows the daily cap of generic lines ([daily_cap] in rules.toml):
what is wrong with one is named, with an example, and stops start-up like any rule problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.voice_lines import CONFIG

SHIPPED = '[daily_cap]\ncategories = ["patience", "consistency"]\nper_day = 3\n'


def rules_with(tmp_path: Path, cap: str) -> Path:
    text = (CONFIG / "rules.toml").read_text()
    assert SHIPPED in text
    path = tmp_path / "rules.toml"
    path.write_text(text.replace(SHIPPED, cap))
    return path


@pytest.mark.parametrize(
    ("cap", "problem"),
    [
        (
            '[daily_cap]\ncategories = ["patience", "consistancy"]\nper_day = 3\n',
            'daily_cap: unknown category "consistancy" (did you mean "consistency"?)',
        ),
        (
            '[daily_cap]\ncategories = ["patience"]\nper_day = 0\n',
            "daily_cap: per_day must be a whole number from 1 to 50",
        ),
        (
            '[daily_cap]\ncategories = ["patience"]\nper_day = -2\n',
            "daily_cap: per_day must be a whole number from 1 to 50",
        ),
        (
            '[daily_cap]\ncategories = ["patience"]\nper_day = 2.5\n',
            "daily_cap: per_day must be a whole number from 1 to 50",
        ),
        (
            "[daily_cap]\ncategories = []\nper_day = 3\n",
            "daily_cap: categories must be a list of names",
        ),
        (
            '[daily_cap]\ncategories = ["patience"]\nper_day = 3\nper_week = 9\n',
            'daily_cap: unknown key "per_week"',
        ),
        (
            '[daily_cap]\ncategories = ["patience", "rest_day"]\nper_day = 3\n',
            'daily_cap: "rest_day" has 6 messages; at 3 a day it needs 21 so that none comes '
            "back within 7 days",
        ),
        (
            '[daily_cap]\ncategories = ["patience"]\nper_day = 4\n',
            'daily_cap: "patience" has 26 messages; at 4 a day it needs 28',
        ),
        ("daily_cap = 3\n", "daily_cap: must be a table"),
    ],
)
def test_a_wrong_daily_cap_is_named(tmp_path, capsys, monkeypatch, cap, problem):
    monkeypatch.setenv("STEADY_CONFIG_DIR", str(CONFIG))
    path = rules_with(tmp_path, cap)
    assert main(["rules", "check", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{path}: {problem}" in out


def test_the_shipped_cap_holds_a_week_without_repeats():
    """Each capped category has at least seven days' worth at the cap (the check's rule)."""
    from bot.voice.steady_voice import load_voice

    voice = load_voice(CONFIG)
    cap = voice.rulebook.daily_cap
    assert cap is not None and cap.per_day == 3
    assert cap.categories == {"patience", "consistency"}
    for category in cap.categories:
        assert len(voice.library.categories[category]) >= 7 * cap.per_day


def test_the_check_says_the_cap_it_found(capsys, monkeypatch):
    monkeypatch.setenv("STEADY_CONFIG_DIR", str(CONFIG))
    assert main(["rules", "check"]) == 0
    out = capsys.readouterr().out
    assert "Generic lines (consistency, patience): at most 3 a day. No problems." in out


def test_without_a_cap_every_log_may_speak(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("STEADY_CONFIG_DIR", str(CONFIG))
    path = rules_with(tmp_path, "")
    assert main(["rules", "check", str(path)]) == 0
    assert "Generic lines" not in capsys.readouterr().out
