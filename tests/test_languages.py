"""Languages (#16): complete catalogs, the person's and the group's language, /lang, figures
in each locale, and the message library in every language."""

from __future__ import annotations

import re
import shutil
import string
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.commands import build_registry
from bot.core import Core
from bot.domain import Units
from bot.groups.challenges import EXAMPLE
from bot.i18n import catalogs
from bot.i18n.catalogs import read_catalog, translate, translate_plural
from bot.i18n.figures import figures
from bot.i18n.languages import LANGUAGES, resolve, supported
from bot.i18n.template import template
from bot.interface import ChatKind
from bot.storage.models import Group, User
from bot.voice import facts
from bot.voice.encouragement import load_library
from bot.voice.facts import Scope
from bot.voice.languages import compare, library_path
from bot.voice.steady_voice import check_files
from tests.support import Chat
from tests.voice_lines import CONFIG, line_of, shipped_library

TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


# -- catalogs ------------------------------------------------------------------------------


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


@pytest.fixture(scope="module")
def pot():
    return template(build_registry())


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_catalog_translates_every_string_of_the_template(pot, lang: str) -> None:
    """Every wrapped string and every menu text, translated, none fuzzy, with the same
    placeholders as the English (a missing {language} would show a blank)."""
    catalog = read_catalog(lang)
    problems = []
    for message in pot:
        if not message.id:
            continue
        found = catalog.get(message.id)
        key = message.id if isinstance(message.id, str) else message.id[0]
        if found is None or found.fuzzy:
            problems.append(f"{key!r}: {'fuzzy' if found else 'missing'}")
            continue
        strings = found.string if isinstance(found.string, tuple) else (found.string,)
        wanted = catalog.num_plurals if isinstance(message.id, tuple) else 1
        if len(strings) != wanted or not all(s.strip() for s in strings):
            problems.append(f"{key!r}: untranslated")
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for text in strings:
            if fields(text) != fields(ids[-1]):
                problems.append(f"{key!r}: placeholders {fields(text)} not {fields(ids[-1])}")
    assert not problems, f"{lang}: " + "; ".join(problems)


def test_the_shipped_template_is_up_to_date(pot) -> None:
    """bot/i18n/locale/steady.pot is what `python -m bot.i18n.template` makes now."""
    shipped = {m.id for m in read_po_file(Path(catalogs.__file__).parent / "locale" / "steady.pot")}
    assert {m.id for m in pot} == shipped


def read_po_file(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        return read_po(handle)


def test_russian_plurals_take_all_three_forms() -> None:
    runs = [translate_plural("ru", "{n} run", "{n} runs", n).format(n=n) for n in (1, 3, 5, 21)]
    assert runs == ["1 пробежка", "3 пробежки", "5 пробежек", "21 пробежка"]
    days = [translate_plural("de", "{n} day", "{n} days", n).format(n=n) for n in (1, 2)]
    assert days == ["1 Tag", "2 Tage"]


def test_catalogs_are_read_once() -> None:
    catalogs.translations.cache_clear()
    first = catalogs.translations("es")
    assert catalogs.translations("es") is first
    assert translate("es", "Languages") == "Idiomas"
    assert translate("xx", "Languages") == "Languages"  # an unknown language: English


# -- which language --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "lang"),
    [
        ("es", "es"),
        ("es-ES", "es"),
        ("es-419", "es"),
        ("pt-BR", "pt"),
        ("pt-br", "pt"),
        ("de_DE.UTF-8", "de"),
        ("ru_RU.UTF-8@euro", "ru"),
        ("en-US", "en"),
        ("fr", None),
        ("C", None),
        ("POSIX", None),
        ("", None),
        (None, None),
    ],
)
def test_platform_hints_are_read_down_to_a_language(code: str | None, lang: str | None) -> None:
    assert supported(code) == lang


def test_a_choice_beats_the_app_which_beats_english() -> None:
    assert resolve("de", "es") == "de"
    assert resolve(None, "es") == "es"
    assert resolve(None, "fr") == "en"


def test_a_person_whose_app_is_spanish_is_answered_in_spanish_unasked(core: Core) -> None:
    ana = Chat(core, "ana", language="es-ES")
    listed = ana.say("/lang")
    assert "**Idiomas**" in listed
    assert "es: Español — actual" in listed
    assert "Elige uno con /lang es." in listed


@pytest.mark.parametrize(
    ("lang", "heading", "done"),
    [
        ("en", "**Languages**", "Done: I'll speak English with you from now on."),
        ("de", "**Sprachen**", "Erledigt: Ab jetzt spreche ich Deutsch mit dir."),
        ("es", "**Idiomas**", "Hecho: a partir de ahora te hablo en Español."),
        ("pt", "**Idiomas**", "Pronto: a partir de agora eu falo Português (Brasil) com você."),
        ("ru", "**Языки**", "Готово: теперь говорю с тобой на языке «Русский»."),
    ],
)
def test_lang_answers_in_each_language_through_the_console(
    core: Core, lang: str, heading: str, done: str
) -> None:
    ana = Chat(core, "ana")
    assert ana.say(f"/lang {lang}") == done
    assert ana.say("/lang").startswith(heading)


def test_lang_takes_a_code_or_a_native_name_and_auto_goes_back(make_core, any_db_url) -> None:
    core = make_core(any_db_url)
    ana = Chat(core, "ana", language="pt-BR")
    assert ana.say("/language Deutsch").startswith("Erledigt")
    assert ana.say("/lang español").startswith("Hecho")
    ana.language = "de"  # a chosen language stays, whatever the app says
    assert ana.say("/lang").startswith("**Idiomas**")
    assert ana.say("/lang auto") == "Erledigt: Ich folge wieder der Sprache deiner App (Deutsch)."
    with core.services.db.unit_of_work() as session:
        user = session.scalar(select(User))
        assert (user.language, user.app_language) == (None, "de")


def test_an_unknown_language_is_refused_with_an_example_and_changes_nothing(core: Core) -> None:
    ana = Chat(core, "ana", language="ru")
    said = ana.say("/lang klingon")
    assert (
        said == "Я пока не говорю на «klingon». Я говорю на: en, de, es, pt, ru. Например: /lang ru"
    )
    with core.services.db.unit_of_work() as session:
        assert session.scalar(select(User.language)) is None


def test_without_a_hint_the_stored_app_language_still_speaks(core: Core) -> None:
    """A plain Discord message carries no locale: the last one the app reported holds."""
    ana = Chat(core, "ana", language="es")
    ana.say("/lang")
    ana.language = None
    assert ana.say("/lang").startswith("**Idiomas**")


def test_a_group_speaks_its_admins_choice_else_what_most_members_speak(
    make_core, any_db_url: str
) -> None:
    core = make_core(any_db_url)

    def member(user: str, language: str, *, admin: bool = False) -> Chat:
        return Chat(
            core, user, chat_id="grp", kind=ChatKind.GROUP, language=language, is_admin=admin
        )

    ana, ben, cy = member("ana", "es", admin=True), member("ben", "es"), member("cy", "de")
    ana.say(EXAMPLE)
    for person in (ana, ben, cy):
        person.say("/join")
    # Two of three speak Spanish; Cy reads the list in German, his own language.
    assert "es: Español — aktuell" in cy.say("/lang")
    assert cy.say("/lang ru").startswith("Nur die Admins dieser Gruppe")
    assert ana.say("/lang ru") == "Hecho: los resúmenes de este grupo irán en Русский."
    assert "ru: Русский — aktuell" in cy.say("/lang")
    with core.services.db.unit_of_work() as session:
        assert session.scalar(select(Group.language)) == "ru"
    assert ana.say("/lang auto").endswith("(Español).")
    assert "es: Español — actual" in ben.say("/lang")


# -- figures ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "km", "ml", "day", "weekday"),
    [
        ("en", "5.50 km", "500 ml", "Fri, Dec 4", "Friday"),
        ("de", "5,50 km", "500 ml", "Fr., 4. Dez.", "Freitag"),
        ("es", "5,50 km", "500 ml", "vie, 4 dic", "viernes"),
        ("pt", "5,50 km", "500 ml", "sex., 4 de dez.", "sexta-feira"),
        ("ru", "5,50 км", "500 мл", "пт, 4 дек.", "пятница"),
    ],
)
def test_figures_are_written_the_languages_way(lang, km, ml, day, weekday) -> None:
    f = figures(lang)
    assert plain(f.distance(5500, Units.METRIC)) == km
    assert plain(f.volume(500, Units.METRIC)) == ml
    assert plain(f.day(date(2026, 12, 4))) == day
    assert f.weekday(4) == weekday  # Monday is 0: weeks run Monday to Sunday everywhere
    assert f.weekday(0) == figures(lang).locale.days["format"]["wide"][0]


def plain(text: str) -> str:
    """CLDR keeps a number and its unit together with a no-break space; tests read spaces."""
    return text.replace("\xa0", " ").replace("\u202f", " ")


def test_imperial_figures_in_other_languages() -> None:
    assert plain(figures("de").distance(5000, Units.IMPERIAL)) == "3,11 mi"
    assert plain(figures("ru").weight(40, Units.IMPERIAL)) == "88 фнт"
    assert plain(figures("es").volume(1500, Units.METRIC)) == "1,5 l"
    assert plain(figures("pt").pace(330, Units.METRIC)) == "5:30 /km"


def test_formats_are_kept_per_language() -> None:
    assert figures("de") is figures("de")
    f = figures("ru")
    f.distance(1000, Units.METRIC)
    kept = dict(f._units)
    f.distance(2000, Units.METRIC)
    assert f._units.keys() >= kept.keys()


# -- the voice in each language -------------------------------------------------------------


def test_rules_check_passes_for_every_shipped_language() -> None:
    problems, summary = check_files(CONFIG)
    assert not problems, "\n".join(map(str, problems))
    for lang in TRANSLATED:
        assert f"{lang} " in summary


def copy_config(tmp_path: Path) -> Path:
    target = tmp_path / "config"
    shutil.copytree(CONFIG, target)
    return target


def test_rules_check_finds_missing_categories_short_ones_and_english_left(tmp_path) -> None:
    config = copy_config(tmp_path)
    path = config / "encouragement" / "de.toml"
    text = path.read_text()
    text = re.sub(r"\[rest_day\].*?\]\n", "", text, flags=re.S)  # a category gone
    text = text.replace(
        "Wasser gehört auch zum Plan. Wie wär's mit einem Glas, jetzt gleich?",
        "Water is part of the plan too. How about a glass right now?",
    )
    text = text.replace(
        "Klein und beständig gewinnt. Wieder ein Baustein mehr.",
        "Klein und beständig: small and steady wins, ein Baustein mehr.",
    )
    path.write_text(text)
    problems, _ = check_files(config)
    said = "\n".join(map(str, problems))
    assert 'category "rest_day": is missing' in said
    assert "is the English message, untranslated" in said
    assert 'has English left in it: "small and steady wins"' in said
    short = config / "encouragement" / "es.toml"
    short.write_text(
        short.read_text().replace('  "Un día libre es parte del plan, {name}.",\n', "")
    )
    problems, _ = check_files(config)
    assert any("has 5 messages; English has 6" in str(p) for p in problems)


def test_a_bad_placeholder_in_a_translation_is_named(tmp_path) -> None:
    config = copy_config(tmp_path)
    path = config / "encouragement" / "ru.toml"
    path.write_text(path.read_text().replace("{streak_days} подряд, {name}!", "{streek} подряд!"))
    problems, _ = check_files(config)
    assert any('placeholder "{streek}"' in str(p) and "ru.toml" in str(p) for p in problems)


def translated_libraries():
    english = shipped_library()
    for lang in TRANSLATED:
        library, problems = load_library(library_path(CONFIG, lang, english.path))
        assert library is not None, problems
        yield lang, library


def showcase(scope: Scope, fields: tuple[str, ...], record: str) -> dict[str, object]:
    sample = facts.sample(scope)
    if scope is Scope.DIGEST:
        return sample
    sample |= {"has_goal": True, "water_goal_ml": 2000.0, "today_water_ml": 500.0}
    if scope is Scope.AFTER_LOG:
        kind = "water" if "water" in fields else "run"
        sample |= {"kind": kind, "amount": 500.0 if kind == "water" else 10.0}
        sample |= {"new_record": record, "record_before": 10.0}
        sample |= {"record_value": {"fastest_5k": 300.0}.get(record, 12.0)}
    return sample


SCOPES = {
    "group_cheer": Scope.DIGEST,
    "invitation": Scope.NUDGE,
    "hydration": Scope.NUDGE,
}


@pytest.mark.parametrize("lang", TRANSLATED)
@pytest.mark.parametrize("units", [Units.METRIC, Units.IMPERIAL])
def test_every_placeholder_renders_in_every_language_for_both_unit_systems(lang, units) -> None:
    library = dict(translated_libraries())[lang]
    other = {
        Units.METRIC: re.compile(r"\d\s?(mi|fl oz|lb|ми|фнт)\b|/(mi|ми)\b"),
        Units.IMPERIAL: re.compile(r"\d\s?(km|ml|kg|l|км|мл|кг|л)\b|/(km|км)\b"),
    }[units]
    race = translate(lang, "fastest pace over 5k")  # names the race, in any units
    for message in library.messages():
        scope = SCOPES.get(message.category, Scope.AFTER_LOG)
        records = ("longest_run", "fastest_5k", "heaviest_lift")
        for record in records if message.category == "record" else ("",):
            f = {**showcase(scope, message.fields, record), "units": units.value}
            text = message.render(f, units, lang)
            assert text is not None, message.text
            assert not any(mark in text for mark in ("{", "}", "None")), text
            assert not other.search(plain(text).replace(race, "")), text


def test_russian_lines_say_days_in_the_right_form() -> None:
    library = dict(translated_libraries())["ru"]
    [line] = [m for m in library.categories["streak_milestone"] if m.text.startswith("{streak")][:1]
    f = {**facts.sample(Scope.AFTER_LOG), "streak": 3}
    assert line.render(f, Units.METRIC, "ru").startswith("3 дня подряд")
    f["streak"] = 5
    assert line.render(f, Units.METRIC, "ru").startswith("5 дней подряд")
    f["streak"] = 21
    assert line.render(f, Units.METRIC, "ru").startswith("21 день подряд")


def test_a_translation_may_not_have_fewer_lines_than_english() -> None:
    english = shipped_library()
    for lang, library in translated_libraries():
        assert compare(library, english) == [], lang
        for category, messages in english.categories.items():
            assert len(library.categories[category]) >= len(messages), (lang, category)


def test_after_a_log_the_voice_speaks_the_persons_language(core: Core) -> None:
    """A first entry ever gets a welcome line, from the library of the person's language."""
    welcomes = {
        lang: [m.text.split("{")[0][:12] for m in library.categories["welcome"]]
        for lang, library in translated_libraries()
    }
    for user, code in (("ana", "de-DE"), ("ben", "ru")):
        reply = Chat(core, user, language=code).say("/water 250ml")
        line = line_of(reply)
        assert line is not None, reply
        starts = welcomes[supported(code) or "en"]
        assert any(line.startswith(s) for s in starts if s), line


def test_a_nudge_carries_a_line_in_the_persons_language(core: Core, clock) -> None:
    from tests.test_nudge_lines import at, line_in, minute

    ru = dict(translated_libraries())["ru"]
    hydration = [m.text.split("{")[0][:15] for m in ru.categories["hydration"]]
    ana = Chat(core, "ana", language="ru")
    ana.say("/remind water every 2h 09:00-21:00")
    at(clock, "2026-11-25 13:00")
    [nudge] = minute(core).values()
    line = line_in(nudge)
    assert line is not None, nudge
    assert any(line.startswith(start) for start in hydration if start), line


def test_a_groups_digest_line_speaks_the_groups_language(core: Core) -> None:
    facts = {"group": "Morgenrunde", "group_key": "telegram:-1", "members": 5}
    facts |= {"moved_today": 3, "days_left": 4, "lang": "de"}
    given = {**facts_for_digest(facts), "units": "metric"}
    german = dict(translated_libraries())["de"].categories["group_cheer"]
    possible = {m.render(given, Units.METRIC, "de") for m in german} - {None}
    with core.services.db.unit_of_work() as session:
        lines = [core.services.voice.group_line(session, facts) for _ in range(5)]
    assert all(line in possible for line in lines), lines
    assert "Noch 4 Tage. Beständige Schritte von allen tragen die ganze Gruppe." in possible


def facts_for_digest(given: dict[str, object]) -> dict[str, object]:
    return dict(facts.for_digest(given))


@pytest.mark.parametrize(
    ("env", "heading"),
    [
        ({"LANG": "es_ES.UTF-8"}, "Idiomas"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "ru_RU.UTF-8"}, "Языки"),
        ({"LANG": "C"}, "Languages"),
        ({}, "Languages"),
    ],
)
def test_the_console_speaks_the_terminals_language(core: Core, monkeypatch, env, heading) -> None:
    import io

    from adapters.console import ConsoleAdapter

    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()
    console = ConsoleAdapter(core, user="ana", out=out)
    for reply in core.handle(console.incoming("/lang")):
        console.show(reply)
    assert out.getvalue().startswith(heading)


def test_export_holds_the_language_chosen_and_the_apps(core: Core) -> None:
    import json

    ana = Chat(core, "ana", language="pt-BR")
    ana.say("/lang de")
    [reply] = ana.replies("/export")
    [document] = [a for a in reply.attachments if a.filename.endswith(".json")]
    profile = json.loads(document.data)["profile"]
    assert (profile["language"], profile["app_language"]) == ("de", "pt")


def test_rules_check_takes_one_translation_against_the_english(tmp_path) -> None:
    config = copy_config(tmp_path)
    path = config / "encouragement" / "pt.toml"
    problems, summary = check_files(config, path)
    assert not problems and "No problems" in summary
    path.write_text(path.read_text().replace("Um copo d'água.", "A glass of water."))
    path.write_text(
        path.read_text().replace(
            "Água também faz parte do plano. Que tal um copo agora mesmo?",
            "Water is part of the plan too. How about a glass right now?",
        )
    )
    problems, _ = check_files(config, path)
    assert [p.where for p in problems] == ['category "hydration", message 5']
