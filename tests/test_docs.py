"""The docs against the code: every config key and every rule or target that the README,
config/README.md and docs/ name in code spans exists (in config/schema.yaml, in the rules), named
by file and line where one does not."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import yaml

from conftest import REPO

SCHEMA = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())
DOCS = [REPO / "README.md", REPO / "config" / "README.md", *sorted((REPO / "docs").glob("*.md"))]
SPAN = re.compile(r"`([^`\n]+)`")
KEY = re.compile(r"[a-z_]+(?:\.[A-Za-z_0-9]+)+")
FILE = re.compile(r"\.(md|py|smk|ya?ml|rst|png|pdf|svg|html|js|css|tsv|npz|npy|keras|pt2|onnx|json|txt|gz|sh|h5|tex|gif|data)$")
# a rule or target named in prose: "rule `x`", "the `x` rule", "target `x`", "`x` target"
RULE_NAMED = re.compile(r"(?:\b(?:rule|target|rules|targets)\s+`(\w+)`|`(\w+)`\s+(?:rule|target)\b)")


def key_exists(parts: list[str], node: dict) -> bool:
    """Whether the dotted key (its parts after the top level) is a key of the schema ``node``; an
    upper-case part (NAME, REDUCER) stands for any entry of a mapping."""
    for part in parts:
        if "properties" not in node and isinstance(node.get("items"), dict):
            node = node["items"]
        properties = node.get("properties", {})
        free, patterns = node.get("additionalProperties"), node.get("patternProperties")
        if part in properties:
            node = properties[part]
        elif isinstance(free, dict) and (part.isupper() or not properties):
            node = free
        elif patterns and (part.isupper() or any(re.fullmatch(p, part) for p in patterns)):
            node = next(iter(patterns.values()))
        elif part.isupper() and properties:  # any one of the keys listed there (threads.RULE)
            return True
        else:
            return bool(part.isupper() and free not in (False, None))
    return True


def module_attribute(text: str) -> bool:
    """Whether ``module.name`` names a function or constant of the package (hidden_embed.module)."""
    module, _, attribute = text.partition(".")
    if not (REPO / "scripts" / "hidden_embed" / f"{module}.py").is_file():
        return False
    return hasattr(importlib.import_module(f"hidden_embed.{module}"), attribute.split(".")[0])


def stale_keys(text: str, name: str) -> list[str]:
    """``name:line: key`` of each code span in ``text`` that looks like a config key (a dotted
    name under a top-level key of the schema) but is none."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for span in SPAN.findall(line):
            key = span.strip().split(":")[0].split("=")[0].strip()
            if not KEY.fullmatch(key) or FILE.search(key) or key.split(".")[0] not in SCHEMA["properties"]:
                continue
            if key_exists(key.split(".")[1:], SCHEMA["properties"][key.split(".")[0]]) or module_attribute(key):
                continue
            found.append(f"{name}:{number}: {key}")
    return found


def rule_names() -> set[str]:
    """Every rule of the workflow (rules/*.smk, the Snakefile; `use rule ... as` names too)."""
    names = set()
    for path in [REPO / "Snakefile", *(REPO / "rules").glob("*.smk")]:
        text = path.read_text()
        names |= set(re.findall(r"^rule (\w+):", text, flags=re.M))
        names |= set(re.findall(r"^use rule \w+ as (\w+)", text, flags=re.M))
    return names


def stale_rules(text: str, name: str, rules: set[str]) -> list[str]:
    """``name:line: rule`` of each rule or target the text names that the workflow lacks."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in RULE_NAMED.finditer(line):
            rule = match.group(1) or match.group(2)
            if rule not in rules:
                found.append(f"{name}:{number}: {rule}")
    return found


def test_every_config_key_the_docs_name_exists():
    stale = [line for path in DOCS for line in stale_keys(path.read_text(), str(path.relative_to(REPO)))]
    assert not stale, "keys the schema lacks (rename them, or remove them from the docs):\n" + "\n".join(stale)


def test_every_rule_and_target_the_docs_name_exists():
    rules = rule_names()
    assert {"all", "list_layers", "import_torch_model", "archive"} <= rules
    stale = [line for path in DOCS for line in stale_rules(path.read_text(), str(path.relative_to(REPO)), rules)]
    assert not stale, "rules the workflow lacks:\n" + "\n".join(stale)


def test_every_stage_of_the_outputs_table_is_a_rule():
    """docs/outputs.md's table of stages: its first column names rules."""
    rules, stale, named = rule_names(), [], 0
    for number, line in enumerate((REPO / "docs" / "outputs.md").read_text().splitlines(), start=1):
        if not line.startswith("| `"):
            continue
        for rule in SPAN.findall(line.split("|")[1]):
            named += 1
            if rule not in rules:
                stale.append(f"docs/outputs.md:{number}: {rule}")
    assert named > 25 and not stale, stale


def test_a_planted_stale_key_or_rule_is_named_by_file_and_line():
    text = "Set `model.hidden_units` and `datasets.NAME.path`.\nThe old `model.hiden_units` key; `journey.travel` is a function.\nRun the `make_maps` rule, then target `archive`."
    assert stale_keys(text, "planted.md") == ["planted.md:2: model.hiden_units"]
    assert stale_rules(text, "planted.md", rule_names()) == ["planted.md:3: make_maps"]
    assert stale_keys("`threads.reducers.umap` and `reducers.umap.n_neighbors`", "ok.md") == []
    assert stale_keys("`threads.reducer.umap`", "typo.md") == ["typo.md:1: threads.reducer.umap"]
