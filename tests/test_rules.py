"""The rules' declared inputs match what their scripts import, so editing a module reruns its users."""

from __future__ import annotations

import ast
import re

from conftest import REPO

PACKAGE = REPO / "scripts" / "hidden_embed"


def imported_modules(path) -> set[str]:
    """hidden_embed modules a file imports anywhere (top level or inside functions)."""
    found = set()
    in_package = path.parent == PACKAGE
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.module == "hidden_embed" or (in_package and node.level == 1 and node.module is None):
                found |= {alias.name for alias in node.names}
            elif node.module and node.module.startswith("hidden_embed."):
                found.add(node.module.split(".")[1])
            elif in_package and node.level == 1 and node.module:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("hidden_embed.")}
    return found


def closure(modules: set[str]) -> set[str]:
    """The modules and everything they import from the package, transitively."""
    todo, seen = list(modules), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += imported_modules(PACKAGE / f"{name}.py")
    return seen


def rules_with_scripts() -> dict[str, tuple[str, set[str]]]:
    """rule -> (script, declared package modules)."""
    text = "".join(p.read_text() for p in sorted((REPO / "rules").glob("*.smk")))
    out = {}
    for body in re.split(r"^rule ", text, flags=re.M)[1:]:
        name = body.split(":")[0]
        script = re.search(r'script:\s*"\.\./scripts/(\w+\.py)"', body)
        if not script:
            continue
        declared = set()
        for args in re.findall(r"package\(([^)]*)\)", body):
            declared |= {m[:-3] for m in re.findall(r'"(\w+\.py)"', args)}
        if "package(" in body:
            declared |= {"__init__", "runtime"}
        out[name] = (script.group(1), declared)
    return out


def test_the_parser_sees_every_rule():
    rules = rules_with_scripts()
    assert {"prepare_dataset", "embed_layer", "plot_accuracy", "paper"} <= set(rules)
    assert imported_modules(REPO / "scripts" / "plot_quality.py") == {"runtime", "style", "summaryplots", "tables"}
    assert "quality" in closure({"summaryplots"}), "summaryplots imports quality inside a function"


def test_every_rule_declares_exactly_the_modules_its_script_imports():
    wrong = {}
    for rule, (script, declared) in rules_with_scripts().items():
        needed = closure(imported_modules(REPO / "scripts" / script)) | {"__init__"}
        if needed != declared:
            wrong[rule] = {"missing": sorted(needed - declared), "not imported": sorted(declared - needed)}
    assert not wrong, wrong
