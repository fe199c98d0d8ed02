"""tests/ci_support.py: a test that cannot run skips here and fails under CI=true."""

from __future__ import annotations

import pytest

from ci_support import import_or_fail, skip_or_fail


def test_a_test_that_cannot_run_skips_outside_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no browser"):
        skip_or_fail("no browser")


def test_a_test_that_cannot_run_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but this test cannot run: no browser"):
        skip_or_fail("no browser")


def test_a_missing_module_fails_under_ci_and_skips_elsewhere(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="seedcheck_no_such_module does not import"):
        import_or_fail("seedcheck_no_such_module")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="seedcheck_no_such_module"):
        import_or_fail("seedcheck_no_such_module")


def test_a_module_that_imports_is_returned(monkeypatch):
    monkeypatch.setenv("CI", "true")
    assert import_or_fail("json").dumps([1]) == "[1]"
