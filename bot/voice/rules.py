"""Rules: which category of message a moment calls for, from config/rules.toml.

A rule has a name, a scope (after_log, nudge or digest), a condition (`when`) over the
scope's facts (bot/voice/facts.py), the category or categories it says, a priority (higher
wins), and either a cooldown in hours or `once` ("ever", or a fact's name: once for each
value of that fact, e.g. once per streak milestone or per goal period).

Conditions are small Python-like expressions (`kind == 'run' and week_run_count >= 3`). They
are checked when the file loads (syntax, allowed operations, known facts, trial runs) and
evaluated by simpleeval, never by eval(). Evaluating all rules of a scope for one moment
takes a few tens of microseconds (bench/rules.py); for a batch of moments (a fan-out of
nudges), moments that agree on every fact the conditions read share one evaluation, so a
batch costs what its distinct situations cost.

A condition is safe by construction, because a rule that hangs would hang the core for
everyone, and no timer can interrupt Python that holds the interpreter:
- its text is at most MAX_WHEN_CHARS long, with brackets at most MAX_BRACKETS deep, before
  it is parsed (Python's parser recurses; what it raises on deep input is caught too);
- its tree has at most MAX_NODES nodes, at most MAX_DEPTH deep (simpleeval recurses);
- it may only compare, combine with and/or/not and if-else, do arithmetic on numbers, test
  `in` against text or a literal list, and call min, max, abs and round (with at most
  ROUND_DIGITS digits either way). No power, no attributes, no indexing, no
  comprehensions, no repeating or joining text or lists. What the text shows is refused by
  the check; the evaluator's operators and functions are guarded copies (`_Evaluator`) that
  refuse the rest as they run.
So an evaluation is at most MAX_NODES operations on numbers of a few hundred digits or on
the facts' own text: microseconds. A time budget per rule backs this up (`_Evaluator`).

The check evaluates every rule against the sample facts, all-zero facts and large facts,
each with every kind a person's moment can be about, so a rule that fails only for some
kind, or divides by a fact that can be zero, is reported. No fact is ever None (bot/voice/facts.py
fills zero values), so None is not among the values tried.
"""

from __future__ import annotations

import ast
import logging
import math
import operator
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from simpleeval import EvalWithCompoundTypes

from bot.domain import Kind
from bot.voice.checks import Problem, read_toml, suggest
from bot.voice.encouragement import NO_REPEAT_DAYS, Library, placeholders_for
from bot.voice.facts import BY_NAME, Facts, Scope, names, sample

log = logging.getLogger("steady.rules")

FUNCTIONS = ("min", "max", "abs", "round")
CONSTANTS = {"true": True, "false": False}
RULE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
RULE_KEYS = ("name", "scope", "when", "say", "priority", "cooldown_hours", "once", "about")
MAX_WHEN_CHARS = 500
MAX_BRACKETS = 8
MAX_DEPTH = 20  # of the tree, counting operator and context nodes
MAX_NODES = 200
ROUND_DIGITS = 6  # round(x, n) with -6 <= n <= 6: 10**n stays small
EVAL_BUDGET_S = 0.05  # per rule; a shipped rule takes a few microseconds
ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.IfExp,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Tuple,
    ast.List,
    ast.Call,
)
CONSTANT_TYPES = (bool, int, float, str, type(None))
NUMBERS = (int, float)  # not bool: arithmetic on true/false is a mistake in a rule
_wall = time.perf_counter  # the budget's clocks (module names, so tests can stand in)
_cpu = time.thread_time  # this thread's CPU time


@dataclass(frozen=True)
class Rule:
    name: str
    scope: Scope
    when: str
    say: tuple[str, ...]
    priority: int = 0
    cooldown_hours: float = 0.0
    once: str | None = None  # "ever", or the fact whose value keys "once"
    about: str = ""
    node: Any = field(default=None, compare=False, repr=False)  # parsed `when`

    @property
    def limited(self) -> bool:
        """Whether it needs memory of earlier firings to decide if it may speak."""
        return self.once is not None or self.cooldown_hours > 0

    def once_key(self, facts: Mapping[str, object]) -> str:
        """What a firing is remembered under: '' for a cooldown, 'ever', or the fact's value."""
        if self.once is None:
            return ""
        return "ever" if self.once == "ever" else str(facts[self.once])[:100]

    def may_speak(self, last_fired: datetime | None, now: datetime) -> bool:
        if last_fired is None:
            return True
        if self.once is not None:
            return False
        return now - last_fired >= timedelta(hours=self.cooldown_hours)


class OverBudget(Exception):
    """A rule's evaluation ran past its time budget."""


def _what(value: object) -> str:
    """A value's type in a rule writer's words (never the value: it may be a person's)."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, NUMBERS):
        return "a number"
    return {str: "text", list: "a list", tuple: "a list", type(None): "None"}.get(
        type(value), type(value).__name__
    )


def _numbers(what: str, values: Sequence[object]) -> None:
    for value in values:
        if type(value) not in NUMBERS:
            raise TypeError(f"{what} takes numbers, not {_what(value)}")


class _Evaluator:
    """A simpleeval evaluator that knows only the rules' operators and functions, each a
    guarded copy given through simpleeval's public options (`operators=`, `functions=`),
    with a time budget per rule.

    The guards are the real safety: arithmetic takes numbers only (no text or list is ever
    repeated or joined, and `%` never formats text), `in` looks only into text or a literal
    list, round takes at most ROUND_DIGITS digits, min and max two numbers or more.

    The budget is a backstop. One thread cannot stop Python code running in another, so the
    evaluation watches the clock itself: every guarded operation, and the end of each rule,
    checks it, and a rule past its budget raises OverBudget and counts as not matching. A
    single slow operation can't be cut short this way, which is why the static limits must
    keep every operation small. The wall clock is cheap to read (~0.1 µs) but keeps running
    while the thread waits for the interpreter lock or a CPU, so an overrun on it counts
    only when the thread's own CPU time agrees. That clock costs a system call (~0.7 µs),
    so it is read once per moment and again only on an overrun: a rule may be charged for
    the CPU of the rules before it in the same moment, which errs only after real work. A
    garbage collection during an evaluation is CPU time too; hence a budget thousands of
    times a rule's usual cost (EVAL_BUDGET_S).
    """

    def __init__(self) -> None:
        self.budget_s = EVAL_BUDGET_S
        self.deadline = math.inf
        self.cpu_start = 0.0
        functions: dict[str, Callable[..., object]] = {
            "min": self._min,
            "max": self._max,
            "abs": self._abs,
            "round": self._round,
        }
        self.simple = EvalWithCompoundTypes(operators=self._operators(), functions=functions)
        # EvalWithCompoundTypes adds list, tuple, dict and set to the functions it is given
        self.simple.functions = {name: functions[name] for name in FUNCTIONS}

    def begin(self, facts: Mapping[str, object], budget_s: float) -> None:
        """Start a moment: the facts its rules read, and each rule's budget."""
        self.simple.names = facts
        self.budget_s = budget_s
        self.cpu_start = _cpu()

    def holds(self, when: str, node: ast.AST) -> bool:
        """Whether the condition holds for the moment's facts; OverBudget if it ran too long."""
        self.deadline = _wall() + self.budget_s
        value = self.simple.eval(when, previously_parsed=node)
        self._tick()
        return bool(value)

    def _tick(self) -> None:
        if _wall() >= self.deadline and _cpu() - self.cpu_start >= self.budget_s:
            raise OverBudget

    def _operators(self) -> dict[type, Callable[..., object]]:
        binary = {
            ast.Add: ("+", operator.add),
            ast.Sub: ("-", operator.sub),
            ast.Mult: ("*", operator.mul),
            ast.Div: ("/", operator.truediv),
            ast.FloorDiv: ("//", operator.floordiv),
            ast.Mod: ("%", operator.mod),
        }
        unary: dict[type, tuple[str, Callable[[Any], object]]] = {
            ast.USub: ("-", operator.neg),
            ast.UAdd: ("+", operator.pos),
        }
        found: dict[type, Callable[..., object]] = {
            node: self._arithmetic(symbol, apply) for node, (symbol, apply) in binary.items()
        }
        found |= {node: self._sign(symbol, apply) for node, (symbol, apply) in unary.items()}
        return found | {
            ast.Not: operator.not_,
            ast.Eq: operator.eq,
            ast.NotEq: operator.ne,
            ast.Lt: operator.lt,
            ast.LtE: operator.le,
            ast.Gt: operator.gt,
            ast.GtE: operator.ge,
            ast.In: self._in,
            ast.NotIn: lambda item, container: not self._in(item, container),
        }

    def _arithmetic(
        self, symbol: str, apply: Callable[[Any, Any], object]
    ) -> Callable[[object, object], object]:
        def guarded(left: object, right: object) -> object:
            self._tick()
            if type(left) not in NUMBERS or type(right) not in NUMBERS:
                raise TypeError(f"{symbol} takes numbers, not {_what(left)} and {_what(right)}")
            return apply(left, right)

        return guarded

    def _sign(self, symbol: str, apply: Callable[[Any], object]) -> Callable[[object], object]:
        def guarded(value: object) -> object:
            self._tick()
            _numbers(symbol, (value,))
            return apply(value)

        return guarded

    def _in(self, item: object, container: object) -> bool:
        self._tick()
        if not isinstance(container, str | list | tuple):
            raise TypeError(f"in looks into text or a list, not {_what(container)}")
        return item in container

    def _min(self, *values: object) -> object:
        return self._extreme("min", min, values)

    def _max(self, *values: object) -> object:
        return self._extreme("max", max, values)

    def _extreme(self, what: str, pick: Callable[..., object], values: Sequence[object]) -> object:
        self._tick()
        if len(values) < 2:
            raise TypeError(f"{what} takes two numbers or more")
        _numbers(what, values)
        return pick(values)

    def _abs(self, value: object) -> object:
        self._tick()
        _numbers("abs", (value,))
        return abs(value)  # type: ignore[arg-type]  # _numbers checked it

    def _round(self, value: object, digits: object = None) -> object:
        self._tick()
        _numbers("round", (value,))
        if digits is None:
            return round(value)  # type: ignore[call-overload]  # _numbers checked it
        if type(digits) is not int or abs(digits) > ROUND_DIGITS:
            raise ValueError(
                f"round takes a whole number of digits from -{ROUND_DIGITS} to {ROUND_DIGITS}"
            )
        return round(value, digits)  # type: ignore[call-overload]  # both checked above


class _Evaluators(threading.local):
    """One evaluator per thread: the core handles messages in worker threads."""

    def __init__(self) -> None:
        self.evaluator = _Evaluator()


@dataclass(frozen=True)
class DailyCap:
    """Generic lines (for no moment in particular) a person hears in a local day, counted
    together over `categories`. A log past it gets its plain reply; a nudge is a moment and
    still speaks, but its line counts."""

    categories: frozenset[str]
    per_day: int


CAP_KEYS = ("categories", "per_day")
MAX_PER_DAY = 50


@dataclass(frozen=True)
class Rulebook:
    path: Path
    rules: tuple[Rule, ...]
    streak_milestones: tuple[int, ...]
    daily_cap: DailyCap | None = field(default=None, kw_only=True)
    # each scope's rules, highest priority first; ties keep the file's order
    _ordered: dict[Scope, tuple[Rule, ...]] = field(repr=False, compare=False)
    _local: _Evaluators = field(default_factory=_Evaluators, repr=False, compare=False)
    budget_s: float = field(default=EVAL_BUDGET_S, compare=False)  # each rule's, each moment

    def matching(self, scope: Scope, facts: Facts) -> list[Rule]:
        """The rules whose condition holds, best first. A condition that fails to evaluate
        (a fact of an unexpected type from a caller) or runs past its budget counts as
        false, and is logged by the rule's name only: the facts are a person's."""
        evaluator = self._local.evaluator
        evaluator.begin(facts, self.budget_s)
        found = []
        for rule in self._ordered[scope]:
            try:
                if evaluator.holds(rule.when, rule.node):
                    found.append(rule)
            except OverBudget:
                log.warning(
                    "rule %s ran past its %g ms budget and counts as not matching",
                    rule.name,
                    self.budget_s * 1000,
                )
            except Exception as exc:  # simpleeval raises many kinds, as Python would
                log.warning(
                    "rule %s could not be evaluated (%s) and counts as not matching",
                    rule.name,
                    type(exc).__name__,
                )
        return found

    def matching_many(self, scope: Scope, moments: Sequence[Facts]) -> list[tuple[Rule, ...]]:
        """`matching` for each moment. A condition is a pure function of the facts it names,
        so moments that agree on all of them (in a fan-out most do) share one evaluation,
        and one tuple: don't change it."""
        names = self.reads[scope]
        seen: dict[tuple[object, ...], tuple[Rule, ...]] = {}
        found = []
        for facts in moments:
            key = tuple([facts.get(name) for name in names])
            try:
                rules = seen.get(key)
            except TypeError:  # an unhashable value from a caller: evaluate it alone
                rules = tuple(self.matching(scope, facts))
            else:
                if rules is None:
                    rules = seen[key] = tuple(self.matching(scope, facts))
            found.append(rules)
        return found

    @cached_property
    def reads(self) -> dict[Scope, tuple[str, ...]]:
        """The facts each scope's conditions name."""
        return {
            scope: tuple(
                sorted(
                    {
                        node.id
                        for rule in rules
                        for node in ast.walk(rule.node)
                        if isinstance(node, ast.Name) and node.id not in FUNCTIONS
                    }
                )
            )
            for scope, rules in self._ordered.items()
        }


def load_rulebook(path: Path, library: Library | None) -> tuple[Rulebook | None, list[Problem]]:
    """Read and check a rules file. Categories and placeholders are checked against
    `library`; without one (it is broken itself) only the rules' own shape is checked."""
    data, problems = read_toml(path)
    if data is None:
        return None, problems
    top = ["rule", "streak_milestones", "daily_cap"]
    for key in sorted(set(data) - set(top)):
        hint = suggest(key, top)
        problems.append(Problem(path, "", f'unknown top-level key "{key}"{hint}'))
    milestones = data.get("streak_milestones", [])
    if not (
        isinstance(milestones, list)
        and all(isinstance(m, int) and m > 0 for m in milestones)
        and milestones == sorted(set(milestones))
    ):
        problems.append(
            Problem(path, "", "streak_milestones must be rising whole numbers, e.g. [3, 7, 14]")
        )
        milestones = []
    tables = data.get("rule", [])
    if not isinstance(tables, list) or not tables:
        problems.append(Problem(path, "", "no rules: add [[rule]] tables"))
        tables = []
    cap, found = _daily_cap(path, data.get("daily_cap"), library)
    problems += found
    rules: list[Rule] = []
    seen: set[str] = set()
    for number, table in enumerate(tables, start=1):
        try:
            rule, found = _rule(path, number, table, library)
        except (RecursionError, MemoryError) as exc:  # a safety net: the limits come first
            problem = f"could not be checked ({type(exc).__name__}): make it smaller"
            rule, found = None, [Problem(path, f"rule {number}", problem)]
        problems += found
        if rule is None:
            continue
        if rule.name in seen:
            problems.append(Problem(path, f'rule "{rule.name}"', "this name is used twice"))
        seen.add(rule.name)
        rules.append(rule)
    if problems:
        return None, problems
    ordered = {
        scope: tuple(sorted((r for r in rules if r.scope == scope), key=lambda r: -r.priority))
        for scope in Scope
    }
    return Rulebook(path, tuple(rules), tuple(milestones), ordered, daily_cap=cap), []


def _daily_cap(
    path: Path, table: object, library: Library | None
) -> tuple[DailyCap | None, list[Problem]]:
    """`[daily_cap]`: known categories, a whole number above 0 a day, and enough messages
    in each category that none need come back within a week at the cap."""
    if table is None:
        return None, []
    where, example = "daily_cap", 'e.g. categories = ["patience", "consistency"], per_day = 3'
    if not isinstance(table, dict):
        return None, [Problem(path, where, f"must be a table: [daily_cap] with {example}")]
    problems = [
        Problem(path, where, f'unknown key "{key}"{suggest(key, CAP_KEYS)}')
        for key in sorted(set(table) - set(CAP_KEYS))
    ]
    per_day = table.get("per_day")
    if isinstance(per_day, bool) or not isinstance(per_day, int) or not 0 < per_day <= MAX_PER_DAY:
        problems.append(
            Problem(
                path, where, f"per_day must be a whole number from 1 to {MAX_PER_DAY}: {example}"
            )
        )
        per_day = None
    categories = table.get("categories")
    if (
        not isinstance(categories, list)
        or not categories
        or not all(isinstance(c, str) for c in categories)
    ):
        problems.append(Problem(path, where, f"categories must be a list of names: {example}"))
        categories = []
    if len(set(categories)) != len(categories):
        problems.append(Problem(path, where, "a category is listed twice"))
    known = library.categories if library is not None else {}
    for category in categories if library is not None else ():
        messages = known.get(category)
        if messages is None:
            hint = suggest(category, known)
            problems.append(Problem(path, where, f'unknown category "{category}"{hint}'))
        elif per_day is not None and len(messages) < NO_REPEAT_DAYS * per_day:
            problems.append(
                Problem(
                    path,
                    where,
                    f'"{category}" has {len(messages)} messages; at {per_day} a day it needs '
                    f"{NO_REPEAT_DAYS * per_day} so that none comes back within "
                    f"{NO_REPEAT_DAYS} days",
                )
            )
    if problems or per_day is None:
        return None, problems
    return DailyCap(frozenset(categories), per_day), []


def _rule(
    path: Path, number: int, table: object, library: Library | None
) -> tuple[Rule | None, list[Problem]]:
    if not isinstance(table, dict):
        return None, [Problem(path, f"rule {number}", "must be a [[rule]] table")]
    name = table.get("name")
    where = f'rule "{_shown(name[:60])}"' if isinstance(name, str) and name else f"rule {number}"
    problems: list[Problem] = []

    def problem(text: str) -> None:
        problems.append(Problem(path, where, text))

    for key in sorted(set(table) - set(RULE_KEYS)):
        problem(f'unknown key "{key}"{suggest(key, RULE_KEYS)}')
    if not isinstance(name, str) or not RULE_NAME.fullmatch(name):
        problem('needs name = "lower-case-words" (letters, digits, dashes; up to 60)')
    try:
        given = table.get("scope")
        scope = Scope(given if isinstance(given, str) else "")  # "" is no scope either
    except ValueError:
        choices = ", ".join(s.value for s in Scope)
        problem(f'scope must be one of {choices}, not "{_shown(str(table.get("scope"))[:60])}"')
        return None, problems
    say = table.get("say")
    if isinstance(say, str):
        say = [say]
    if not isinstance(say, list) or not say or not all(isinstance(c, str) for c in say):
        problem('say must name a category, or a list of them: say = "patience"')
        say = []
    priority = table.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool):
        problem("priority must be a whole number (higher wins)")
    cooldown = table.get("cooldown_hours", 0)
    if not isinstance(cooldown, int | float) or isinstance(cooldown, bool) or cooldown < 0:
        problem("cooldown_hours must be a number of hours, 0 or more")
        cooldown = 0
    once = table.get("once")
    facts = names(scope)
    if once is not None:
        if not isinstance(once, str) or (once != "ever" and once not in facts):
            problem(f'once must be "ever" or a {scope} fact{suggest(str(once), facts)}')
        elif cooldown:
            problem("a rule speaks once or has a cooldown, not both")
    when = table.get("when")
    node = None
    if not isinstance(when, str) or not when.strip():
        problem('needs a condition: when = "kind == \'run\'" (or "true" for always)')
    else:
        node, found = _condition(when, scope)
        problems += [Problem(path, where, text) for text in found]
    if library is not None:
        problems += _said(path, where, scope, say, library)
    if problems:
        return None, problems
    assert isinstance(name, str) and isinstance(when, str)  # else a problem was found above
    rule = Rule(
        name=name,
        scope=scope,
        when=when,
        say=tuple(say),
        priority=priority,
        cooldown_hours=float(cooldown),
        once=once,
        about=str(table.get("about", "")),
        node=node,
    )
    return rule, []


def _condition(when: str, scope: Scope) -> tuple[Any, list[str]]:
    """The parsed condition, or what is wrong with it (each problem once). The text's size
    is checked before it is parsed, the tree's before anything recursive walks it."""
    text = when.strip()
    shown = _shown(text)
    if len(text) > MAX_WHEN_CHARS:
        return None, [f"when is {len(text)} characters; keep it to {MAX_WHEN_CHARS}: {shown}"]
    if (deepest := _brackets(text)) > MAX_BRACKETS:
        return None, [f"when nests brackets {deepest} deep; keep it to {MAX_BRACKETS}: {shown}"]
    tree, problem = _parse(text)
    if tree is None:
        return None, [f"{problem}: {shown}"]
    count, depth = _size(tree)
    if depth > MAX_DEPTH:
        return None, [f"when nests {depth} levels deep; keep it to {MAX_DEPTH}: {shown}"]
    if count > MAX_NODES:
        return None, [f"when has {count} parts; keep it to {MAX_NODES}: {shown}"]
    problems = list(dict.fromkeys(_refusals(tree, scope, shown)))
    if problems:
        return None, problems
    node = _Constants().visit(tree).body
    if (failure := _trial(text, node, scope)) is not None:
        return None, [f"{failure}: {shown}"]
    return node, []


def _shown(text: str) -> str:
    """The condition as a problem line shows it: control characters escaped, and cut short
    when too long to be a condition at all."""
    if len(text) > MAX_WHEN_CHARS:
        text = text[:60] + "…"
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _brackets(text: str) -> int:
    """How deep brackets nest outside quoted text, found by scanning: the parser recurses."""
    depth = deepest = 0
    quote, escaped = "", False
    for char in text:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth -= 1
    return deepest


def _parse(text: str) -> tuple[ast.Expression | None, str]:
    """The tree, or why there is none. On hostile input Python's parser raises more than
    SyntaxError: RecursionError or MemoryError when nested deep, ValueError for a NUL."""
    try:
        return ast.parse(text, mode="eval"), ""
    except SyntaxError as exc:
        at = f" at column {exc.offset}" if exc.offset else ""
        return None, f"bad syntax in when: {exc.msg}{at}"
    except (RecursionError, MemoryError):
        return None, "when is nested too deeply to read"
    except ValueError as exc:
        return None, f"bad syntax in when: {exc}"


def _size(tree: ast.AST) -> tuple[int, int]:
    """The tree's node count and depth, walked without recursion (its text is short)."""
    count = deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        deepest = max(deepest, depth)
        stack += [(child, depth + 1) for child in ast.iter_child_nodes(node)]
    return count, deepest


ARITHMETIC = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.USub: "-",
    ast.UAdd: "+",
}
NOT_NUMBERS = {str: "text", list: "a list", bool: "true/false", type(None): "None"}
REPEATING = " (rules don't repeat or join text or lists)"


def _refusals(tree: ast.Expression, scope: Scope, text: str) -> Iterator[str]:
    """What the condition does that rules can't, as far as its text shows; the evaluator's
    guards refuse the rest when the check tries it."""
    known = names(scope) | set(CONSTANTS)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    listed = {
        id(right)
        for n in ast.walk(tree)
        if isinstance(n, ast.Compare)
        for op, right in zip(n.ops, n.comparators, strict=True)
        if isinstance(op, ast.In | ast.NotIn)
    }
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED_NODES):
            yield f"when uses {type(node).__name__}, which rules can't: {text}"
        elif isinstance(node, ast.Call):
            yield from _call_refusals(node, text)
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                if id(node) not in called:
                    yield f"{node.id} is a function: call it, as in {node.id}(a, b): {text}"
            elif node.id not in known:
                if node.id in BY_NAME:
                    yield f'fact "{node.id}" does not exist in {scope} rules'
                else:
                    yield f'unknown fact "{node.id}" in when{suggest(node.id, known)}'
        elif isinstance(node, ast.Constant) and not isinstance(node.value, CONSTANT_TYPES):
            yield f"when may only use text, numbers, true and false as values: {text}"
        elif isinstance(node, ast.List | ast.Tuple):
            if id(node) not in listed:
                yield f"a list may only follow in, as in kind in ('run', 'water'): {text}"
            elif not all(isinstance(e, ast.Constant | ast.Name) for e in node.elts):
                yield f"a list after in may only hold values and facts: {text}"
        elif isinstance(node, ast.BinOp | ast.UnaryOp) and type(node.op) in ARITHMETIC:
            sides = (node.left, node.right) if isinstance(node, ast.BinOp) else (node.operand,)
            for side in sides:
                if (kind := _static_type(side)) in NOT_NUMBERS:
                    symbol = ARITHMETIC[type(node.op)]
                    why = "" if kind in (bool, type(None)) else REPEATING
                    yield f"{symbol} works on numbers only, not on {NOT_NUMBERS[kind]}{why}: {text}"


def _call_refusals(node: ast.Call, text: str) -> Iterator[str]:
    if not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS) or node.keywords:
        yield f"when may only call {', '.join(FUNCTIONS)}, without keywords: {text}"
        return
    name, count = node.func.id, len(node.args)
    if name in ("min", "max") and count < 2:
        yield f"{name} takes two numbers or more, as in {name}(a, b): {text}"
    elif name == "abs" and count != 1:
        yield f"abs takes one number: {text}"
    elif name == "round":
        if count not in (1, 2):
            yield f"round takes a number and its digits, as in round(amount, 1): {text}"
        elif count == 2 and not _small_digits(_literal(node.args[1])):
            yield (
                f"round takes a whole number of digits from -{ROUND_DIGITS} to "
                f"{ROUND_DIGITS}, as in round(amount, 1): {text}"
            )


def _small_digits(digits: object) -> bool:
    """Whether round's literal digits are allowed; None (not written as a literal) is
    checked when evaluated instead."""
    return digits is None or (type(digits) is int and abs(digits) <= ROUND_DIGITS)


def _literal(node: ast.AST) -> object | None:
    """A constant written in the text (a sign included), or None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _literal(node.operand)
        if isinstance(value, int | float) and type(value) in NUMBERS:  # bool is no number
            return -value if isinstance(node.op, ast.USub) else value
        return None
    return node.value if isinstance(node, ast.Constant) else None


def _static_type(node: ast.AST) -> type | None:
    """What a node evaluates to, where the text tells (a fact by its sample), else None."""
    if isinstance(node, ast.Constant):
        return type(node.value)
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return bool
        fact = BY_NAME.get(node.id)
        return type(fact.sample) if fact is not None else None
    if isinstance(node, ast.List | ast.Tuple):
        return list
    if isinstance(node, ast.Compare) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
    ):
        return bool
    if isinstance(node, ast.BinOp | ast.UnaryOp | ast.Call):
        return float
    if isinstance(node, ast.IfExp):
        body = _static_type(node.body)
        return body if body == _static_type(node.orelse) else None
    return None


def _trial_facts(scope: Scope) -> Iterator[tuple[str, Facts]]:
    """What a condition is tried on at check time: the sample facts, every fact at its zero
    value (0, '' and false, as when nothing has been logged or no goal is set) and at a large
    value, each with every kind the moment can be about."""
    samples = sample(scope)
    sets = {
        "sample facts": samples,
        "zero facts (0, '' and false)": {n: _edge(v, large=False) for n, v in samples.items()},
        "large facts": {n: _edge(v, large=True) for n, v in samples.items()},
    }
    for label, values in sets.items():
        if "kind" not in samples:  # a group's digest is about no kind
            yield label, values
            continue
        for kind in sorted((k.value for k in Kind), key=lambda k: k != samples["kind"]):
            if values is samples and kind == samples["kind"]:
                yield label, values
            else:
                yield f"{label} with kind '{kind}'", {**values, "kind": kind}


def _edge(value: object, *, large: bool) -> object:
    if isinstance(value, bool):
        return large
    if isinstance(value, int):
        return 10**9 if large else 0
    if isinstance(value, float):
        return 1e12 if large else 0.0
    if isinstance(value, str):
        return "x" * 100 if large else ""
    return value


def _trial(text: str, node: ast.AST, scope: Scope) -> str | None:
    """Why the condition can't be evaluated on some facts its scope can meet, or None."""
    evaluator = _Evaluator()
    for label, facts in _trial_facts(scope):
        evaluator.begin(facts, EVAL_BUDGET_S)
        try:
            evaluator.holds(text, node)
        except OverBudget:
            return f"when takes over {EVAL_BUDGET_S * 1000:g} ms on {label}"
        except Exception as exc:  # a type mix-up such as kind > 3, or a division by zero
            return f"when fails on {label} ({type(exc).__name__}: {str(exc)[:200]})"
    return None


class _Constants(ast.NodeTransformer):
    """Lets conditions say true and false, as TOML does."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in CONSTANTS:
            return ast.copy_location(ast.Constant(CONSTANTS[node.id]), node)
        return node


def _said(path: Path, where: str, scope: Scope, say: list[str], library: Library) -> list[Problem]:
    """Each category said must exist, and its messages must only use placeholders that the
    rule's scope fills."""
    problems = []
    available = placeholders_for(scope)
    for category in say:
        messages = library.categories.get(category)
        if messages is None:
            hint = suggest(category, library.categories)
            problems.append(Problem(path, where, f'unknown category "{category}"{hint}'))
            continue
        for number, message in enumerate(messages, start=1):
            for placeholder in message.fields:
                if placeholder not in available:
                    problems.append(
                        Problem(
                            path,
                            where,
                            f'says "{category}", whose message {number} uses {{{placeholder}}}, '
                            f"which {scope} rules don't fill",
                        )
                    )
    return problems
