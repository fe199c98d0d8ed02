"""Configuration: the ``[tool.seedcheck]`` table of ``pyproject.toml`` (or a file named
with ``--seedcheck-config``), plus pytest ini options for the run policy.

    [tool.seedcheck]
    fail_on = "error"                 # error | warning | info
    select = ["typo", "duplicate"]     # check ids or prefixes (default: all)
    ignore = ["figure.notation-drift"]
    max_file_bytes = 20_000_000
    baseline = "seeds/.seedcheck-baseline.json"

    [tool.seedcheck.severity]
    "chrome.byline" = "info"

    [tool.seedcheck.per-file-ignores]
    "archive/*.txt" = ["format.header"]

    [tool.seedcheck.checks."duplicate.repeated-body"]   # per-check options
    min_chars = 200

A bad value is a :class:`ConfigError` naming the setting; the plugin turns it into a
usage error, never a traceback.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import SEVERITIES


class ConfigError(Exception):
    """A configuration value is wrong; the message names the setting."""


@dataclass
class Config:
    fail_on: str = "error"
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)
    max_file_bytes: int = 20_000_000
    max_line_chars: int = 100_000
    baseline: str | None = None
    source: str | None = None

    # -- queries ---------------------------------------------------------------------
    def enabled(self, check_id: str, path: str | None = None) -> bool:
        if self.select is not None and not any(_match(check_id, s) for s in self.select):
            return False
        if any(_match(check_id, s) for s in self.ignore):
            return False
        if path is not None:
            for pattern, ids in self.per_file_ignores.items():
                if fnmatch.fnmatchcase(path, pattern) and any(_match(check_id, s) for s in ids):
                    return False
        return True

    def opt(self, check_id: str, key: str, default: Any) -> Any:
        value = self.checks.get(check_id, {}).get(key, default)
        if default is not None and value is not None and not isinstance(value, type(default)):
            if isinstance(default, float) and isinstance(value, int):
                return float(value)
            raise ConfigError(
                f"[tool.seedcheck.checks.\"{check_id}\"] {key} = {value!r}: expected "
                f"{type(default).__name__}")
        return value

    def severity_of(self, check_id: str, default: str) -> str:
        return self.severity.get(check_id, default)

    def fingerprint(self) -> str:
        """Hash of everything that can change a check's result (cache key part)."""
        data = {
            "select": self.select, "ignore": self.ignore, "severity": self.severity,
            "pfi": self.per_file_ignores, "checks": self.checks,
            "max_file_bytes": self.max_file_bytes, "max_line_chars": self.max_line_chars,
        }
        blob = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _match(check_id: str, selector: str) -> bool:
    return check_id == selector or check_id.startswith(selector + ".")


def _str_list(value: Any, name: str) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[tool.seedcheck] {name} = {value!r}: expected a list of check ids")
    return list(value)


def check_fail_on(value: Any, where: str) -> str:
    if value not in SEVERITIES:
        raise ConfigError(f"{where} = {value!r}: expected one of error, warning, info")
    return value


def from_table(table: dict[str, Any], source: str | None = None) -> Config:
    cfg = Config(source=source)
    if not isinstance(table, dict):
        raise ConfigError("[tool.seedcheck] must be a table")
    known = {"fail_on", "select", "ignore", "severity", "per-file-ignores", "per_file_ignores",
             "checks", "max_file_bytes", "max_line_chars", "baseline"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"[tool.seedcheck] unknown setting {unknown[0]!r}; known: "
                          + ", ".join(sorted(known)))
    if "fail_on" in table:
        cfg.fail_on = check_fail_on(table["fail_on"], "[tool.seedcheck] fail_on")
    if "select" in table:
        cfg.select = _str_list(table["select"], "select")
    if "ignore" in table:
        cfg.ignore = _str_list(table["ignore"], "ignore")
    sev = table.get("severity", {})
    if not isinstance(sev, dict):
        raise ConfigError("[tool.seedcheck.severity] must be a table of check id = severity")
    for k, v in sev.items():
        if v not in SEVERITIES:
            raise ConfigError(f"[tool.seedcheck.severity] {k} = {v!r}: expected one of "
                              "error, warning, info")
    cfg.severity = dict(sev)
    pfi = table.get("per-file-ignores", table.get("per_file_ignores", {}))
    if not isinstance(pfi, dict):
        raise ConfigError("[tool.seedcheck.per-file-ignores] must be a table of glob = [ids]")
    cfg.per_file_ignores = {k: _str_list(v, f"per-file-ignores.{k}") for k, v in pfi.items()}
    checks = table.get("checks", {})
    if not isinstance(checks, dict) or not all(isinstance(v, dict) for v in checks.values()):
        raise ConfigError("[tool.seedcheck.checks] must hold one table per check id")
    cfg.checks = {k: dict(v) for k, v in checks.items()}
    for name in ("max_file_bytes", "max_line_chars"):
        if name in table:
            v = table[name]
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ConfigError(f"[tool.seedcheck] {name} = {v!r}: expected a positive integer")
            setattr(cfg, name, v)
    if "baseline" in table:
        if not isinstance(table["baseline"], str):
            raise ConfigError(f"[tool.seedcheck] baseline = {table['baseline']!r}: expected a path")
        cfg.baseline = table["baseline"]
    return cfg


def load(path: Path | None) -> Config:
    """Load ``[tool.seedcheck]`` from a pyproject.toml (or a plain seedcheck TOML file
    whose top level is the table). Missing file or table: defaults."""
    if path is None or not path.is_file():
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("seedcheck", {})
    else:
        table = data.get("tool", {}).get("seedcheck", data)
    return from_table(table, str(path))
