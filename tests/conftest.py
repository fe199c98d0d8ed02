"""Shared fixtures for the suite's own tests."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest

import checks


def _import_checks() -> None:
    """Import every module of the package before any test runs pytest in this process.

    An in-process run (``pytester.runpytest``) restores ``sys.modules`` when it ends, so
    a module the plugin first imported during one run (``checks.incremental``, imported
    where it is needed) is imported again by the next: its classes are new objects, and
    a state pickled by a worker forked from this process fails ("not the same object as
    checks.incremental.KeyIndex") where a user's single run never would. Which tests ran
    first decided whether a later one saw it."""
    for mod in pkgutil.walk_packages(checks.__path__, "checks."):
        try:
            importlib.import_module(mod.name)
        except ImportError:  # an optional extra that is not installed
            pass


_import_checks()

FIXTURES = Path(__file__).parent / "fixtures"
RAW_SAMPLE = FIXTURES / "000_12dde9c38bb7d0aa.txt"
CLEAN_SAMPLE = Path(__file__).parent.parent / "seeds" / "000_12dde9c38bb7d0aa.txt"


@pytest.fixture
def raw_sample_text() -> str:
    return RAW_SAMPLE.read_text(encoding="utf-8")


@pytest.fixture
def clean_sample_text() -> str:
    return CLEAN_SAMPLE.read_text(encoding="utf-8")


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: opens report.html in headless Chromium "
                                       "(tests/test_report_browser.py)")
