"""Open a report page in the system's headless Chromium (Debian's ``chromium`` and
``chromium-driver`` packages) through Selenium: used by the browser tests, the
screenshot script and the report benchmark. Not needed to write reports.

Install: ``apt-get install -y chromium chromium-driver`` and ``pip install selenium``
(a dev dependency). Nothing is downloaded at run time: Selenium is pointed at
``/usr/bin/chromium`` and ``/usr/bin/chromedriver``, so its driver manager never runs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterator

CHROMIUM = os.environ.get("SEEDCHECK_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SEEDCHECK_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage")


def missing() -> str | None:
    """Why a browser cannot be started here, or None."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[dev]')"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).is_file() and os.access(path, os.X_OK)):
            return (f"{path} is missing (apt-get install -y chromium chromium-driver; "
                    ".ci/run does it)")
    return None


@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 900) -> Iterator["object"]:
    """A headless Chromium WebDriver with a fresh profile, closed (and its profile
    removed) on exit. Browser console messages are kept (``driver.get_log("browser")``)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="seedcheck-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.add_argument(f"--window-size={width},{height}")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        try:
            driver.quit()
        finally:
            shutil.rmtree(profile, ignore_errors=True)


def open_report(driver, path: Path, timeout: float = 30.0) -> float:
    """Load ``report.html`` and wait until its script has drawn the findings; returns
    the seconds from navigation start until then (measured by the page's own clock)."""
    driver.get(Path(path).resolve().as_uri())
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = driver.execute_script(
            "return document.body && document.body.getAttribute('data-ready') === '1'"
            " ? +document.body.getAttribute('data-ready-ms') : null")
        if ready is not None:
            return ready / 1000.0
        error = driver.execute_script(
            "var e = document.getElementById('shown');"
            "return e && e.classList.contains('warn') ? e.textContent : null")
        if error:
            raise RuntimeError(error)
        time.sleep(0.02)
    raise TimeoutError(f"{path} did not finish loading in {timeout} s")
