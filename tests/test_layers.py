"""The package's layers: dependencies point down only, there are no import cycles, and one feature's views do not
reach into another's (the few that must are listed below, each with its reason). See ARCHITECTURE.md."""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "samskaping"

# Lower numbers sit lower: a module may import its own layer and the ones below it.
LAYERS = {"store": 0, "core": 1, "server": 1, "web": 2,
          "participants": 3, "charter": 3, "barometer": 3, "dashboard": 3, "leader": 3, "privacy": 3,
          "exchange": 3, "shell": 3, "search": 3, "planning": 3, "commands": 4, "": 5}
FEATURES = {name for name, layer in LAYERS.items() if layer == 3}
# Layers beside each other that must not lean on one another.
APART = {("core", "server"), ("server", "core"), ("server", "store")}

# Feature → feature imports that are the point of the importing page, with the reason.
ALLOWED_ACROSS_FEATURES = {
    ("participants", "charter"): "the day page carries the charter to accept (participants/home.py)",
    ("participants", "barometer"): "the day page carries the open barometer round to answer (participants/home.py)",
    ("dashboard", "charter"): "the dashboard shows the charter's acceptance per side",
    ("dashboard", "barometer"): "the dashboard shows the latest barometer round and its gaps",
    ("participants", "planning"): "the day page carries the plans she is invited to, and minutes start from a plan",
    ("dashboard", "planning"): "the dashboard lists the meetings planned for the next 14 days",
    ("search", "planning"): "a school's page shows its next planned meeting",
    ("exchange", "charter"): "a phone's outbox file is replayed through the charter's own forms (exchange/outbox_file.py)",
    ("leader", "exchange"): "the log names an exported table as the export page does (leader/audit_words.py)",
}


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every module of the package this one imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                found.add(candidate if candidate in known else module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in known and m != name}


def area(module: str) -> str:
    """The folder right under samskaping/ ('' for the app factory itself)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def test_every_module_sits_in_a_known_layer():
    assert {area(m) for m in graph()} <= set(LAYERS)


def test_there_are_no_import_cycles():
    edges = graph()
    cycles, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt):] + [nxt] if nxt in trail else [node, nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert cycles == []


def test_dependencies_point_down_only():
    wrong = sorted(f"{m} -> {t}" for m, targets in graph().items() for t in targets
                   if LAYERS[area(t)] > LAYERS[area(m)] or (area(m), area(t)) in APART)
    assert wrong == []


def test_a_feature_does_not_reach_into_another_except_where_listed():
    across = sorted(f"{m} -> {t}" for m, targets in graph().items() for t in targets
                    if area(m) in FEATURES and area(t) in FEATURES and area(m) != area(t)
                    and (area(m), area(t)) not in ALLOWED_ACROSS_FEATURES)
    assert across == []


def test_the_listed_exceptions_are_all_still_needed():
    used = {(area(m), area(t)) for m, targets in graph().items() for t in targets}
    assert set(ALLOWED_ACROSS_FEATURES) <= used
