"""Config values given as text: ``snakemake --config`` reads nested values with YAML's BaseLoader,
so ``--config 'knn={k: [3, 5]}'`` arrives as ``{"k": ["3", "5"]}``. The schema says what each value
should be; text that fits a non-text type there gets that type. Text where the schema allows text
only (paths, names) is left as it is. Pure Python, no heavy imports: the Snakefile uses it.
"""

from __future__ import annotations

from typing import Any

NULLS = ("null", "Null", "NULL", "~")


def restore_types(value: Any, schema: dict) -> Any:  # noqa: ANN401 - any config value
    """``value`` with each text leaf converted to the type ``schema`` asks for, where it fits."""
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        extra = extra if isinstance(extra, dict) else {}
        return {key: restore_types(item, properties.get(key, extra)) for key, item in value.items()}
    if isinstance(value, list):
        items = schema.get("items")
        return [restore_types(item, items if isinstance(items, dict) else {}) for item in value]
    if isinstance(value, str):
        return from_text(value, schema)
    return value


def from_text(text: str, schema: dict) -> Any:  # noqa: ANN401 - the type the schema asks for
    """One text value as the schema's null, boolean, integer or number, else unchanged."""
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    if "null" in types and text in NULLS:
        return None
    if "boolean" in types and text.lower() in ("true", "false"):
        return text.lower() == "true"
    for name, number in (("integer", int), ("number", int), ("number", float)):
        if name in types:
            try:
                return number(text)
            except ValueError:
                pass
    return text
