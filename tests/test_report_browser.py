"""report.html in a real browser: Debian's headless Chromium driven by Selenium.

The pages come from real runs (``python -m pytest --seeds DIR``): the raw sample seed,
and a generated corpus with thousands of findings (a part of them accepted by a
baseline, duplicates, and a hostile seed). The tests click the filters and read the
counts the page shows, follow related links, check that a hostile seed's text is shown
as text and never runs, and that the browser console stays free of errors.

Without Chromium the tests are skipped, except under ``CI=true``, where they fail:
``.ci/run`` installs ``chromium`` and ``chromium-driver`` with apt-get.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from checks.report import browser
from ci_support import skip_or_fail
from conftest import RAW_SAMPLE

pytestmark = pytest.mark.browser

HOSTILE = ('<script>window.__pwned=1</script></textarea><img src=x onerror="window.__pwned=2">'
           '{{ 7*7 }}{% raw %}javascript:alert(1)')


@pytest.fixture(scope="module")
def driver():
    why = browser.missing()
    if why:
        skip_or_fail(f"the browser tests: {why}")
    with browser.chromium(width=1280, height=1000) as d:
        yield d


def run_seedcheck(seeds: Path, out: Path, *extra: str) -> dict:
    r = subprocess.run([sys.executable, "-m", "pytest", "--seeds", str(seeds),
                        "--report-dir", str(out), "-p", "no:cacheprovider", "-q", *extra],
                       capture_output=True, text=True, cwd=seeds.parent)
    assert r.returncode in (0, 1), r.stdout[-3000:] + r.stderr[-3000:]
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample_page(tmp_path_factory):
    base = tmp_path_factory.mktemp("sample")
    seeds = base / "seeds"
    seeds.mkdir()
    shutil.copy(RAW_SAMPLE, seeds / RAW_SAMPLE.name)
    report = run_seedcheck(seeds, base / "out")
    return base / "out" / "report.html", report


def _seed(i: int) -> str:
    """A short article with planted defects: page chrome at the head and the tail,
    two known misspellings."""
    return (f"2020-07-{1 + i % 28:02d}\n\n当前位置：首页 > 新闻 > 第{i}篇\n\n"
            f"第{i}号文章标题\n\n"
            f"    今年以来，第{i}区坚持把实缋考核作为重要抓手，共培训干部{100 + i}人次。\n"
            f"    各乡镇釆取有力措施，完成道路{i % 50 + 3}公里，新建村级活动场所{i % 9 + 2}个。\n"
            f"    第{i}区还组织了{i % 7 + 2}次专题学习，参加人员达到{200 + i * 3}人。\n\n"
            f"责任编辑：编辑{i}\n主办单位：第{i}区人民政府办公室\n")


CORPUS_FILES = 480


@pytest.fixture(scope="module")
def corpus_page(tmp_path_factory):
    """480 generated seeds (the first 240 baselined), a near-duplicate pair and a
    hostile seed: thousands of findings."""
    base = tmp_path_factory.mktemp("corpus")
    seeds = base / "seeds"
    seeds.mkdir()
    for i in range(CORPUS_FILES // 2):
        (seeds / f"a{i:04d}.txt").write_text(_seed(i), encoding="utf-8")
    run_seedcheck(seeds, base / "out0", "--update-baseline")
    for i in range(CORPUS_FILES // 2, CORPUS_FILES):
        (seeds / f"b{i:04d}.txt").write_text(_seed(i), encoding="utf-8")
    long_body = "".join(f"    第{k}段：全区上下认真落实各项工作部署，推动经济社会持续健康发展，"
                        f"群众满意度达到{80 + k}%。\n" for k in range(12))
    (seeds / "dup-1.txt").write_text("2021-01-05\n\n" + long_body, encoding="utf-8")
    (seeds / "dup-2.txt").write_text(
        "2021-01-06\n\n" + long_body.replace("满意度达到85%", "满意度达到95%"),
        encoding="utf-8")
    (seeds / "fig.txt").write_text(
        "2020-07-26\n\n合作社发展情况\n\n"
        "    全市828个贫困村共注册成立合作社778家，带动农户增收。各地加强指导服务。\n"
        "    各地加强指导服务，规范财务管理，推动合作社健康发展。\n"
        "    全市828个贫困村共注册成立合作社788家，带动农户增收。\n", encoding="utf-8")
    (seeds / "zz-hostile.txt").write_text(
        f"2020-07-26\n\n{HOSTILE}\n\n    正文里写着实缋两个字。{HOSTILE}\n", encoding="utf-8")
    report = run_seedcheck(seeds, base / "out")
    assert report["summary"]["findings"] > 2000
    return base / "out" / "report.html", report


def shown(d) -> str:
    return d.find_element("id", "shown").text


def select(d, element_id: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(d.find_element("id", element_id)).select_by_value(value)


def filtered_counts(d) -> dict[str, list[int]]:
    """The "shown" table: category -> [error, warning, info, total]."""
    rows = {}
    for tr in d.find_elements("css selector", "#filtered-counts tbody tr"):
        cells = [td.text for td in tr.find_elements("css selector", "th, td")]
        rows[cells[0]] = [int(c) for c in cells[1:]]
    return rows


def console_errors(d) -> list:
    return [e for e in d.get_log("browser") if e.get("level") == "SEVERE"]


# -- the sample seed ---------------------------------------------------------------------------

def test_sample_page_lists_every_finding_with_context(driver, sample_page):
    page, report = sample_page
    browser.open_report(driver, page)
    n = len(report["findings"])
    assert n >= 17  # (other checks may add findings; the counts below follow report.json)
    assert shown(driver) == f"Showing {n} of {n} findings in 1 files."
    cards = driver.find_elements("css selector", "#files .finding")
    assert len(cards) == n
    # the misspelling on line 34: numbered context lines, the span marked, the fix as a diff
    card = next(c for c in cards if c.get_attribute("data-line") == "34")
    assert "000_12dde9c38bb7d0aa.txt:34:19" in card.text
    numbers = [td.text for td in card.find_elements("css selector", "table.ctx td.ln")]
    assert numbers == ["32", "33", "34", "35", "36"]
    assert [m.text for m in card.find_elements("css selector", "table.ctx mark")] == ["釆取"]
    assert [m.text for m in card.find_elements("css selector", "table.diff tr.del mark")] == ["釆"]
    assert [m.text for m in card.find_elements("css selector", "table.diff tr.add mark")] == ["采"]
    assert "fix: replace with “采取” (safe)" in card.text
    assert console_errors(driver) == []


def test_sample_page_filters_update_the_counts(driver, sample_page):
    page, report = sample_page
    browser.open_report(driver, page)
    fs = report["findings"]
    n = len(fs)

    def count(**want) -> int:
        return sum(all(f[k] == v for k, v in want.items()) for f in fs)

    warnings = count(severity="warning")
    assert warnings >= 4  # the four byline findings at least
    select(driver, "f-severity", "warning")
    assert shown(driver) == f"Showing {warnings} of {n} findings in 1 files (filtered)."
    assert len(driver.find_elements("css selector", "#files .finding")) == warnings
    assert filtered_counts(driver)["chrome"] == [0, count(category="chrome",
                                                          severity="warning"), 0,
                                                 count(category="chrome", severity="warning")]
    assert filtered_counts(driver)["total"] == [0, warnings, 0, warnings]
    select(driver, "f-severity", "")
    select(driver, "f-category", "typo")
    assert shown(driver) == (f"Showing {count(category='typo')} of {n} findings in 1 files "
                             "(filtered).")
    select(driver, "f-check", "typo.known-misspelling")
    assert count(check="typo.known-misspelling") == 4
    assert shown(driver) == f"Showing 4 of {n} findings in 1 files (filtered)."
    # the preview command follows the filter
    assert driver.find_element("id", "cmd-fix").get_attribute("textContent").startswith(
        "python -m checks fix --select typo.known-misspelling ")
    driver.find_element("id", "f-reset").click()
    driver.find_element("id", "f-text").send_keys("实缋")
    # the text search looks at the messages and the text shown: the two misspellings and
    # the findings whose context holds their lines
    from checks.report.html import embedded_data

    data = embedded_data(page.read_text(encoding="utf-8"))
    hits = [f for f in data["findings"]
            if "实缋" in f[7] + "".join("".join(map(str, r[1:])) for r in f[11])]
    _wait(lambda: shown(driver).startswith(f"Showing {len(hits)} of {n}"))
    lines = [c.get_attribute("data-line") for c in
             driver.find_elements("css selector", "#files .finding")]
    assert lines == [str(f[3]) for f in hits] and {"42", "87"} <= set(lines)
    driver.find_element("id", "f-reset").click()
    driver.find_element("id", "f-new").click()  # nothing is baselined: all are new
    assert shown(driver) == f"Showing {n} of {n} findings in 1 files."
    assert console_errors(driver) == []


def test_sample_page_related_link_goes_to_the_place(driver, sample_page):
    page, _ = sample_page
    browser.open_report(driver, page)
    # figure.notation-drift on line 8 points at the zero-padded date on line 5
    card = next(c for c in driver.find_elements("css selector", "#files .finding")
                if c.get_attribute("data-line") == "8")
    link = card.find_element("css selector", ".related a.rel")
    assert link.text == "000_12dde9c38bb7d0aa.txt:5:5"
    assert card.find_element("css selector", ".related .preview mark").text == "2017年09月08日"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", link)
    link.click()
    # the page marks the target after it has scrolled to it (a frame later): wait for it
    from selenium.webdriver.support.ui import WebDriverWait

    target = WebDriverWait(driver, 10).until(
        lambda d: (d.find_elements("css selector", ".target") or [None])[0])
    assert target.get_attribute("data-line") == "5"  # the chrome.byline finding on lines 5-6
    assert driver.execute_script(
        "var r = arguments[0].getBoundingClientRect();"
        "return r.top >= 0 && r.top < window.innerHeight", target)
    # the duplicates view: the two copies side by side, the differing characters marked
    sides = driver.find_elements("css selector", "#duplicates .sides pre.text")
    assert len(sides) == 2
    assert "【字体:" in "".join(m.text for m in sides[0].find_elements("css selector", "mark"))
    assert console_errors(driver) == []


def _compressed_copy(page: Path, report: dict, where: Path) -> Path:
    """The page of the same report with its payload compressed (deflate-raw, the lines
    naming their file and check), whatever its size."""
    from checks.report.html import embedded_data, to_html

    text = to_html(report, page.parent.parent / "seeds", compress_above=0)
    assert '"encoding": "deflate-raw+base64"' in text
    assert embedded_data(text) == embedded_data(page.read_text(encoding="utf-8"))
    out = where / "report.html"
    out.write_text(text, encoding="utf-8")
    return out


def test_sample_page_compressed_shows_the_same_findings_and_links(driver, sample_page,
                                                                  tmp_path):
    page, report = sample_page
    browser.open_report(driver, _compressed_copy(page, report, tmp_path))
    n = len(report["findings"])
    assert shown(driver) == f"Showing {n} of {n} findings in 1 files."
    card = next(c for c in driver.find_elements("css selector", "#files .finding")
                if c.get_attribute("data-line") == "8")
    assert card.find_element("css selector", ".related a.rel").text == \
        "000_12dde9c38bb7d0aa.txt:5:5"
    select(driver, "f-check", "typo.known-misspelling")
    assert shown(driver) == f"Showing 4 of {n} findings in 1 files (filtered)."
    assert console_errors(driver) == []


def test_sample_page_has_charts_and_no_network(driver, sample_page):
    page, report = sample_page
    browser.open_report(driver, page)
    bars = driver.find_elements("css selector", "#chart-checks rect")
    # a bar segment per check and severity that occur
    assert len(bars) == len({(f["check"], f["severity"]) for f in report["findings"]}) >= 8
    assert len(driver.find_elements("css selector", "#chart-similarity rect")) >= 1
    # everything is inline: no request left the page
    assert driver.execute_script(
        "return performance.getEntriesByType('resource').length") == 0
    assert console_errors(driver) == []


def test_page_without_findings_opens_cleanly(driver, tmp_path):
    from checks.report.build import build_report
    from checks.report.html import to_html

    files = [{"path": "a.txt", "sha256": "0" * 64, "chars": 10, "lines": 2}]
    page = tmp_path / "report.html"
    page.write_text(to_html(build_report(files, [], seeds_dir="seeds", duration_s=0.1)),
                    encoding="utf-8")
    browser.open_report(driver, page)
    assert shown(driver) == "Showing 0 of 0 findings in 0 files."
    assert not driver.find_element("id", "more").is_displayed()
    assert console_errors(driver) == []


def test_file_with_hundreds_of_findings_is_drawn_in_parts(driver, tmp_path):
    from checks.model import Finding
    from checks.report.build import build_report
    from checks.report.html import to_html

    fs = [Finding(check="typo.doubled-punctuation", category="typo", severity="warning",
                  path="big.txt", line=i, column=3, end_line=i, end_column=5, excerpt="。。",
                  message=f"finding {i}", fix=None, related=[], fingerprint=f"x{i}")
          for i in range(1, 451)]
    files = [{"path": "big.txt", "sha256": "0" * 64, "chars": 10, "lines": 450}]
    page = tmp_path / "report.html"
    page.write_text(to_html(build_report(files, fs, seeds_dir="seeds", duration_s=0.1)),
                    encoding="utf-8")
    browser.open_report(driver, page)
    assert shown(driver) == "Showing 450 of 450 findings in 1 files."
    cards = lambda: driver.find_elements("css selector", "#files .finding")  # noqa: E731
    assert len(cards()) == 200
    btn = driver.find_element("css selector", "#files button.more-in-file")
    assert btn.text == "Show 200 more of 250 findings left in this file"
    driver.execute_script("arguments[0].click()", btn)
    assert len(cards()) == 400
    # a link to a finding not drawn yet draws the rest of the file
    driver.execute_script("location.hash = '#at-0-449'")
    _wait(lambda: len(cards()) == 450)
    target = driver.find_element("css selector", ".target")
    assert target.get_attribute("data-line") == "449"
    assert not btn.is_displayed()
    assert console_errors(driver) == []


# -- a generated corpus with thousands of findings -------------------------------------------

def test_large_page_renders_lazily_and_filters(driver, corpus_page):
    page, report = corpus_page
    browser.open_report(driver, page)
    n = len(report["findings"])
    files = len({f["path"] for f in report["findings"]})
    assert shown(driver) == f"Showing {n} of {n} findings in {files} files."
    first = len(driver.find_elements("css selector", "#files .finding"))
    assert 0 < first <= 260  # drawn in chunks, not all at once
    more = driver.find_element("id", "more")
    driver.execute_script("arguments[0].click()", more)
    assert len(driver.find_elements("css selector", "#files .finding")) > first
    # new since baseline: the findings of the files added after --update-baseline
    fresh = [f for f in report["findings"] if not f["baselined"]]
    assert 0 < len(fresh) < n
    driver.find_element("id", "f-new").click()
    fresh_files = len({f["path"] for f in fresh})
    assert shown(driver) == (f"Showing {len(fresh)} of {n} findings in {fresh_files} files "
                             "(filtered).")
    assert all(f["path"].startswith(("b", "dup", "fig", "zz")) for f in fresh)
    # and a path filter on top of it
    driver.find_element("id", "f-path").send_keys("b0300")
    want = sum(1 for f in fresh if "b0300" in f["path"])
    _wait(lambda: shown(driver).startswith(f"Showing {want} of {n} findings in 1 files"))
    assert filtered_counts(driver)["total"][3] == want
    assert console_errors(driver) == []


def test_large_page_compressed_draws_and_filters_the_same_findings(driver, corpus_page,
                                                                    tmp_path):
    page, report = corpus_page
    browser.open_report(driver, _compressed_copy(page, report, tmp_path))
    n = len(report["findings"])
    files = len({f["path"] for f in report["findings"]})
    assert shown(driver) == f"Showing {n} of {n} findings in {files} files."
    driver.find_element("id", "f-path").send_keys("b0300")
    mine = sorted(f["line"] for f in report["findings"] if "b0300" in f["path"])
    _wait(lambda: shown(driver).startswith(f"Showing {len(mine)} of {n} findings in 1 files"))
    assert sorted(int(c.get_attribute("data-line")) for c in
                  driver.find_elements("css selector", "#files .finding")) == mine
    assert console_errors(driver) == []


def test_large_page_duplicates_view_marks_the_differing_figure(driver, corpus_page):
    page, report = corpus_page
    browser.open_report(driver, page)
    pairs = driver.find_elements("css selector", "#duplicates .pair")
    pair = next(p for p in pairs if "dup-2.txt" in p.text and "dup-1.txt" in p.text)
    left, right = pair.find_elements("css selector", "pre.text")
    assert [m.text for m in left.find_elements("css selector", "mark.num")] == ["8"]
    assert [m.text for m in right.find_elements("css selector", "mark.num")] == ["9"]
    assert pair.find_elements("css selector", "mark.diff") == []  # nothing else differs
    # the first copy has no finding of its own: its link opens a section for it
    link = pair.find_element("css selector", "a[href='#file=dup-1.txt']")
    driver.execute_script("arguments[0].click()", link)
    target = driver.find_element("css selector", ".target")
    assert target.get_attribute("id").endswith(str(_file_index(page, "dup-1.txt")))
    assert console_errors(driver) == []


def test_large_page_figures_view_shows_each_conflict_once(driver, corpus_page):
    page, report = corpus_page
    browser.open_report(driver, page)
    assert sum(f["check"] == "figure.conflicting-figure" and f["path"] == "fig.txt"
               for f in report["findings"]) == 2  # one finding on each statement
    pairs = [p for p in driver.find_elements("css selector", "#figures .pair")
             if "fig.txt" in p.text]
    assert len(pairs) == 1
    assert pairs[0].text.startswith("fig.txt:5 against fig.txt:7 figure.conflicting-figure")
    left, right = pairs[0].find_elements("css selector", "pre.text")
    assert left.text == "全市828个贫困村共注册成立合作社788家，带动农户增收。"
    assert [m.text for m in left.find_elements("css selector", "mark.num")] == ["8"]
    assert [m.text for m in right.find_elements("css selector", "mark.num")] == ["7"]
    assert console_errors(driver) == []


def test_hostile_seed_text_is_shown_as_text_and_never_runs(driver, corpus_page):
    page, _ = corpus_page
    browser.open_report(driver, page)
    driver.find_element("id", "f-path").send_keys("zz-hostile")
    _wait(lambda: "(filtered)" in shown(driver))
    texts = [td.get_attribute("textContent") for td in
             driver.find_elements("css selector", "#files table.ctx td.tx")]
    assert any(HOSTILE in t for t in texts), texts
    assert driver.execute_script("return window.__pwned === undefined")
    assert driver.find_elements("css selector", "#files img, #files textarea, #files script") == []
    assert "49" not in "".join(texts)  # {{ 7*7 }} was not evaluated by a template
    assert driver.find_elements("css selector", "a[href^='javascript:']") == []
    assert console_errors(driver) == []


def _file_index(page: Path, path: str) -> int:
    from checks.report.html import embedded_data

    files = embedded_data(page.read_text(encoding="utf-8"))["files"]
    return [f[0] for f in files].index(path)


def _wait(cond, timeout: float = 10.0) -> None:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    assert cond()
