"""Every check is documented, and the README's table of checks is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks import docs, registry

README = Path(__file__).parent.parent / "README.md"


@pytest.mark.parametrize("spec", registry.all_checks(), ids=lambda s: s.id)
def test_check_has_id_severity_and_every_doc_section(spec):
    assert registry.ID_RE.match(spec.id)
    assert spec.severity in ("error", "warning", "info")
    sections = registry.doc_sections(spec.doc)
    missing = [s for s in registry.SECTIONS if not sections.get(s)]
    assert not missing, f"{spec.id} docstring lacks {missing}"


def test_doc_sections_parser_detects_missing_section():
    doc = "What it flags:\n  x\nWhy it matters:\n  y\nExample:\n  z\n"
    assert "Fix" not in registry.doc_sections(doc)
    assert registry.doc_sections(doc)["Example"] == "z"


def test_readme_table_of_checks_is_up_to_date():
    text = README.read_text(encoding="utf-8")
    assert docs.render_readme(text) == text, (
        "README.md's table of checks is out of date: run "
        "python -m checks doc --write-readme")


def test_every_check_id_names_its_category():
    for spec in registry.all_checks():
        assert spec.category in ("duplicate", "typo", "figure", "chrome", "format")
