"""``python -m checks explain CHECK-ID`` and ``python -m checks list``."""

from __future__ import annotations

import json

from checks import registry
from checks.__main__ import main


def test_explain_prints_the_docstring_sections(capsys):
    assert main(["explain", "typo.known-misspelling"]) == 0
    out = capsys.readouterr().out
    spec = registry.get_check("typo.known-misspelling")
    assert out.startswith("# typo.known-misspelling\n\nDefault severity: error. Scope: one "
                          "file at a time.")
    for title in registry.SECTIONS:
        assert f"## {title}\n\n{spec.section(title)}\n" in out
    assert out.index("## What it flags") < out.index("## Why it matters") \
        < out.index("## Example") < out.index("## Fix")
    assert '[tool.seedcheck.severity] "typo.known-misspelling" = "warning"' in out


def test_explain_json_and_several_checks(capsys):
    assert main(["explain", "--format", "json", "duplicate.repeated-body",
                 "chrome.footer"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [d["id"] for d in data] == ["duplicate.repeated-body", "chrome.footer"]
    assert data[1]["severity"] == "error" and data[1]["scope"] == "file"
    assert set(data[0]["sections"]) == set(registry.SECTIONS)


def test_explain_unknown_check_suggests_close_ids(capsys):
    assert main(["explain", "typo.known-mispelling"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no check 'typo.known-mispelling'; did you mean "
                          "typo.known-misspelling")
    assert main(["explain"]) == 2  # usage error, no traceback
    assert "CHECK-ID" in capsys.readouterr().err


def test_list_names_every_check_once(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    ids = [c.id for c in registry.all_checks()]
    assert [ln.split()[0] for ln in lines] == ids
    first = registry.all_checks()[0]
    assert lines[0].split()[1:3] == [first.severity, first.scope]
    assert main(["list", "--format", "json"]) == 0
    assert [d["id"] for d in json.loads(capsys.readouterr().out)] == ids
