"""Modules and functions small enough to read in one sitting: no module over 400 lines and
no function over 60, in every package of the product and in the benchmarks.

Two kinds of code are long by nature and read as lists, not as logic, so they are left out:

- migrations (``storage/migrations/``): one schema change each, as Alembic writes them;
- declarative tables: a module-level assignment whose value is a literal dict, list, tuple
  or set (``COMMANDS = {...}``). Its lines do not count towards its module's length. A table
  built inside a function, or by a call, is code like any other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tier0", "bot", "adapters", "kb", "storage", "bench")
EXEMPT = ("storage/migrations/",)
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
_LITERALS = (ast.Dict, ast.List, ast.Tuple, ast.Set)


def module_lines(tree: ast.Module, total: int) -> int:
    """``total`` lines less those of the module's declarative tables."""
    tables = (
        node
        for node in tree.body
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, _LITERALS)
    )
    return total - sum(_span(node) for node in tables)


def long_functions(tree: ast.Module) -> Iterator[tuple[str, int]]:
    """Each function (method, nested function) over the limit, with its length from its
    ``def`` line to its last line."""
    for node in ast.walk(tree):
        is_function = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        if is_function and _span(node) > MAX_FUNCTION_LINES:
            yield f"{node.name} (line {node.lineno})", _span(node)


def oversized(path: Path) -> list[str]:
    """What is too long in the module at ``path``, one line each."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    found = [f"{name}: {n} lines" for name, n in long_functions(tree)]
    lines = module_lines(tree, len(source.splitlines()))
    if lines > MAX_MODULE_LINES:
        found.insert(0, f"module: {lines} lines")
    return found


def _span(node: ast.stmt) -> int:
    assert node.end_lineno is not None
    return node.end_lineno - node.lineno + 1


def _modules() -> list[str]:
    paths = (p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py")))
    relative = (p.relative_to(ROOT).as_posix() for p in paths)
    return [p for p in relative if not p.startswith(EXEMPT)]


@pytest.mark.parametrize("module", _modules())
def test_module_and_its_functions_are_short(module: str) -> None:
    assert oversized(ROOT / module) == []


def test_a_declarative_table_does_not_count_but_a_long_function_does(tmp_path: Path) -> None:
    table = "TABLE = {\n" + "".join(f"    {n}: {n},\n" for n in range(450)) + "}\n"
    function = "def f() -> None:\n" + "    pass\n" * 61
    path = tmp_path / "module.py"
    path.write_text(table + function, encoding="utf-8")
    assert oversized(path) == ["f (line 453): 62 lines"]


def test_a_table_built_by_code_counts(tmp_path: Path) -> None:
    path = tmp_path / "module.py"
    path.write_text("TABLE = dict(\n" + "    a=1,\n" * 400 + ")\n", encoding="utf-8")
    assert oversized(path) == ["module: 402 lines"]
