"""Benchmark of the reports of a large corpus (not a test): size of report.html and
report.md, time to render them, and the time report.html takes to open in headless
Chromium (until the findings are drawn), to filter, and its JavaScript heap.

    python bench/bench_report.py                      # generates 10,000 seeds (~30,000 findings)
    python bench/bench_report.py --corpus DIR --report DIR/../out/report.json   # reuse a run

Needs chromium and chromium-driver (apt-get) and selenium (dev extra). Writes the
figures to docs/bench-report.json and prints them. Targets (issue 15): at 30,000
findings the page opens in under 3 s and stays under 20 MB; report.md under 1 MiB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checks.report import browser  # noqa: E402
from checks.report.html import to_html  # noqa: E402
from checks.report.markdown import to_markdown  # noqa: E402


def load() -> str:
    return os.getloadavg() and " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=ROOT / "bench" / "out" / "corpus-10000")
    ap.add_argument("--report", type=Path, default=None,
                    help="an existing report.json of --corpus (else seedcheck is run)")
    ap.add_argument("--size", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "bench-report.json")
    args = ap.parse_args()
    why = browser.missing()
    if why:
        print(f"error: {why}", file=sys.stderr)
        return 2
    if args.report is None:
        if not args.corpus.is_dir():
            subprocess.run([sys.executable, str(ROOT / "bench" / "gen_corpus.py"), "--size",
                            str(args.size), "--out", str(args.corpus)], check=True)
        out = args.corpus.parent / (args.corpus.name + "-reports")
        subprocess.run([sys.executable, "-m", "pytest", "--seeds", str(args.corpus),
                        "--report-dir", str(out), "-q", "-n", "2", "-p", "no:cacheprovider"],
                       cwd=ROOT, capture_output=True)
        args.report = out / "report.json"
    report = json.loads(args.report.read_text(encoding="utf-8"))
    n = len(report["findings"])
    print(f"{n} findings in {report['summary']['files']} files; load {load()}")

    t = time.perf_counter()
    page = to_html(report, args.corpus)
    render_html = time.perf_counter() - t
    t = time.perf_counter()
    md = to_markdown(report)
    render_md = time.perf_counter() - t
    html_path = args.report.parent / "bench-report.html"
    html_path.write_text(page, encoding="utf-8")
    size_html = html_path.stat().st_size
    size_md = len(md.encode("utf-8"))
    encoding = re.search(r'"encoding": "([^"]+)"', page).group(1)

    opens, walls, filters, heaps = [], [], [], []
    with browser.chromium(width=1280, height=1000) as d:
        for _ in range(args.runs):
            t = time.perf_counter()
            opens.append(browser.open_report(d, html_path))
            walls.append(time.perf_counter() - t)
            heaps.append(d.execute_script(
                "return performance.memory ? performance.memory.usedJSHeapSize : null"))
            filters.append(d.execute_script(
                "var s = document.getElementById('f-severity'), t = performance.now();"
                "s.value = 'warning'; s.dispatchEvent(new Event('change'));"
                "s.value = ''; s.dispatchEvent(new Event('change'));"
                "return (performance.now() - t) / 2 / 1000;"))
        # a text search over every finding (the filter is run through a change event so
        # that it runs at once: the text box itself waits 150 ms for more typing)
        text_filter = d.execute_script(
            "document.getElementById('f-text').value = '\u5b9e\u7f0b';"
            "var c = document.getElementById('f-severity'), t = performance.now();"
            "c.dispatchEvent(new Event('change'));"
            "return (performance.now() - t) / 1000;")
        text_shown = d.find_element("id", "shown").text
        errors = [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]
        shown = d.find_element("id", "shown").text
    result = {
        "findings": n, "files": report["summary"]["files"],
        "html_bytes": size_html, "html_payload": encoding, "md_bytes": size_md,
        "render_html_s": round(render_html, 2), "render_md_s": round(render_md, 2),
        "open_s_median": round(statistics.median(opens), 3), "open_s_runs": opens,
        "open_wall_s_median": round(statistics.median(walls), 3),
        "filter_s_median": round(statistics.median(filters), 3),
        "text_filter_s": round(text_filter, 3), "text_filter_shown": text_shown,
        "js_heap_mb": round(max(h or 0 for h in heaps) / 1e6, 1),
        "console_errors": len(errors), "shown": shown,
        "load_average": load(), "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} CPUs, {platform.python_version()}",
        "command": "python bench/bench_report.py " + " ".join(sys.argv[1:]),
    }
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for k, v in result.items():
        print(f"{k:>20}: {v}")
    ok = size_html < 20_000_000 and result["open_s_median"] < 3 and size_md < 1_048_576
    print("targets met" if ok else "targets NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
