"""Rules: which category of message a moment calls for, from config/rules.toml.

A rule has a name, a scope (after_log, nudge or digest), a condition (`when`) over the
scope's facts (bot/facts.py), the category or categories it says, a priority (higher
wins), and either a cooldown in hours or `once` ("ever", or a fact's name: once for each
value of that fact, e.g. once per streak milestone or per goal period).

Conditions are small Python-like expressions (`kind == 'run' and week_run_count >= 3`). They
are checked when the file loads (syntax, allowed operations, known facts, a trial run on
sample facts) and evaluated by simpleeval, never by eval(). Evaluating all rules of a scope
for one moment takes a few tens of microseconds (bench/rules.py); for a batch of moments
(a fan-out of nudges), moments that agree on every fact the conditions read share one
evaluation, so a batch costs what its distinct situations cost.
"""

from __future__ import annotations

import ast
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

from simpleeval import EvalWithCompoundTypes

from bot.checks import Problem, read_toml, suggest
from bot.encouragement import Library, placeholders_for
from bot.facts import BY_NAME, Facts, Scope, names, sample

log = logging.getLogger("steady.rules")

FUNCTIONS = {"min": min, "max": max, "abs": abs, "round": round}
CONSTANTS = {"true": True, "false": False}
RULE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,59}")
RULE_KEYS = ("name", "scope", "when", "say", "priority", "cooldown_hours", "once", "about")
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


class _Evaluators(threading.local):
    """One simpleeval evaluator per thread: the core handles messages in worker threads."""

    def __init__(self) -> None:
        self.evaluator = EvalWithCompoundTypes(functions=FUNCTIONS)


@dataclass(frozen=True)
class Rulebook:
    path: Path
    rules: tuple[Rule, ...]
    streak_milestones: tuple[int, ...]
    # each scope's rules, highest priority first; ties keep the file's order
    _ordered: dict[Scope, tuple[Rule, ...]] = field(repr=False, compare=False)
    _local: _Evaluators = field(default_factory=_Evaluators, repr=False, compare=False)

    def matching(self, scope: Scope, facts: Facts) -> list[Rule]:
        """The rules whose condition holds, best first. A condition that fails to evaluate
        (a fact of an unexpected type from a caller) counts as false and is logged."""
        evaluator = self._local.evaluator
        evaluator.names = facts
        found = []
        for rule in self._ordered[scope]:
            try:
                if evaluator.eval(rule.when, previously_parsed=rule.node):
                    found.append(rule)
            except Exception as exc:  # simpleeval raises many kinds, as Python would
                log.warning("rule %s could not be evaluated: %s", rule.name, exc)
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
    for key in sorted(set(data) - {"rule", "streak_milestones"}):
        hint = suggest(key, ["rule", "streak_milestones"])
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
    rules: list[Rule] = []
    seen: set[str] = set()
    for number, table in enumerate(tables, start=1):
        rule, found = _rule(path, number, table, library)
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
    return Rulebook(path, tuple(rules), tuple(milestones), ordered), []


def _rule(
    path: Path, number: int, table: object, library: Library | None
) -> tuple[Rule | None, list[Problem]]:
    if not isinstance(table, dict):
        return None, [Problem(path, f"rule {number}", "must be a [[rule]] table")]
    name = table.get("name")
    where = f'rule "{name}"' if isinstance(name, str) and name else f"rule {number}"
    problems: list[Problem] = []

    def problem(text: str) -> None:
        problems.append(Problem(path, where, text))

    for key in sorted(set(table) - set(RULE_KEYS)):
        problem(f'unknown key "{key}"{suggest(key, RULE_KEYS)}')
    if not isinstance(name, str) or not RULE_NAME.fullmatch(name):
        problem('needs name = "lower-case-words" (letters, digits, dashes; up to 60)')
    try:
        scope = Scope(table.get("scope"))
    except ValueError:
        choices = ", ".join(s.value for s in Scope)
        problem(f'scope must be one of {choices}, not "{table.get("scope")}"')
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
    """The parsed condition, or what is wrong with it."""
    try:
        tree = ast.parse(when.strip(), mode="eval")
    except SyntaxError as exc:
        at = f" at column {exc.offset}" if exc.offset else ""
        return None, [f"bad syntax in when: {exc.msg}{at}: {when}"]
    problems = []
    known = names(scope) | set(CONSTANTS)
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED_NODES):
            problems.append(f"when uses {type(node).__name__}, which rules can't: {when}")
        elif isinstance(node, ast.Call):
            if not (isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS) or node.keywords:
                allowed = ", ".join(FUNCTIONS)
                problems.append(f"when may only call {allowed}: {when}")
        elif isinstance(node, ast.Name) and node.id not in known and node.id not in FUNCTIONS:
            if node.id in BY_NAME:
                problems.append(f'fact "{node.id}" does not exist in {scope} rules')
            else:
                problems.append(f'unknown fact "{node.id}" in when{suggest(node.id, known)}')
    if problems:
        return None, problems
    parsed = _Constants().visit(EvalWithCompoundTypes.parse(when))
    trial = EvalWithCompoundTypes(functions=FUNCTIONS, names=sample(scope))
    try:
        trial.eval(when, previously_parsed=parsed)
    except Exception as exc:  # a type mix-up such as kind > 3
        return None, [f"when fails on sample facts ({type(exc).__name__}: {exc}): {when}"]
    return parsed, []


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
