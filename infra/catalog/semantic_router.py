"""What the pinned vLLM Semantic Router (v0.2.0) accepts in its config file: the key tree of its
`RouterConfig` and of each decision plugin's `configuration`, derived from the router's Go source
(data/semantic-router-v0.2.0-config-keys.json, provenance in data/SOURCES.md).

The router decodes its config with gopkg.in/yaml.v2 in non-strict mode, so a misspelt key is ignored
without a word; `unknown_keys` is the check the router does not do.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from .platform_versions import SEMANTIC_ROUTER_VERSION

_DATA = Path(__file__).parent / "data" / f"semantic-router-{SEMANTIC_ROUTER_VERSION}-config-keys.json"


@cache
def _keys() -> dict:
    return json.loads(_DATA.read_text())


def unknown_keys(config: Any) -> list[str]:
    """Paths of keys in a router config the pinned router has no field for (decision plugins'
    `configuration` checked against the plugin's own type)."""
    data = _keys()
    return _walk(config, data["router_config"], "", data["router_config"], data["plugin_configuration"])


def _walk(value: Any, node: dict, path: str, root: dict, plugins: dict) -> list[str]:
    kind = node["type"]
    if kind == "ref":
        node = _find(root, node["go_type"])
        kind = node["type"]
    if value is None or kind in ("any", "scalar"):
        return []
    if kind == "list":
        if not isinstance(value, list):
            return [f"{path}: a list expected"]
        return [p for i, item in enumerate(value) for p in _walk(item, node["items"], f"{path}[{i}]", root, plugins)]
    if kind == "map":
        if not isinstance(value, dict):
            return [f"{path}: a map expected"]
        return [p for k, v in value.items() for p in _walk(v, node["values"], f"{path}.{k}", root, plugins)]
    if not isinstance(value, dict):
        return [f"{path}: an object expected"]
    found = []
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        field = node["fields"].get(key)
        if field is None:
            found.append(where)
        elif node.get("go_type") == "DecisionPlugin" and key == "configuration":
            plugin = plugins["fields"].get(value.get("type"))
            found += [f"{where}: no plugin type {value.get('type')!r}"] if plugin is None else \
                _walk(item, plugin, where, root, plugins)
        else:
            found += _walk(item, field, where, root, plugins)
    return found


def _find(node: Any, go_type: str) -> dict:
    """The object node of a named Go type (for the recursive `ref` nodes)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            if current.get("type") == "object" and current.get("go_type") == go_type:
                return current
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
    raise KeyError(go_type)


# The classifiers the router downloads at start-up, by local path: the Hugging Face repository its
# default registry maps it to, always at revision "main" (src/semantic-router/pkg/config/registry.go and
# pkg/modeldownload/config_parser.go BuildModelSpecs at v0.2.0: `Revision: "main"`). The chart has no
# init container hook to fetch them at a pinned revision first, so this download is not pinned.
CLASSIFIER_REPOSITORIES = {
    "models/mom-domain-classifier": "LLM-Semantic-Router/lora_intent_classifier_bert-base-uncased_model",
    "models/mom-jailbreak-classifier": "LLM-Semantic-Router/jailbreak_classifier_modernbert-base_model",
}
CLASSIFIER_REVISION = "main"
