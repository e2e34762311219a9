"""/export, /import (CSVs and watch files) and /deleteme speak the person's language: the
replies, the problems with a file (line numbers and examples kept), counts in each
language's plural forms and figures the locale's way."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.console import CannotAttach, read_upload
from bot.interface import Attachment, Reply
from bot.reading.workout_files import WorkoutProblem, file_size, too_many
from bot.storage.models import Entry
from tests.support import Chat
from tests.workout_samples import gpx_run

OTHERS = ("de", "es", "pt", "ru")


def speaking(core, lang: str, user: str = "ana") -> Chat:  # type: ignore[no-untyped-def]
    chat = Chat(core, user)
    chat.say(f"/lang {lang}")
    return chat


def with_files(chat: Chat, *files: tuple[str, bytes], text: str = "/import") -> list[Reply]:
    incoming = dataclasses.replace(
        chat.incoming(text), attachments=tuple(Attachment(n, d) for n, d in files)
    )
    return chat.core.handle(incoming)


def said(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def waters(chat: Chat, n: int) -> None:
    for _ in range(n):
        chat.say("/water 250ml")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "📦 Your data: 3 entries as CSV"),
        ("de", "📦 Deine Daten: 3 Einträge als CSV"),
        ("es", "📦 Tus datos: 3 entradas en CSV"),
        ("pt", "📦 Seus dados: 3 registros em CSV"),
        ("ru", "📦 Твои данные: 3 записи в CSV"),
    ],
)
def test_export_says_what_it_sends_in_each_language(core, lang: str, expected: str) -> None:
    ana = speaking(core, lang)
    waters(ana, 3)
    reply = ana.replies("/export")[0]
    assert reply.text.startswith(expected)
    assert {a.filename.rsplit(".", 1)[1] for a in reply.attachments} == {"csv", "json"}


@pytest.mark.parametrize(("n", "words"), [(1, "1 запись"), (3, "3 записи"), (5, "5 записей")])
def test_russian_counts_entries_in_all_three_forms(core, n: int, words: str) -> None:
    ana = speaking(core, "ru")
    waters(ana, n)
    assert f"Твои данные: {words} в CSV" in ana.say("/export")
    prompt = ana.say("/deleteme")
    assert f"{words}, 0 целей" in prompt


@pytest.mark.parametrize(
    ("lang", "again", "nothing_new"),
    [
        ("de", "📥 2 Einträge importiert", "Nichts Neues: Alle 2 Einträge aus der Datei"),
        ("es", "📥 Importé 2 entradas", "Nada nuevo: las 2 entradas de ese archivo"),
        ("pt", "📥 2 registros importados", "Nada de novo: todos os 2 registros desse arquivo"),
        ("ru", "📥 Импортированы 2 записи", "Ничего нового: все 2 записи из файла"),
    ],
)
def test_a_csv_goes_back_in_with_replies_in_the_persons_language(
    make_core, sqlite_url, lang: str, again: str, nothing_new: str
) -> None:
    core = make_core(sqlite_url)
    ana = speaking(core, lang)
    waters(ana, 2)
    exported = next(a for a in ana.replies("/export")[0].attachments if a.filename.endswith("csv"))
    assert nothing_new in said(with_files(ana, (exported.filename, exported.data)))
    ben = speaking(core, lang, "ben")
    imported = said(with_files(ben, (exported.filename, exported.data)))
    assert imported.startswith(again)
    assert "Imported" not in imported and "entries" not in imported


@pytest.mark.parametrize(
    ("lang", "line", "nothing", "example"),
    [
        ("de", "Zeile 2:", "Es wurde nichts importiert.", "Eine Zeile sieht so aus:"),
        ("es", "Línea 2:", "No se importó nada.", "Una fila se ve así:"),
        ("pt", "Linha 2:", "Nada foi importado.", "Uma linha fica assim:"),
        ("ru", "Строка 2:", "Ничего не импортировано.", "Строка выглядит так:"),
    ],
)
def test_a_csv_with_a_mistake_names_its_line_in_the_persons_language(
    core, lang: str, line: str, nothing: str, example: str
) -> None:
    ana = speaking(core, lang)
    bad = b"date,kind,volume_ml\n2026-11-20,swim,500\n"
    answer = said(with_files(ana, ("mine.csv", bad)))
    assert line in answer and nothing in answer and example in answer
    assert "'swim'" in answer  # the cell quoted as the file has it
    assert "2026-11-20,2026-11-20T07:30:00+00:00,run,5000,1710" in answer  # the row, as data
    assert "Nothing was imported" not in answer
    with core.services.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Entry)) == 0


def test_a_header_that_is_not_an_export_is_explained_in_german(core) -> None:
    ana = speaking(core, "de")
    answer = said(with_files(ana, ("x.csv", b"when,what\n1,2\n")))
    assert answer.startswith("Das sieht nicht nach einem Steady-Export aus")
    assert "Die erste Zeile sollte so lauten:\ndate,logged_at,kind," in answer


@pytest.mark.parametrize(
    ("lang", "heading"),
    [
        ("en", "⌚ From morning.gpx (GPX), started"),
        ("de", "⌚ Aus morning.gpx (GPX), Start um"),
        ("es", "⌚ De morning.gpx (GPX), empezó a las"),
        ("pt", "⌚ De morning.gpx (GPX), começou às"),
        ("ru", "⌚ Из morning.gpx (GPX), старт в"),
    ],
)
def test_a_watch_file_is_logged_and_a_second_time_refused_in_each_language(
    core, lang: str, heading: str
) -> None:
    ana = speaking(core, lang)
    run = gpx_run()
    first = said(with_files(ana, ("morning.gpx", run)))
    assert first.startswith(heading)
    again = {
        "en": "Already logged as #1:",
        "de": "Schon eingetragen als #1:",
        "es": "Ya está registrado como #1:",
        "pt": "Já registrado como #1:",
        "ru": "Уже записано как #1:",
    }[lang]
    twice = said(with_files(ana, ("morning.gpx", run)))
    assert twice.startswith(again)
    if lang != "en":
        assert "Nothing changed" not in twice
        # the day the locale's way: "Fr., 20. Nov." in German, "пт, 20 нояб." in Russian
        day = {
            "de": "Fr., 20. Nov.",
            "es": "vie, 20 nov",
            "pt": "sex., 20 de nov.",
            "ru": "пт, 20 нояб.",
        }
        assert day[lang] in twice, twice


@pytest.mark.parametrize(
    ("lang", "empty", "again"),
    [
        ("de", "Die Datei ist leer.", "Schick die Datei, die deine Uhr aufgezeichnet hat"),
        ("es", "Ese archivo está vacío.", "Envía el archivo que grabó tu reloj"),
        ("pt", "Esse arquivo está vazio.", "Mande o arquivo que seu relógio gravou"),
        ("ru", "Этот файл пустой.", "Пришли файл, который записали часы"),
    ],
)
def test_a_watch_file_problem_is_said_in_the_persons_language(
    core, lang: str, empty: str, again: str
) -> None:
    ana = speaking(core, lang)
    answer = said(with_files(ana, ("run.gpx", b"   ")))
    assert answer.startswith(empty) and again in answer and answer.endswith("/run 5k 28:30.")


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("de", "Diese GPX-Datei ist beschädigt oder unvollständig"),
        ("es", "Ese archivo GPX está dañado o incompleto"),
        ("ru", "Этот файл GPX повреждён или обрезан"),
    ],
)
def test_a_problem_found_by_the_reading_process_comes_back_translated(
    core, lang: str, words: str
) -> None:
    """The file is read in a child process that knows no language: its problem crosses
    back as a message and its figures, and is said in the person's language."""
    ana = speaking(core, lang)
    broken = gpx_run()[:400]
    assert said(with_files(ana, ("cut.gpx", broken))).startswith(words)


def test_a_cycling_file_is_refused_in_russian_without_the_send_again_line(core) -> None:
    ana = speaking(core, "ru")
    ride = gpx_run().replace(b"<trk>", b"<trk><type>cycling</type>", 1)
    answer = said(with_files(ana, ("ride.gpx", ride)))
    assert answer == (
        "В этом файле тренировка типа cycling; из файлов я записываю только пробежки. "
        "Другие тренировки записывай через /strength."
    )


def test_figures_in_file_problems_follow_the_locale() -> None:
    assert "100.000 Punkte" in too_many(100_000).said("de")
    assert "100,000 points" in str(too_many(100_000))
    assert file_size("ru", 10240) == "10\u00a0МБ"
    assert file_size("en", 10240) == "10 MB"
    assert file_size("en", 512) == "512 KB"
    problem = WorkoutProblem.of_json(too_many(7).as_json())
    assert problem.said("pt").startswith("Esse arquivo tem mais de 7 pontos")
    assert (
        WorkoutProblem.of_json({"message": 3})
        .said("de")
        .startswith("Ich konnte die Datei nicht lesen.")
    )


@pytest.mark.parametrize(
    ("lang", "warning", "button", "done"),
    [
        ("de", "⚠️ Damit löschst du alles", "Alles löschen", "🗑️ Erledigt."),
        ("es", "⚠️ Esto borra todo", "Borrar todo", "🗑️ Hecho."),
        ("pt", "⚠️ Isso apaga tudo", "Apagar tudo", "🗑️ Pronto."),
        ("ru", "⚠️ Это удалит всё", "Удалить всё", "🗑️ Готово."),
    ],
)
def test_deleteme_asks_and_answers_in_the_persons_language(
    core, lang: str, warning: str, button: str, done: str
) -> None:
    ana = speaking(core, lang)
    waters(ana, 2)
    prompt = ana.replies("/deleteme")[0]
    assert prompt.text.startswith(warning)
    assert "/deleteme DELETE" in prompt.text  # the command stays English
    assert [b.label for b in prompt.buttons] == [button]
    refused = ana.say("/deleteme maybe")
    assert "/deleteme DELETE" in refused and "Nothing was deleted" not in refused
    assert "2" in ana.say("/export")  # the refusal changed nothing
    farewell = ana.say(prompt.buttons[0].payload)
    assert farewell.startswith(done)
    assert "entries" not in farewell and "linked account" not in farewell


def test_russian_farewell_counts_each_kind_in_its_form(core) -> None:
    ana = speaking(core, "ru")
    waters(ana, 5)
    farewell = ana.say("/deleteme DELETE")
    assert "5 записей, 0 целей, настройки и 1 связанный аккаунт" in farewell


def test_the_console_says_why_it_cannot_read_a_file_in_its_language(tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    with pytest.raises(CannotAttach) as caught:
        read_upload(missing, 10, "/import steady-export-2026-11-25.csv", "de")
    assert str(caught.value).startswith(f"Ich kann {missing} nicht lesen:")
    assert "z. B. /import steady-export-2026-11-25.csv" in str(caught.value)
    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * 2048)
    with pytest.raises(CannotAttach, match=r"больше 1 КБ\. Раздели его"):
        read_upload(big, 1, "/import big.csv", "ru")


def test_a_workout_still_to_come_is_questioned_in_german_and_not_logged(core) -> None:
    from datetime import timedelta

    from tests.workout_samples import START

    ana = speaking(core, "de")
    ahead = gpx_run(START + timedelta(days=30))
    answer = said(with_files(ana, ("later.gpx", ahead)))
    assert answer == (
        "Dieses Training beginnt laut Datei am So., 20. Dez. 07:30, das liegt noch in der "
        "Zukunft. Geht die Uhr richtig? Deine Zeitzone stellst du mit /tz ein."
    )
    with core.services.db.unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(Entry)) == 0
