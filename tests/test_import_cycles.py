"""bot/ and adapters/ import each other without a cycle, counting every import: at the top,
inside functions and under TYPE_CHECKING (those hide a cycle; they don't remove it)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "adapters")


def modules(root: Path = ROOT) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:  # alembic's scripts, loaded by path
                continue
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def imported(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of `known` that `name` imports anywhere in its file. `from bot.x import y`
    counts as bot.x.y when that is a module, and as bot.x either way (it runs bot.x). A
    module's own package (its __init__, which Python runs first anyway) is left out."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            targets.add(base)
            targets.update(f"{base}.{alias.name}" for alias in node.names)
    found: set[str] = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if not target or target == name:
            continue
        if name.startswith(target + ".") and known[target].name == "__init__.py":
            continue
        found.add(target)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that reach each other (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    known = modules(root)
    return {name: imported(name, path, known) for name, path in known.items()}


def test_bot_and_adapters_have_no_import_cycle() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(g) for g in found)


def test_the_leaf_context_imports_only_the_seam_values_settings_clock_and_storage() -> None:
    allowed = {"bot", "bot.interface", "bot.domain", "bot.settings", "bot.clock"}
    graph = import_graph()
    outside = {
        m
        for m in graph["bot.context"]
        if m not in allowed and not m.startswith(("bot.storage", "bot.i18n"))
    }
    assert not outside, f"bot/context.py must stay a leaf; it imports {sorted(outside)}"


def test_the_languages_the_leaf_uses_are_leaves_too() -> None:
    """bot/context.py may import bot/i18n/ only because what it takes from there imports
    nothing of bot/ but plain values and the unit arithmetic."""
    allowed = {"bot", "bot.domain", "bot.reading", "bot.reading.units"}
    graph = import_graph()
    for module in sorted(m for m in graph["bot.context"] if m.startswith("bot.i18n")):
        outside = {m for m in graph[module] if m not in allowed and not m.startswith("bot.i18n")}
        assert not outside, f"{module} must stay a leaf; it imports {sorted(outside)}"


@pytest.mark.parametrize(
    ("files", "cycle"),
    [
        (
            {
                "bot/__init__.py": "",
                "bot/a.py": "def f():\n    from bot.b import g\n",
                "bot/b.py": "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from bot import a\n",
                "bot/c.py": "import bot.a\n",
                "adapters/__init__.py": "",
            },
            ["bot.a", "bot.b"],
        ),
        (
            {
                "bot/__init__.py": "",
                "bot/p/__init__.py": "",
                "bot/p/x.py": "from . import y\n",
                "bot/p/y.py": "from bot.p.x import thing\n",
                "adapters/__init__.py": "",
            },
            ["bot.p.x", "bot.p.y"],
        ),
    ],
)
def test_the_check_finds_cycles_hidden_in_functions_and_type_checking(
    tmp_path: Path, files: dict[str, str], cycle: list[str]
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cycles(import_graph(tmp_path)) == [cycle]
