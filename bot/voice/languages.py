"""The message library in every language Steady speaks, and what `steady rules check` asks
of each translation.

English is config/encouragement.toml, the source; every other language has
config/encouragement/<lang>.toml with the same categories. Each is checked like the English
one (valid placeholders, no markup), and against it: the same categories, at least as many
messages in each (so no one hears the same few lines more often), and no English left — no
message that is, or shares a run of words with, an English one.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.i18n.languages import DEFAULT, LANGUAGES
from bot.voice.checks import Problem
from bot.voice.encouragement import Library, load_library

FOLDER = "encouragement"
ENGLISH_RUN = 4  # this many English words in a row is English left in a translation
_WORD = re.compile(r"[^\W\d_]+")


def library_path(config_dir: Path, lang: str, english: Path) -> Path:
    return english if lang == DEFAULT else config_dir / FOLDER / f"{lang}.toml"


def translation_of(path: Path) -> str | None:
    """The language a library file translates into (…/encouragement/ru.toml: "ru")."""
    lang = path.stem
    if path.parent.name == FOLDER and lang in LANGUAGES and lang != DEFAULT:
        return lang
    return None


def check_translation(path: Path, english_path: Path) -> tuple[list[Problem], str]:
    """One translated library, checked on its own and against the English one."""
    english, problems = load_library(english_path)
    library, found = load_library(path)
    problems += found
    if english is None or library is None:
        return problems, ""
    problems += compare(library, english)
    if problems:
        return problems, ""
    summary = (
        f"{path}: {len(library)} messages in {len(library.categories)} categories, "
        f"against {english_path} ({len(english)}). No problems."
    )
    return [], summary


def _runs(text: str) -> set[tuple[str, ...]]:
    """Every run of ENGLISH_RUN words in the text, placeholders taken out."""
    words = _WORD.findall(re.sub(r"\{[^}]*\}", " ", text).casefold())
    return {tuple(words[i : i + ENGLISH_RUN]) for i in range(len(words) - ENGLISH_RUN + 1)}


def compare(library: Library, english: Library) -> list[Problem]:
    """What a translated library lacks against the English one."""
    path = library.path
    problems: list[Problem] = []
    for category, messages in english.categories.items():
        mine = library.categories.get(category)
        if mine is None:
            problems.append(Problem(path, f'category "{category}"', "is missing (English has it)"))
        elif len(mine) < len(messages):
            problems.append(
                Problem(
                    path,
                    f'category "{category}"',
                    f"has {len(mine)} messages; English has {len(messages)}: "
                    "write at least as many",
                )
            )
    for category in sorted(set(library.categories) - set(english.categories)):
        problems.append(Problem(path, f'category "{category}"', "is not in the English library"))
    english_texts = {m.text.casefold() for m in english.messages()}
    english_runs = set().union(*(_runs(m.text) for m in english.messages()))
    for category, messages in library.categories.items():
        for number, message in enumerate(messages, start=1):
            where = f'category "{category}", message {number}'
            if message.text.casefold() in english_texts:
                problems.append(Problem(path, where, "is the English message, untranslated"))
            elif shared := _runs(message.text) & english_runs:
                words = " ".join(sorted(shared)[0])
                problems.append(Problem(path, where, f'has English left in it: "{words}"'))
    return problems


def load_libraries(config_dir: Path, english: Library) -> tuple[dict[str, Library], list[Problem]]:
    """Every language's library (English included), or the problems found in them.

    A config folder with no encouragement/ folder at all (an operator's own English
    library) speaks English lines to everyone; once the folder is there, every language
    must be in it."""
    libraries = {DEFAULT: english}
    problems: list[Problem] = []
    if not (config_dir / FOLDER).is_dir():
        return libraries, problems
    for lang in LANGUAGES:
        if lang == DEFAULT:
            continue
        library, found = load_library(library_path(config_dir, lang, english.path))
        problems += found
        if library is not None:
            problems += compare(library, english)
            libraries[lang] = library
    return libraries, problems
