"""Russian number words read as digits ("пять км" → "5 км", "полтора литра" → "1.5
литра"), for the plain-words reader: text2num has no Russian. Only cardinal numbers up to
the thousands, as people write a log's figures; anything else is left as it was."""

from __future__ import annotations

import re

_UNITS = {
    "ноль": 0, "один": 1, "одна": 1, "одно": 1, "одну": 1, "два": 2, "две": 2, "три": 3,
    "четыре": 4, "пять": 5, "шесть": 6, "семь": 7, "восемь": 8, "девять": 9, "десять": 10,
    "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13, "четырнадцать": 14,
    "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18,
    "девятнадцать": 19,
}  # fmt: skip
_TENS = {
    "двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60,
    "семьдесят": 70, "восемьдесят": 80, "девяносто": 90,
}  # fmt: skip
_HUNDREDS = {
    "сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500,
    "шестьсот": 600, "семьсот": 700, "восемьсот": 800, "девятьсот": 900,
}  # fmt: skip
_THOUSAND = {"тысяча", "тысячу", "тысячи", "тысяч"}
_THOUSANDS = {"тысячи", "тысяч"}  # "полторы тысячи": not a figure of its own
_ONE_AND_HALF = {"полтора", "полторы"}
_WORD = re.compile(r"[а-яё]+")


def digits(text: str) -> str:
    """`text` (lower-cased) with each run of number words written as its figure."""
    out: list[str] = []
    at = 0
    run: _Run | None = None
    for m in _WORD.finditer(text):
        word = m[0]
        joined = run is not None and not text[run.end : m.start()].strip()
        if run is not None and joined and run.add(word):
            run.end = m.end()
            continue
        if run is not None:
            out += [text[at : run.start], run.figure()]
            at, run = run.end, None
        if word in _ONE_AND_HALF:
            out += [text[at : m.start()], "1.5"]
            at = m.end()
            continue
        fresh = _Run(m.start(), m.end())
        if word not in _THOUSANDS and fresh.add(word):
            run = fresh
    if run is not None:
        out += [text[at : run.start], run.figure()]
        at = run.end
    out.append(text[at:])
    return "".join(out)


class _Run:
    """Number words one after another, each smaller than the one before ("сто двадцать
    пять"), with a thousand multiplying what came before it."""

    def __init__(self, start: int, end: int) -> None:
        self.start, self.end = start, end
        self.total = 0  # thousands already closed
        self.part = 0
        self.last = 10_000  # the place of the last word: a next word must be smaller

    def add(self, word: str) -> bool:
        if word in _THOUSAND:
            if self.total:
                return False
            self.total, self.part, self.last = (self.part or 1) * 1000, 0, 1000
            return True
        for table, place in ((_HUNDREDS, 100), (_TENS, 10), (_UNITS, 1)):
            if word in table:
                value = table[word]
                if place >= self.last or (value >= 10 and self.last <= 10):
                    return False  # "три десять", "двадцать десять": two figures
                self.part += value
                self.last = place
                return True
        return False

    def figure(self) -> str:
        return str(self.total + self.part)
