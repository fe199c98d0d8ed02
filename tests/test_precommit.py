"""The pre-commit hook: the whole folder is checked, findings in staged seeds fail."""

from __future__ import annotations

from pathlib import Path

from checks.precommit import main

GOOD = "2020-07-26\n\n图书馆开放\n\n新建的图书馆今天正式对外开放。\n"
BAD = "2020-07-26\n\n通知\n\n已提拔重用88名脱贫攻坚实缋突出的党员干部。\n"


def _folder(tmp_path: Path) -> Path:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "good.txt").write_text(GOOD, encoding="utf-8")
    (seeds / "bad.txt").write_text(BAD, encoding="utf-8")
    return seeds


def test_staged_clean_seed_passes_though_another_fails(tmp_path, monkeypatch, capsys):
    _folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["--seeds", "seeds", "--report-dir", "out", "seeds/good.txt"]) == 0
    out = capsys.readouterr().out
    assert "seedcheck: 0 finding(s) in the 1 staged seed(s); 1 more in other seeds" in out
    assert (tmp_path / "out" / "report.html").is_file()


def test_staged_defective_seed_fails_with_its_findings(tmp_path, monkeypatch, capsys):
    _folder(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["--seeds", "seeds", "--report-dir", "out", "seeds/bad.txt",
                 "README.txt"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("seeds/bad.txt:5:13: typo.known-misspelling 实缋 is a known "
                             "misspelling of 实绩")
    assert out[-1].startswith("seedcheck: 1 finding(s) in the 1 staged seed(s); 0 more")


def test_hook_definition_points_at_the_installed_entry_point():
    root = Path(__file__).parent.parent
    hooks = (root / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "entry: seedcheck-pre-commit" in hooks and "language: python" in hooks
    assert 'seedcheck-pre-commit = "checks.precommit:main"' in (
        root / "pyproject.toml").read_text(encoding="utf-8")
