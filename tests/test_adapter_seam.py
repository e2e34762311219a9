"""Adapters reach the database and the outbox only through the core's port
(`bot.interface.CorePort`): none imports bot.storage or bot.delivery, or opens the core's
database itself."""

from __future__ import annotations

from pathlib import Path

from tests.test_import_cycles import ROOT, import_graph

FORBIDDEN = ("bot.storage", "bot.delivery")


def test_no_adapter_imports_storage_or_the_outbox() -> None:
    graph = import_graph()
    found = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module.startswith("adapters")
        for target in targets
        if any(target == f or target.startswith(f + ".") for f in FORBIDDEN)
    )
    assert not found, "adapters must go through the core's port: " + "; ".join(found)


def test_no_adapter_opens_the_core_database() -> None:
    found = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "adapters").rglob("*.py")
        if "services.db" in path.read_text()
    ]
    assert not found, f"adapters reach the database through the core's port: {found}"


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    (tmp_path / "bot" / "storage").mkdir(parents=True)
    (tmp_path / "adapters").mkdir()
    for name in ("bot/__init__.py", "bot/storage/__init__.py", "adapters/__init__.py"):
        (tmp_path / name).write_text("")
    (tmp_path / "bot/storage/db.py").write_text("")
    (tmp_path / "adapters/sneaky.py").write_text("def f():\n    from bot.storage import db\n")
    assert "bot.storage.db" in import_graph(tmp_path)["adapters.sneaky"]
