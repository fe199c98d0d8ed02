"""The baseline: a committed list of accepted findings, keyed by fingerprint.

Suppression never lives in the seed text (a marker inside a seed would itself be a
corpus defect). ``pytest --update-baseline`` writes the file; later runs mark the
listed findings ``baselined`` (reported, not failing) and list the entries that no
longer match any finding.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .model import Finding
from .report.files import atomic_write_text

SCHEMA = "seedcheck-baseline/1"
FILENAME = ".seedcheck-baseline.json"


class BaselineError(Exception):
    """The baseline file is corrupt; the message names the file and the problem."""


@dataclass
class Baseline:
    path: Path
    entries: dict[str, dict] = field(default_factory=dict)  # fingerprint -> entry

    def accepts(self, finding: Finding) -> bool:
        return finding.fingerprint in self.entries

    def stale(self, findings: list[Finding], checked_paths: set[str]) -> list[dict]:
        """Entries for checked files that match no finding any more."""
        live = {f.fingerprint for f in findings}
        return [e for fp, e in sorted(self.entries.items())
                if fp not in live and e.get("path") in checked_paths]


def load(path: Path) -> Baseline:
    if not path.exists():
        return Baseline(path)
    redo = "fix it or delete it and run pytest --update-baseline"
    try:
        # utf-8-sig: an editor that saved the file with a byte-order mark is forgiven
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise BaselineError(f"baseline {path} cannot be read: {exc}; {redo}") from None
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise BaselineError(
            f"baseline {path} is not a seedcheck baseline (expected an object with an "
            f"'entries' list); {redo}")
    if "schema" in data and data["schema"] != SCHEMA:
        raise BaselineError(
            f"baseline {path} has schema {data['schema']!r}, this seedcheck reads "
            f"{SCHEMA!r}; {redo}")
    entries: dict[str, dict] = {}
    for i, e in enumerate(data["entries"]):
        if not isinstance(e, dict) or not isinstance(e.get("fingerprint"), str):
            raise BaselineError(
                f"baseline {path}: entry {i} has no 'fingerprint' string; {redo}")
        if not isinstance(e.get("path", ""), str):
            raise BaselineError(
                f"baseline {path}: entry {i} has a 'path' that is not a string; {redo}")
        entries[e["fingerprint"]] = e
    return Baseline(path, entries)


def write(path: Path, findings: list[Finding]) -> int:
    """Write every finding as accepted. Returns the number of entries."""
    entries = {}
    for f in findings:
        entries[f.fingerprint] = {
            "fingerprint": f.fingerprint,
            "check": f.check,
            "path": f.path,
            "excerpt": f.excerpt[:80],
        }
    data = {"schema": SCHEMA,
            "entries": [entries[k] for k in sorted(entries)]}
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return len(entries)
