"""Strength exercises as people type them: the common names offered after a person's own
(`/strength` suggestions), and how a typed line splits into the exercise and its figures."""

from __future__ import annotations

import re

# Offered after the exercises a person has logged themselves, in this order.
COMMON = (
    "squats",
    "push-ups",
    "pull-ups",
    "lunges",
    "deadlifts",
    "bench press",
    "plank",
    "overhead press",
    "rows",
    "sit-ups",
    "crunches",
    "burpees",
    "dips",
    "bicep curls",
    "tricep extensions",
    "lat pulldowns",
    "leg press",
    "calf raises",
    "hip thrusts",
    "kettlebell swings",
    "mountain climbers",
    "glute bridges",
    "chin-ups",
    "step-ups",
    "jumping jacks",
)

_FIGURES = re.compile(r"\d")


def split_typed(typed: str) -> tuple[str, str]:
    """`squats 3x10 40kg` → (`squats`, `3x10 40kg`): the leading words that name the exercise,
    and the figures from the first word holding a digit on."""
    words = typed.split()
    for i, word in enumerate(words):
        if _FIGURES.search(word):
            return " ".join(words[:i]).lower(), " ".join(words[i:])
    return " ".join(words).lower(), ""


def matches(name: str, wanted: str) -> int | None:
    """How well an exercise's name matches what was typed: 0 when it (or one of its words)
    starts with it, 1 when it merely contains it, None when it doesn't."""
    if not wanted:
        return 0
    if name.startswith(wanted) or any(w.startswith(wanted) for w in re.split(r"[\s-]", name)):
        return 0
    return 1 if wanted in name else None
