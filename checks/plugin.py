"""The pytest plugin (registered through the ``pytest11`` entry point).

It does nothing unless asked: ``--seeds DIR`` on the command line, or a ``seeds`` ini
setting. Then every seed file becomes one item (node id ``<dir>::<relative path>``),
each corpus-check category one more item (``<dir>::corpus[duplicate]``), and at the
end of the session the controller (never an xdist worker) writes the reports.

Findings travel from the item that computed them to the controller as JSON on the
test report's ``user_properties``, so ``pytest -n 2`` reports exactly what a serial
run does.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pytest

from . import baseline as baseline_mod
from . import config as config_mod
from . import engine, registry
from .model import Finding, SEVERITIES, fails
from .report.build import build_report
from .report.console import to_ansi
from .report.writer import write_reports
from .scan import scan
from .seed import read_seed

PROP = "seedcheck"


@dataclass
class State:
    root: Path
    seeds_label: str
    report_dir: Path
    fail_on: str
    config: config_mod.Config
    baseline: baseline_mod.Baseline
    update_baseline: bool
    use_cache: bool
    controller: bool
    started: float = field(default_factory=time.monotonic)
    files: dict[str, dict] = field(default_factory=dict)
    findings: dict[str, list[dict]] = field(default_factory=dict)  # nodeid -> findings
    collected: bool = False
    report: dict | None = None
    written: list[Path] = field(default_factory=list)
    write_error: str | None = None
    baseline_written: tuple[Path, int] | None = None


STATE = pytest.StashKey[State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("seedcheck", "seedcheck: quality gate for seed files")
    group.addoption("--seeds", metavar="DIR", default=None,
                    help="check the seed files (*.txt, recursively) under DIR instead of "
                         "collecting tests")
    group.addoption("--report-dir", metavar="OUT", default=None,
                    help="write report.json/.md/.sarif/.html into OUT (default: reports)")
    group.addoption("--fail-on", choices=SEVERITIES, default=None,
                    help="lowest severity that fails a seed's test (default: error)")
    group.addoption("--update-baseline", action="store_true", default=False,
                    help="accept every current finding: write them to the baseline file")
    group.addoption("--baseline", metavar="FILE", default=None,
                    help="baseline file (default: <seeds>/.seedcheck-baseline.json)")
    group.addoption("--seedcheck-config", metavar="FILE", default=None,
                    help="read [tool.seedcheck] from FILE instead of pyproject.toml")
    group.addoption("--no-cache", action="store_true", default=False,
                    help="ignore cached per-seed results; check everything again")
    parser.addini("seeds", "folder of seed files checked by a plain pytest run")
    parser.addini("seedcheck_report_dir", "report folder (default: reports)")
    parser.addini("seedcheck_fail_on", "lowest severity that fails (error|warning|info)")
    parser.addini("seedcheck_baseline", "baseline file")


def _base_dir(config: pytest.Config) -> Path:
    return Path(config.inipath).parent if config.inipath else Path(config.rootpath)


def _config_file(config: pytest.Config) -> Path | None:
    explicit = config.getoption("seedcheck_config")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise pytest.UsageError(f"--seedcheck-config {explicit}: no such file")
        return path
    candidate = _base_dir(config) / "pyproject.toml"
    return candidate if candidate.is_file() else None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    cli_seeds = config.getoption("seeds")
    ini_seeds = config.getini("seeds")
    if not cli_seeds and not ini_seeds:
        return
    invocation = Path(config.invocation_params.dir)
    if cli_seeds:
        root = (invocation / cli_seeds).resolve()
        if not root.is_dir():
            why = "is not a folder" if root.exists() else "does not exist"
            raise pytest.UsageError(f"--seeds {cli_seeds}: the seeds folder {why}")
        # Check the seeds and nothing else: the suite's own tests are not collected.
        config.args[:] = [str(root)]
    else:
        root = (_base_dir(config) / ini_seeds).resolve()
        if not root.is_dir():
            return
        source = config.args_source
        if source in (pytest.Config.ArgsSource.TESTPATHS,
                      pytest.Config.ArgsSource.INVOCATION_DIR):
            if not any(Path(a).resolve() == root for a in config.args
                       if not a.startswith("-")):
                config.args.append(str(root))
    try:
        cfg = config_mod.load(_config_file(config))
        fail_on = (config.getoption("fail_on") or config.getini("seedcheck_fail_on")
                   or cfg.fail_on)
        fail_on = config_mod.check_fail_on(fail_on, "seedcheck_fail_on")
    except config_mod.ConfigError as exc:
        raise pytest.UsageError(f"seedcheck configuration: {exc}") from None
    report_opt = config.getoption("report_dir")
    if report_opt:
        report_dir = (invocation / report_opt).resolve()
    else:
        report_dir = (_base_dir(config) / (config.getini("seedcheck_report_dir")
                                           or "reports")).resolve()
    bl_opt = config.getoption("baseline")
    if bl_opt:
        bl_path = (invocation / bl_opt).resolve()
    elif config.getini("seedcheck_baseline") or cfg.baseline:
        bl_path = (_base_dir(config) / (config.getini("seedcheck_baseline")
                                        or cfg.baseline)).resolve()
    else:
        bl_path = root / baseline_mod.FILENAME
    try:
        bl = baseline_mod.load(bl_path)
    except baseline_mod.BaselineError as exc:
        raise pytest.UsageError(str(exc)) from None
    registry.load_builtin()
    state = State(
        root=root,
        seeds_label=root.as_posix(),
        report_dir=report_dir,
        fail_on=fail_on,
        config=cfg,
        baseline=bl,
        update_baseline=config.getoption("update_baseline"),
        use_cache=not config.getoption("no_cache"),
        controller=not hasattr(config, "workerinput"),
    )
    config.stash[STATE] = state
    config.addinivalue_line("markers", "seedcheck: a seed file or corpus check")
    config.pluginmanager.register(SessionPlugin(state), "seedcheck-session")


def _state(config: pytest.Config) -> State | None:
    return config.stash.get(STATE, None)


class SeedDir(pytest.Directory):
    """The seeds folder: one item per seed, then one per corpus-check category."""

    def collect(self):
        state = _state(self.config)
        assert state is not None
        state.collected = True
        entries = scan(self.path)
        for rel, path in entries:
            yield SeedItem.from_parent(self, name=rel, path=path, rel=rel)
        categories = [c for c in registry.corpus_categories()
                      if any(state.config.enabled(s.id) for s in registry.all_checks()
                             if s.scope == "corpus" and s.category == c)]
        if entries:
            for cat in categories:
                yield CorpusItem.from_parent(self, name=f"corpus[{cat}]", category=cat,
                                             paths=[r for r, _ in entries])


class SeedcheckFailure(Exception):
    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


class _CheckItem(pytest.Item):
    def _finish(self, findings: list[Finding], file_rec: dict | None) -> None:
        state = _state(self.config)
        assert state is not None
        for f in findings:
            f.baselined = state.baseline.accepts(f)
        payload = {"findings": [f.to_dict() for f in findings]}
        if file_rec is not None:
            payload["file"] = file_rec
        self.user_properties.append((PROP, json.dumps(payload, ensure_ascii=False)))
        if state.update_baseline:
            return
        failing = [f for f in findings if fails(f.severity, state.fail_on) and not f.baselined]
        if failing:
            lines = [f"{f.path}:{f.line}:{f.column} {f.check} {f.message}" for f in failing]
            rest = len(findings) - len(failing)
            if rest:
                lines.append(f"({rest} more findings below the fail level or baselined)")
            raise SeedcheckFailure(lines)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, SeedcheckFailure):
            lines = excinfo.value.lines
            head = f"{len([ln for ln in lines if not ln.startswith('(')])} finding(s):"
            return "\n".join([head, *lines])
        return super().repr_failure(excinfo, style)


class SeedItem(_CheckItem):
    def __init__(self, *, rel: str, **kw):
        super().__init__(**kw)
        self.rel = rel
        self.add_marker("seedcheck")

    def runtest(self) -> None:
        state = _state(self.config)
        assert state is not None
        seed = read_seed(self.path, self.rel, state.config.max_file_bytes)
        findings = engine.check_seed(seed, state.config)
        text = seed.text
        rec = {
            "path": self.rel,
            "sha256": seed.sha256,
            "chars": len(text) if text is not None else 0,
            "lines": len(seed.lines) if text else 0,
            "unreadable": text is None,
        }
        self._finish(findings, rec)

    def reportinfo(self):
        return self.path, None, f"seed {self.rel}"


class CorpusItem(_CheckItem):
    def __init__(self, *, category: str, paths: list[str], **kw):
        super().__init__(**kw)
        self.category = category
        self.paths = paths
        self.add_marker("seedcheck")

    def runtest(self) -> None:
        state = _state(self.config)
        assert state is not None
        corpus = engine.Corpus(state.root, self.paths, state.config)
        self._finish(engine.check_corpus(corpus, self.category), None)

    def reportinfo(self):
        return self.path, None, f"corpus checks: {self.category}"


def _line_lookup(root: Path):
    @lru_cache(maxsize=64)
    def lines_of(path: str) -> list[str] | None:
        seed = read_seed(root / path, path)
        return [ln.text for ln in seed.lines] if seed.text is not None else None

    def lookup(path: str, line: int) -> str | None:
        lines = lines_of(path)
        if lines is None or line > len(lines):
            return None
        return lines[line - 1][:2000]
    return lookup


class SessionPlugin:
    """Hooks that exist only when seedcheck is active in this run."""

    def __init__(self, state: State):
        self.state = state

    @pytest.hookimpl(tryfirst=True)
    def pytest_collect_directory(self, path: Path, parent: pytest.Collector):
        if Path(path).resolve() == self.state.root:
            return SeedDir.from_parent(parent, path=Path(path))
        return None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.state.started = time.monotonic()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        state = self.state
        if report.when != "call" or not state.controller:
            return
        for name, value in getattr(report, "user_properties", ()):
            if name != PROP:
                continue
            payload = json.loads(value)
            state.findings[report.nodeid] = payload["findings"]
            if "file" in payload:
                state.files[payload["file"]["path"]] = payload["file"]

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        state = self.state
        config = session.config
        if not state.controller or config.option.collectonly:
            return
        if not state.files and not state.findings:
            return
        findings = [Finding.from_dict(d) for fs in state.findings.values() for d in fs]
        findings.sort(key=Finding.sort_key)
        stale = state.baseline.stale(findings, set(state.files))
        if state.update_baseline:
            n = baseline_mod.write(state.baseline.path, findings)
            for f in findings:
                f.baselined = True
            stale = []
            state.baseline_written = (state.baseline.path, n)
        report = build_report(
            list(state.files.values()), findings, seeds_dir=state.seeds_label,
            duration_s=time.monotonic() - state.started, fail_on=state.fail_on,
            stale_baseline=stale)
        state.report = report
        try:
            state.written = write_reports(state.report_dir, report, state.root,
                                          _line_lookup(state.root))
        except OSError as exc:
            state.write_error = (f"cannot write reports to {state.report_dir}: "
                                 f"{exc.strerror or exc}")
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter, exitstatus: int,
                                config: pytest.Config) -> None:
        state = self.state
        if state.report is None:
            return
        tw = terminalreporter._tw
        terminalreporter.section("seedcheck report")
        text = to_ansi(state.report, width=max(60, min(tw.fullwidth, 160)),
                       color=tw.hasmarkup, line_lookup=_line_lookup(state.root))
        terminalreporter.write(text)
        if state.baseline_written:
            path, n = state.baseline_written
            terminalreporter.write_line(
                f"seedcheck: baseline written to {path} ({n} accepted findings)")
        if state.write_error:
            terminalreporter.write_line(f"seedcheck: ERROR: {state.write_error}", red=True)
        elif state.written:
            terminalreporter.write_line(
                f"seedcheck: reports written to {state.report_dir}"
                f" ({', '.join(p.name for p in state.written)})")
