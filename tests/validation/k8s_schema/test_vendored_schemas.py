"""The vendored schemas/ match their SHA-256 sums and each has provenance."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from infra.validation.k8s_schema import SCHEMAS_DIR


_INDEX_FILES = {"SHA256SUMS", "SOURCES.md"}


def checksum_problems(root: Path) -> list[str]:
    """Mismatches between ``root/SHA256SUMS`` and the files under ``root``."""
    listed: dict[str, str] = {}
    for line in (root / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, _, rel = line.partition("  ")
        listed[rel] = digest
    problems = []
    for rel, digest in sorted(listed.items()):
        path = root / rel
        if not path.is_file():
            problems.append(f"{rel}: listed but missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            problems.append(f"{rel}: checksum mismatch")
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel not in listed and rel not in _INDEX_FILES:
            problems.append(f"{rel}: not listed in SHA256SUMS")
    return problems


def test_vendored_schemas_match_sha256sums() -> None:
    assert len((SCHEMAS_DIR / "SHA256SUMS").read_text().splitlines()) > 0
    assert checksum_problems(SCHEMAS_DIR) == []


def test_checksum_check_detects_tampering(tmp_path: Path) -> None:
    copy_root = tmp_path / "schemas"
    shutil.copytree(SCHEMAS_DIR, copy_root)
    target = copy_root / "crds" / "keda" / "keda.sh_scaledobjects.yaml"
    target.write_bytes(target.read_bytes().replace(b"minReplicaCount", b"minReplicaCounts", 1))
    (copy_root / "crds" / "keda" / "extra.yaml").write_text("{}\n")
    assert checksum_problems(copy_root) == [
        "crds/keda/keda.sh_scaledobjects.yaml: checksum mismatch",
        "crds/keda/extra.yaml: not listed in SHA256SUMS",
    ]


def test_every_vendored_file_has_provenance() -> None:
    sources = (SCHEMAS_DIR / "SOURCES.md").read_text(encoding="utf-8")
    listed = [line.split("  ", 1)[1] for line in (SCHEMAS_DIR / "SHA256SUMS").read_text().splitlines()]
    missing = [rel for rel in listed if f"| `{rel}` |" not in sources]
    assert missing == []
