"""``report.sarif``: SARIF 2.1.0 for code-scanning tools."""

from __future__ import annotations

from typing import Any

from .. import TOOL_NAME, __version__
from .. import registry

LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def to_sarif(report: dict[str, Any], seeds_uri: str) -> dict[str, Any]:
    rules = []
    index = {}
    for i, spec in enumerate(registry.all_checks()):
        index[spec.id] = i
        help_text = "\n\n".join(f"{t}: {spec.section(t)}" for t in registry.SECTIONS)
        rules.append({
            "id": spec.id,
            "name": spec.name,
            "shortDescription": {"text": spec.summary or spec.id},
            "fullDescription": {"text": spec.section("Why it matters") or spec.summary},
            "help": {"text": help_text, "markdown": help_text},
            "defaultConfiguration": {"level": LEVEL[spec.severity]},
            "properties": {"category": spec.category, "version": spec.version},
        })
    results = []
    for f in report["findings"]:
        res: dict[str, Any] = {
            "ruleId": f["check"],
            "level": LEVEL[f["severity"]],
            "message": {"text": f["message"]},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": f["path"], "uriBaseId": "SEEDS"},
                "region": {"startLine": f["line"], "startColumn": f["column"],
                           "endLine": f["end_line"], "endColumn": f["end_column"],
                           "snippet": {"text": f["excerpt"]}},
            }}],
            "partialFingerprints": {"seedcheck/v1": f["fingerprint"]},
        }
        if f["check"] in index:
            res["ruleIndex"] = index[f["check"]]
        if f.get("baselined"):
            res["baselineState"] = "unchanged"
            res["suppressions"] = [{"kind": "external", "justification": "baseline"}]
        if f.get("related"):
            res["relatedLocations"] = [{
                "id": i,
                "physicalLocation": {
                    "artifactLocation": {"uri": r["path"], "uriBaseId": "SEEDS"},
                    "region": {"startLine": r["line"], "startColumn": r["column"],
                               "endLine": r["end_line"], "endColumn": r["end_column"]}},
            } for i, r in enumerate(f["related"])]
        if f.get("fix") is not None and f["fix"]["safe"]:
            res["fixes"] = [{
                "description": {"text": "delete" if f["fix"]["replacement"] == ""
                                else f"replace with {f['fix']['replacement']}"},
                "artifactChanges": [{
                    "artifactLocation": {"uri": f["path"], "uriBaseId": "SEEDS"},
                    "replacements": [{
                        "deletedRegion": {"charOffset": f["fix"]["offset"],
                                          "charLength": f["fix"]["end_offset"]
                                          - f["fix"]["offset"]},
                        "insertedContent": {"text": f["fix"]["replacement"]},
                    }],
                }],
            }]
        results.append(res)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": TOOL_NAME, "version": __version__,
                                "rules": rules}},
            "originalUriBaseIds": {"SEEDS": {"uri": seeds_uri}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }
