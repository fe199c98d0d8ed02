"""Shared fixtures for the suite's own tests."""

from __future__ import annotations

from pathlib import Path

import pytest

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
