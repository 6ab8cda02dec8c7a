"""The package layout shows the data flow: ingest → index → llm → answer → draft → bench → app.

Every import inside kaocha_rag (top-level and lazy ones inside functions) is resolved to the module
it names; a module may import its own stage, an earlier stage, or the shared base (settings,
errors, tokens), never a later stage, and the graph has no cycle."""
import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "kaocha_rag"
STAGES = ["", "ingest", "index", "llm", "answer", "draft", "bench", "app"]  # "" = settings, errors, tokens
FRONT_ENDS = ("app/cli.py", "app/ui.py")


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """kaocha_rag modules that ``name`` imports, anywhere in its body."""
    path = MODULES[name]
    pkg = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # `if TYPE_CHECKING:` imports never run: annotations only, not an arrow of the data flow
    typing_only = {id(x) for n in ast.walk(tree) if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING"
                   for x in ast.walk(n)}
    out = set()
    for n in ast.walk(tree):
        if id(n) in typing_only:
            continue
        if isinstance(n, ast.ImportFrom):
            if n.level:
                base = pkg.split(".")[: len(pkg.split(".")) - (n.level - 1)]
                mod = ".".join(base + ([n.module] if n.module else []))
            else:
                mod = n.module or ""
            for a in n.names:  # `from . import x` imports the module x
                if f"{mod}.{a.name}" in MODULES:
                    out.add(f"{mod}.{a.name}")
            if mod in MODULES:
                out.add(mod)
        elif isinstance(n, ast.Import):
            out.update(a.name for a in n.names if a.name in MODULES)
    out.discard(name)
    return {m for m in out if m != "kaocha_rag"}


def stage(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else ""


def test_every_module_sits_in_a_known_stage():
    top = sorted(n for n in MODULES if stage(n) == "" and n != "kaocha_rag")
    assert all(stage(n) for n in MODULES if n.count(".") > 1), "a module outside the stage packages"
    assert top == ["kaocha_rag.cli", "kaocha_rag.errors", "kaocha_rag.settings", "kaocha_rag.tokens"]
    assert {stage(n) for n in MODULES} == set(STAGES)


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_import_from_a_later_stage(name):
    if name == "kaocha_rag.cli":  # `python -m kaocha_rag.cli` is the app's entry point kept by name
        assert imports_of(name) == {"kaocha_rag.app.cli"}
        return
    later = {m for m in imports_of(name) if STAGES.index(stage(m)) > STAGES.index(stage(name))}
    assert not later, f"{name} ({stage(name) or 'base'}) imports a later stage: {sorted(later)}"


def test_import_graph_has_no_cycle():
    graph = {n: imports_of(n) for n in MODULES}
    done, stack = set(), []

    def visit(node):
        if node in stack:
            raise AssertionError("import cycle: " + " → ".join(stack[stack.index(node):] + [node]))
        if node in done:
            return
        stack.append(node)
        for nxt in sorted(graph[node]):
            visit(nxt)
        stack.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)


def test_front_ends_call_the_service_not_the_stages():
    """The CLI and the UI parse and render; every action goes through app/service.py."""
    for rel in FRONT_ENDS:
        name = module_name(SRC / rel)
        reached = {m for m in imports_of(name) if stage(m) in ("answer", "draft")}
        assert not reached, (rel, sorted(reached))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_readable(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= 400, f"{name}: {lines} lines (split it by job)"
