"""Every import points down the layers, and no modules import each other in a circle.

The layers, top to bottom (docs/architecture.md):

    site (console)  >  alerts  >  failedtasks  >  identity  >  tenancy  >  lib

A module may import its own layer and the layers below it. The site imports only
itself and lib: the apps it serves it names in include() and settings strings.
Imports are read with ast from the source of every module, those inside functions
included, so a deferred import cannot hide an upward one.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("console", "failedtasks")

# (module prefix, layer), most specific first; a higher number is a higher layer.
LAYERS = (
    ("console.lib", 0),
    ("console.tenancy", 1),
    ("console.identity", 2),
    ("failedtasks.alerts", 4),
    ("failedtasks", 3),
    ("console", 5),
)
LAYER_NAMES = {0: "lib", 1: "tenancy", 2: "identity", 3: "failedtasks", 4: "alerts", 5: "site"}
SITE = 5


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module
    path: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def layer_of(module: str) -> int | None:
    for prefix, layer in LAYERS:
        if module == prefix or module.startswith(prefix + "."):
            return layer
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def imports_in(source_module: str, path: Path, text: str, known: set[str]) -> list[Import]:
    """The first-party modules that `text` imports, wherever in the module the import is."""
    is_package = path.name == "__init__.py"
    found = []
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the importing module's package
                package = source_module.split(".")
                if not is_package:
                    package = package[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join(package + ([base] if base else []))
            # `from a import b` imports the module a.b when there is one, else names in a.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in PACKAGES:
                found.append(Import(source_module, target, path, node.lineno))
    return found


def all_imports() -> list[Import]:
    modules = project_modules()
    known = set(modules)
    found = []
    for module, path in modules.items():
        found.extend(imports_in(module, path, path.read_text(), known))
    return found


def upward(imports: list[Import]) -> list[str]:
    problems = []
    for imp in imports:
        source, target = layer_of(imp.source), layer_of(imp.target)
        if source is None or target is None:
            continue
        if target > source:
            problems.append(
                f"{imp.where}: {imp.source} ({LAYER_NAMES[source]}) imports {imp.target} "
                f"({LAYER_NAMES[target]}), a higher layer"
            )
        elif source == SITE and target not in (SITE, 0) and ".migrations." not in imp.source:
            # Migrations name the callables their fields use (a default, say) where
            # those live now; anything else of the site reaches apps by include() only.
            problems.append(
                f"{imp.where}: the site module {imp.source} imports {imp.target} "
                f"({LAYER_NAMES[target]}); mount the app with include() instead"
            )
    return problems


def cycles(imports: list[Import]) -> list[str]:
    """Modules that import each other, directly or around a longer loop (Tarjan)."""
    graph: dict[str, dict[str, Import]] = {}
    for imp in imports:
        if imp.target != imp.source:
            graph.setdefault(imp.source, {}).setdefault(imp.target, imp)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    problems = []
    for component in components:
        members = set(component)
        edges = [
            graph[source][target].where + f": {source} imports {target}"
            for source in component
            for target in sorted(graph.get(source, {}))
            if target in members
        ]
        problems.append("import cycle among " + ", ".join(component) + "\n    " + "\n    ".join(edges))
    return problems


def test_every_import_points_down():
    problems = upward(all_imports())
    assert not problems, "\n".join(problems)


def test_no_import_cycle():
    problems = cycles(all_imports())
    assert not problems, "\n".join(problems)


def test_every_module_is_in_a_layer():
    unplaced = [module for module in project_modules() if layer_of(module) is None]
    assert not unplaced


def test_the_checks_name_the_file_and_line_of_an_offence():
    """The checks themselves: a planted upward import and a planted cycle are caught."""
    known = {"console.tenancy.views", "failedtasks.models", "failedtasks.a", "failedtasks.b"}
    path = ROOT / "console" / "tenancy" / "views.py"
    planted = imports_in(
        "console.tenancy.views", path,
        "def view():\n    from failedtasks.models import FailedTask\n", known,
    )
    assert upward(planted) == [
        "console/tenancy/views.py:2: console.tenancy.views (tenancy) imports "
        "failedtasks.models (failedtasks), a higher layer"
    ]
    site = imports_in("console.urls", ROOT / "console" / "urls.py",
                      "from console.tenancy import views\n", known)
    assert "mount the app with include()" in upward(site)[0]
    a = imports_in("failedtasks.a", ROOT / "failedtasks" / "a.py", "from . import b\n", known)
    b = imports_in("failedtasks.b", ROOT / "failedtasks" / "b.py", "import failedtasks.a\n", known)
    [cycle] = cycles(a + b)
    assert cycle.startswith("import cycle among failedtasks.a, failedtasks.b")
    assert "failedtasks/a.py:1: failedtasks.a imports failedtasks.b" in cycle
