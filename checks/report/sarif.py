"""``report.sarif``: SARIF 2.1.0 for code-scanning tools."""

from __future__ import annotations

from typing import Any

from .. import TOOL_NAME, __version__
from .. import registry
from . import fastjson

LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _rules() -> tuple[list[dict[str, Any]], dict[str, int]]:
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
    return rules, index


def _result(f: dict[str, Any], index: dict[str, int]) -> dict[str, Any]:
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
    return res


def _document(rules: list, results: Any, seeds_uri: str) -> dict[str, Any]:
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


def to_sarif(report: dict[str, Any], seeds_uri: str) -> dict[str, Any]:
    rules, index = _rules()
    return _document(rules, [_result(f, index) for f in report["findings"]], seeds_uri)


_HOLE = "\x00results\x00"


def sarif_text(report: dict[str, Any], seeds_uri: str, frags=None,
               digests: list | None = None) -> str:
    """``report.sarif``'s text: ``fastjson.dumps(to_sarif(...)) + "\\n"``, byte for byte,
    with the results rendered seed by seed (``frags``: see ``fragments.py``)."""
    return "".join(sarif_pieces(report, seeds_uri, frags, digests))


def sarif_pieces(report: dict[str, Any], seeds_uri: str, frags=None,
                 digests: list | None = None) -> list[str]:
    """:func:`sarif_text` in pieces (written one after the other, not joined whole)."""
    findings = report["findings"]
    if len(findings) <= fastjson.INLINE_AFTER:
        return [fastjson.dumps(to_sarif(report, seeds_uri)) + "\n"]
    from .fragments import rendered_groups

    rules, index = _rules()
    pad = "  " * 4  # document, runs, the run, results
    parts = rendered_groups(findings, frags, digests, lambda run: ",\n".join(
        pad + fastjson.compact(_result(f, index)) for f in run), ",\n")
    skeleton = fastjson.dumps(_document(rules, _HOLE, seeds_uri))
    hole = fastjson.compact(_HOLE)
    assert skeleton.count(hole) == 1
    head, tail = skeleton.split(hole)
    out = [head, "[\n"]
    for n, text in enumerate(parts):
        if n:
            out.append(",\n")
        out.append(text)
    out += ["\n" + "  " * 3 + "]", tail, "\n"]
    return out
