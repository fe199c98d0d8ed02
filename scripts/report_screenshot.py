"""Regenerate the screenshots of report.html in docs/ (the README shows them).

    python scripts/report_screenshot.py

Runs seedcheck on a copy of the raw sample seed (tests/fixtures/, unmodified), opens the
page in headless Chromium (apt-get install -y chromium chromium-driver fonts-noto-cjk:
the fonts draw the Chinese text; the tests do not need them) and saves
docs/report-summary.png (the top of the page) and docs/report-findings.png (a finding in
its text, with the fix as a diff).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checks.report import browser  # noqa: E402

SAMPLE = ROOT / "tests" / "fixtures" / "000_12dde9c38bb7d0aa.txt"


def main() -> int:
    why = browser.missing()
    if why:
        print(f"error: {why}", file=sys.stderr)
        return 2
    if not list(Path("/usr/share/fonts").rglob("NotoSansCJK*")):
        print("warning: fonts-noto-cjk is not installed: the Chinese text will show as "
              "boxes (apt-get install -y fonts-noto-cjk)", file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        seeds = Path(tmp) / "seeds"
        seeds.mkdir()
        shutil.copy(SAMPLE, seeds / SAMPLE.name)
        subprocess.run([sys.executable, "-m", "pytest", "--seeds", "seeds", "--report-dir",
                        "out", "-q", "-p", "no:cacheprovider"], cwd=tmp,
                       capture_output=True, check=False)
        page = Path(tmp) / "out" / "report.html"
        with browser.chromium(width=1280, height=980) as d:
            browser.open_report(d, page)
            d.save_screenshot(str(ROOT / "docs" / "report-summary.png"))
            d.execute_script(
                "var c = document.querySelector('#files .finding[data-line=\"34\"]');"
                "window.scrollTo(0, c.getBoundingClientRect().top + window.scrollY - 300);")
            d.save_screenshot(str(ROOT / "docs" / "report-findings.png"))
    print("wrote docs/report-summary.png and docs/report-findings.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
