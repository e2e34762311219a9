"""Problems found in the voice's data files (config/rules.toml, config/encouragement.toml).

The same problems are printed by `steady rules check` and stop start-up, so a broken file is
never half-loaded: every line names the file, the rule or message, and what is wrong.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Problem:
    file: Path
    where: str  # 'rule "hydration"', 'category "welcome", message 3', or '' for the file
    text: str

    def __str__(self) -> str:
        where = f"{self.where}: " if self.where else ""
        return f"{self.file}: {where}{self.text}"


class ConfigError(Exception):
    """A voice file is broken: the message lists every problem, one per line."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"The encouragement files have problems:\n{lines}")


MAX_FILE_BYTES = 4_000_000  # the shipped files are a few kB; tomllib reads 4 MB in ~1 s


def read_toml(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The file's data, or a problem saying why it can't be read. Only the first
    MAX_FILE_BYTES are read (the path may be a device that never ends), and tomllib's
    RecursionError on deeply nested arrays, like its other refusals, is a problem too."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None, [Problem(path, "", "file not found")]
    except OSError as exc:
        return None, [Problem(path, "", f"cannot be read: {exc.strerror}")]
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(path, "", f"is larger than {MAX_FILE_BYTES:,} bytes")]
    try:
        return tomllib.loads(raw.decode()), []
    except UnicodeDecodeError as exc:
        return None, [Problem(path, "", f"is not UTF-8 text (byte {exc.start})")]
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(path, "", f"bad TOML syntax: {exc}")]
    except ValueError as exc:  # tomllib lets int()'s refusal of a 5,000-digit number out
        return None, [Problem(path, "", f"bad TOML value: {str(exc)[:100]}")]
    except (RecursionError, MemoryError):
        return None, [Problem(path, "", "bad TOML: nested too deeply to read")]


def suggest(word: str, known: Iterable[str]) -> str:
    """' (did you mean "x"?)' when something close exists, else ''."""
    close = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    return f' (did you mean "{close[0]}"?)' if close else ""
