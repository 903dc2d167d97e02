"""No import cycles: every package and module can be read, tested and moved from the bottom
up. A cycle ties its modules into one unit whatever the folders say (``make layers`` checks
the direction between packages; this checks it between modules)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set

import grimp

PACKAGES = ("tier0", "bot", "adapters", "kb", "storage")


def cycles(imports: Mapping[str, Set[str]]) -> list[list[str]]:
    """The groups of modules that import each other (directly or through one another),
    each sorted; Tarjan's strongly connected components, without recursion."""
    index: dict[str, int] = {}
    lowest: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(imports):
        if root in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(root, iter(sorted(imports[root])))]
        index[root] = lowest[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, targets = work[-1]
            target = next(iter(targets), None)
            if target is not None:
                if target not in index:
                    index[target] = lowest[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(imports.get(target, ())))))
                elif target in on_stack:
                    lowest[module] = min(lowest[module], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowest[parent] = min(lowest[parent], lowest[module])
            if lowest[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1 or module in imports.get(module, ()):
                    found.append(sorted(group))
    return sorted(found)


def project_imports() -> dict[str, set[str]]:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def test_no_module_imports_itself_back_through_others() -> None:
    found = cycles(project_imports())
    assert found == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_cycle_finder_reports_each_cycle_once_and_nothing_else() -> None:
    imports = {
        "a": {"b"},
        "b": {"c"},
        "c": {"a", "d"},
        "d": set(),
        "e": {"e"},
        "f": {"d"},
    }
    assert cycles(imports) == [["a", "b", "c"], ["e"]]
