"""Reading a stack file the way the Pulumi CLI does, and turning its config into `PlatformConfig`.

The CLI resolves `stacks/Pulumi.<stack>.yaml` through Pulumi.yaml's `stackConfigDir`, qualifies
keys without a namespace with the project name, and hands the program every value as a string:
objects and lists JSON-encoded, booleans as "true"/"false". `load_stack_file` reproduces that so
the offline plan feeds the program exactly what `pulumi up` would.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from .config import ConfigError, PlatformConfig
from .config.base import AWS_REGION
from .config.errors import format_path, from_validation_error
from .stack_yaml import load_yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
SECRET_PLACEHOLDER = "[secret]"


@dataclass(frozen=True)
class StackFile:
    path: Path
    stack: str
    project: str
    values: dict[str, str]
    secret_keys: list[str] = field(default_factory=list)

    @property
    def display_path(self) -> str:
        try:
            return str(self.path.resolve().relative_to(Path.cwd().resolve()))
        except ValueError:
            return str(self.path)


def read_project(root: Path = REPO_ROOT) -> dict:
    return yaml.safe_load((root / "Pulumi.yaml").read_text())


def stack_file_path(stack: str, root: Path = REPO_ROOT) -> Path:
    project = read_project(root)
    return root / project.get("stackConfigDir", ".") / f"Pulumi.{stack}.yaml"


# The stack name reaches AWS and Kubernetes names (the default weights bucket llm-platform-<stack>-weights-...,
# tags, labels) and paths (out/<stack>/): lowercase letters, digits and '-', short enough for the bucket.
_STACK_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,40}[a-z0-9])?$")


def stack_name_from_path(path: Path) -> str:
    name = path.name
    for ext in (".yaml", ".yml"):
        if name.startswith("Pulumi.") and name.endswith(ext) and len(name) > len("Pulumi.") + len(ext):
            stack = name[len("Pulumi.") : -len(ext)]
            if not _STACK_NAME.match(stack):
                raise ConfigError([f"{path}: stack name {stack!r} cannot name the stack's AWS and Kubernetes "
                                   "objects; allowed: 1-42 lowercase letters, digits and '-', starting and ending "
                                   "with a letter or digit"])
            return stack
    raise ConfigError([f"{path}: a stack file must be named Pulumi.<stack>.yaml"])


def load_stack_file(path: Path, project: str | None = None) -> StackFile:
    stack = stack_name_from_path(path)
    project = project or read_project()["name"]
    if not path.is_file():
        raise ConfigError([f"{path}: no such stack file"])
    doc = load_yaml(path) or {}
    if not isinstance(doc, dict) or not isinstance(doc.get("config", {}), dict):
        raise ConfigError([f"{path}: config: must be a mapping of settings"])
    values: dict[str, str] = {}
    secrets: list[str] = []
    for key, value in (doc.get("config") or {}).items():
        full = key if ":" in str(key) else f"{project}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full] = SECRET_PLACEHOLDER
            secrets.append(full)
        elif isinstance(value, (dict, list)):
            # As the CLI's Go json.Marshal writes it: compact, map keys sorted, UTF-8.
            values[full] = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
        elif isinstance(value, bool):
            values[full] = "true" if value else "false"
        else:
            values[full] = "" if value is None else str(value)
    return StackFile(path=path, stack=stack, project=project, values=values, secret_keys=secrets)


def platform_config(values: Mapping[str, str], source: str, project: str) -> PlatformConfig:
    """Validate the project's config values; raise ConfigError naming `source` and the field path."""
    region = values.get("aws:region")
    if region is not None and not AWS_REGION.match(region):
        raise ConfigError([f"{source}: aws:region: {region!r} is not an AWS region name; allowed: a region such "
                           "as us-east-1 or eu-central-1"])
    prefix = f"{project}:"
    raw: dict[str, object] = {}
    for key, value in values.items():
        if key.startswith(prefix):
            raw[key[len(prefix) :]] = _decode(value)
    try:
        config = PlatformConfig.model_validate(raw)
    except ValidationError as exc:
        raise from_validation_error(exc, source, project, PlatformConfig) from None
    issues = config.issues()
    if region is not None:
        issues += config.region_issues(region)
    if issues:
        raise ConfigError([f"{source}: {format_path(project, i.path)}: {i.message}" for i in issues])
    return config


def _decode(value: str) -> object:
    try:
        return json.loads(value)
    except (json.JSONDecodeError, TypeError):
        return value


def stack_config(stack_file: StackFile) -> PlatformConfig:
    """The validated config of a loaded stack file: a config error stops before anything is planned."""
    return platform_config(stack_file.values, stack_file.display_path, stack_file.project)


def load_stack(stack: str = "dev", path: Path | None = None) -> tuple[StackFile, PlatformConfig]:
    """The stack file `path` (or stacks/Pulumi.<stack>.yaml) and its validated config; ConfigError
    lists every problem. The one loader of the plan, check and diff commands."""
    stack_file = load_stack_file(path or stack_file_path(stack))
    return stack_file, stack_config(stack_file)


def report_config_error(exc: ConfigError) -> int:
    """Print each problem as one `error:` line on stderr; the exit code of bad input (2)."""
    for line in exc.lines:
        print(f"error: {line}", file=sys.stderr)
    return 2
