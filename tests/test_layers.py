"""The floor plan of `portal/`, tested: every import goes down the layers, never up, and no two
packages (nor two files) import each other in a loop.

The layers, highest first (LAYERS below is the one table; README, "Project layout", draws it and
a test keeps the drawing complete):

    app             create_app and what only it uses (config, startup, errors, security)
    screens         pages, forms, commands and the JSON API: the packages that are only screens, and
                    every `views.py`, `*_views.py`, `forms.py`, `cli.py`, `*_cli.py`, `blueprint.py`
                    wherever it sits
    domain          what the company knows and decides (inventory, dsr, staff accounts, …)
    infrastructure  building blocks the domain stands on: encryption, audit, mail, webhooks, scheduler
    base            common, extensions, i18n

A module may import its own layer or any layer below. Both module-level imports and imports inside
functions count (a late import hides a loop, it does not remove it).

Run `python -m tests.test_layers` to print the figures (cycles, upward imports, circles, late imports).
"""
from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTAL = ROOT / "portal"

# Lowest first. A module's layer is the entry with the longest matching prefix, except that the
# screen modules of a package (SCREEN_MODULE_NAMES) are screens wherever they sit.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("portal.common", "portal.extensions", "portal.i18n")),
    ("infrastructure", ("portal.encryption", "portal.audit", "portal.mail", "portal.webhooks", "portal.scheduler")),
    (
        "domain",
        (
            "portal.inventory",
            "portal.dsr",
            "portal.deadlines",
            "portal.verification",
            "portal.agents",
            "portal.staff",
            "portal.retention",
            "portal.merging",
            "portal.incidents",
            "portal.campaigns",
        ),
    ),
    (
        "screens",
        (
            "portal.site",
            "portal.customer",
            "portal.casework",
            "portal.reports",
            "portal.policies",
            "portal.api",
            "portal.audit_log",
            "portal.demo",
            "portal.duplicates",
            "portal.csv_imports",
            "portal.incident_pages",
            "portal.campaign_pages",
            "portal.postal",
            "portal.intake",
            "portal.key_rotation",
        ),
    ),
    ("app", ("portal", "portal.config", "portal.startup", "portal.errors", "portal.security")),
]
LAYER_RANK = {name: rank for rank, (name, _) in enumerate(LAYERS)}
SCREEN_MODULE_NAMES = ("views", "forms", "cli", "blueprint")


def _is_screen_module(module: str) -> bool:
    last = module.rpartition(".")[2]
    return last in SCREEN_MODULE_NAMES or last.endswith(("_views", "_cli"))


def layer_of(module: str) -> str | None:
    best, best_length = None, -1
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            # `portal` itself is create_app's module, not a prefix for every package.
            below = module.startswith(prefix + ".") and prefix != "portal"
            if (module == prefix or below) and len(prefix) > best_length:
                best, best_length = name, len(prefix)
    if best is not None and LAYER_RANK[best] < LAYER_RANK["screens"] and _is_screen_module(module):
        return "screens"
    return best


def package_of(module: str) -> str:
    """The top-level package under portal/ (`portal.dsr.decisions.apply` → `portal.dsr`)."""
    return ".".join(module.split(".")[:2])


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    in_function: bool
    has_reason: bool  # a comment on the import's line or the line above it


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def portal_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PORTAL.rglob("*.py"))}


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: dict) -> list[str]:
    names: list[str] = []
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = module.split(".") if is_package else module.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join(package + ([base] if base else []))
        for alias in node.names:
            candidate = f"{base}.{alias.name}"
            names.append(candidate if candidate in known else base)
    found = []
    for name in names:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name.startswith("portal"):
            found.append(name)
    return found


def portal_imports(modules: dict[str, Path] | None = None) -> list[Import]:
    """Every import of a portal module by a portal module, at any depth of the file."""
    modules = modules or portal_modules()
    imports: list[Import] = []
    for module, path in modules.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        is_package = path.name == "__init__.py"

        def has_reason(lineno: int) -> bool:
            return "#" in lines[lineno - 1] or lines[lineno - 2].strip().startswith("#")

        def walk(node: ast.AST, in_function: bool) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    for target in _targets(child, module, is_package, modules):
                        if target != module:
                            imports.append(Import(module, target, child.lineno, in_function, has_reason(child.lineno)))
                walk(child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

        walk(ast.parse(source), False)
    return imports


def upward_imports(imports: list[Import]) -> set[tuple[str, str]]:
    return {
        (imp.source, imp.target)
        for imp in imports
        if LAYER_RANK[layer_of(imp.target)] > LAYER_RANK[layer_of(imp.source)]
    }


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components of more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph.get(node, ())):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(set(graph) | {t for targets in graph.values() for t in targets}):
        if node not in index:
            visit(node)
    return found


def package_cycles(imports: list[Import]) -> list[set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in imports:
        source, target = package_of(imp.source), package_of(imp.target)
        if source != target and source != "portal":  # create_app sits above everything
            graph[source].add(target)
    return cycles(graph)


def file_circles(imports: list[Import]) -> list[set[str]]:
    """Modules that import each other in a loop. Importing `a.b.c` also runs the `__init__` of
    `a.b` (unless the importer sits inside `a.b` already, which is then running), so those count."""
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in imports:
        if imp.source == "portal":
            continue
        graph[imp.source].add(imp.target)
        parts = imp.target.split(".")
        for depth in range(2, len(parts)):
            package = ".".join(parts[:depth])
            if not imp.source.startswith(package + "."):
                graph[imp.source].add(package)
    return cycles(graph)


def late_imports(imports: list[Import]) -> list[Import]:
    """Imports inside functions, outside create_app (whose imports are the wiring)."""
    return [imp for imp in imports if imp.in_function and imp.source != "portal"]


def test_every_module_has_a_layer():
    unplaced = [module for module in portal_modules() if layer_of(module) is None]
    assert not unplaced, f"add these to LAYERS in tests/test_layers.py: {unplaced}"


def test_no_import_goes_up_a_layer():
    upward = sorted(upward_imports(portal_imports()))
    assert not upward, "imports against the layers (import down, or move the shared thing down):\n" + "\n".join(
        f"  {source} ({layer_of(source)}) imports {target} ({layer_of(target)})" for source, target in upward
    )


def test_no_cycle_between_packages():
    found = package_cycles(portal_imports())
    assert not found, f"packages importing each other in a loop: {[sorted(c) for c in found]}"


def test_no_circle_between_files():
    found = file_circles(portal_imports())
    assert not found, f"modules importing each other in a loop: {[sorted(c) for c in found]}"


def test_an_import_inside_a_function_says_why():
    """Late imports once hid the loops above; one that remains says in a comment why it is late."""
    silent = [f"{imp.source}:{imp.line} imports {imp.target}" for imp in late_imports(portal_imports())
              if not imp.has_reason]
    assert not silent, "give these a one-line reason (or import at the top of the module):\n  " + "\n  ".join(silent)


def test_the_readme_draws_every_package_of_the_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    drawing = readme.split("### Layers", 1)[1].split("```")[1]
    missing = [prefix for _, prefixes in LAYERS for prefix in prefixes
               if prefix != "portal" and prefix.removeprefix("portal.") not in drawing]
    assert not missing, f"add these to the layer drawing in README.md (Project layout, Layers): {missing}"


def test_the_layer_test_sees_imports_inside_functions():
    found = {(imp.source, imp.target) for imp in portal_imports() if imp.in_function}
    assert ("portal", "portal.extensions") in found  # create_app imports its extensions late


def figures() -> dict[str, int]:
    imports = portal_imports()
    return {
        "package cycles": len(package_cycles(imports)),
        "packages in cycles": sum(len(c) for c in package_cycles(imports)),
        "upward imports": len(upward_imports(imports)),
        "file circles": len(file_circles(imports)),
        "in-function imports (outside create_app)": len(late_imports(imports)),
        "in-function imports without a reason comment": sum(not imp.has_reason for imp in late_imports(imports)),
    }


if __name__ == "__main__":
    imports = portal_imports()
    for name, value in figures().items():
        print(f"{name}: {value}")
    for cycle in package_cycles(imports):
        print("package cycle:", " ".join(sorted(cycle)))
    for circle in file_circles(imports):
        print("file circle:", " ".join(sorted(circle)))
    for source, target in sorted(upward_imports(imports)):
        print(f"upward: {source} ({layer_of(source)}) -> {target} ({layer_of(target)})")
    for imp in late_imports(imports):
        print(f"late: {imp.source}:{imp.line} -> {imp.target}{'' if imp.has_reason else '  (no reason given)'}")
