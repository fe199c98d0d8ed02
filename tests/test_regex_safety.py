"""No pattern can be made to backtrack catastrophically, no lexicon makes a check crawl.

Generic on purpose: the patterns are *collected*, not listed, so a pattern another
developer adds is covered without touching this file:

* every compiled regex reachable from the globals of ``checks`` and ``checks.*`` modules
  (also inside lists, tuples, sets, dicts and classes), and
* every regex compiled or used (``re.search(str, ...)``) by code in ``checks.*`` while
  all checks run over the sample seeds (a spy on ``re._compile``).

Each pattern runs (``finditer``, to the end) on adversarial strings built from its own
alphabet: long runs of each character it can match, alternations of two, pumped
literal runs, each followed by a character that makes the match fail. Python's regex
engine cannot be interrupted, so the patterns run in a child process; a pattern that
does not finish within the time bound is reported by its source and module.

Lexicons (module-level collections of at least 20 strings) are tested through the
checks: every file check runs on texts made of a lexicon's entries (all of them glued
together, and each entry's prefix repeated), within a time bound.
"""

from __future__ import annotations

import functools
import importlib
import json
import pkgutil
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import checks
from checks import registry
from checks.config import Config
from checks.engine import Corpus, check_corpus, check_seed
from checks.seed import seed_from_text
from conftest import CLEAN_SAMPLE, RAW_SAMPLE

CHILD_TIMEOUT = 600  # the whole child; a catastrophic pattern hangs it
BUDGET_S = 0.25  # see CHILD: per 2,000 characters, and for 32,000 with superlinear growth
LEXICON_BUDGET_S = 10.0  # CPU s, all file checks on one lexicon text (about 20,000 characters)


# -- collecting ---------------------------------------------------------------------------------

def _is_pattern(obj) -> bool:
    return isinstance(obj, re.Pattern) or (
        hasattr(obj, "finditer") and isinstance(getattr(obj, "pattern", None), (str, bytes))
        and isinstance(getattr(obj, "flags", None), int))


def check_modules() -> list:
    for info in pkgutil.walk_packages(checks.__path__, "checks."):
        if info.name.endswith("__main__"):
            continue
        importlib.import_module(info.name)
    registry.load_builtin()
    return [m for name, m in sorted(sys.modules.items())
            if (name == "checks" or name.startswith("checks.")) and m is not None]


def _walk(obj, origin: str, patterns: dict, lexicons: dict, depth: int, seen: set) -> None:
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if _is_pattern(obj):
        patterns.setdefault((obj.pattern, obj.flags), origin)
        return
    if depth > 3 or isinstance(obj, (str, bytes, int, float)):
        return
    if isinstance(obj, dict):
        keys = [k for k in obj if isinstance(k, str)]
        if len(keys) >= 20:
            lexicons.setdefault(origin, sorted(keys))
        for k, v in obj.items():
            _walk(v, f"{origin}[{k!r}]"[:120], patterns, lexicons, depth + 1, seen)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        words = [w for w in obj if isinstance(w, str)]
        if len(words) >= 20:
            lexicons.setdefault(origin, sorted(set(words)))
        for i, v in enumerate(obj):
            if not isinstance(v, str):
                _walk(v, f"{origin}[{i}]", patterns, lexicons, depth + 1, seen)
    elif isinstance(obj, type) and obj.__module__.startswith("checks"):
        for k, v in list(vars(obj).items()):
            if not k.startswith("__"):
                _walk(v, f"{origin}.{k}", patterns, lexicons, depth + 1, seen)
    elif type(obj).__module__.startswith("checks") and hasattr(obj, "__dict__"):
        for k, v in list(vars(obj).items()):
            _walk(v, f"{origin}.{k}", patterns, lexicons, depth + 1, seen)


def _cached_loader(value, mod) -> bool:
    """A module's own ``functools.cache``-d function without required arguments (how
    the checks load their data files lazily)."""
    if not (callable(value) and hasattr(value, "cache_info")
            and getattr(value, "__module__", None) == mod.__name__):
        return False
    import inspect

    try:
        sig = inspect.signature(value)
    except (TypeError, ValueError):
        return False
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for p in sig.parameters.values())


def collect_static() -> tuple[dict, dict]:
    """({(pattern, flags): origin}, {origin: lexicon words}) from module globals."""
    patterns: dict = {}
    lexicons: dict = {}
    seen: set = set()
    for mod in check_modules():
        for name, value in list(vars(mod).items()):
            if name.startswith("__"):
                continue
            if isinstance(value, type(sys)):  # a module: walked on its own
                continue
            if _cached_loader(value, mod):  # lazily loaded data: load it and walk it
                try:
                    value = value()
                except Exception:
                    continue
                name += "()"
            _walk(value, f"{mod.__name__}.{name}", patterns, lexicons, 0, seen)
    return patterns, lexicons


SAMPLE_TEXTS = [RAW_SAMPLE.read_text(encoding="utf-8"), CLEAN_SAMPLE.read_text(encoding="utf-8"),
                "2020-07-26\n\n标题\n\n正文第一段，内容完整。共有3个项目，总投资1.5亿元。\n"
                "来源：新华社  责任编辑：张三  【字体：大 中 小】  分享到：微信\n"]


def collect_runtime(monkeypatch) -> dict:
    """{(pattern, flags): origin} of regexes that code in ``checks.*`` compiles or uses
    while every check runs on the sample seeds."""
    found: dict = {}
    orig = re._compile

    def spy(pattern, flags):
        compiled = orig(pattern, flags)
        f = sys._getframe(1)
        while f is not None and f.f_globals.get("__name__", "").startswith("re"):
            f = f.f_back
        caller = f.f_globals.get("__name__", "") if f is not None else ""
        if caller == "checks" or caller.startswith("checks."):
            found.setdefault((compiled.pattern, compiled.flags),
                             f"{caller}:{f.f_code.co_name} (compiled at run time)")
        return compiled

    monkeypatch.setattr(re, "_compile", spy)
    seeds = {}
    for i, text in enumerate(SAMPLE_TEXTS):
        rel = f"s{i}.txt"
        seeds[rel] = seed_from_text(text, rel)
        check_seed(seeds[rel], Config())
    check_corpus(Corpus(Path("."), sorted(seeds), Config(), loader=seeds.__getitem__))
    monkeypatch.undo()
    return found


# -- how the code uses a pattern ----------------------------------------------------------------

ANCHORED = {"match", "fullmatch"}
PATTERN_METHODS = {"match", "fullmatch", "search", "finditer", "findall", "sub", "subn",
                   "split", "scanner"}


@functools.lru_cache(maxsize=1)
def _sources() -> str:
    root = Path(checks.__file__).parent
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py")))


def methods_used(name: str) -> set[str]:
    """The regex methods the checks' code calls on ``name`` (a pattern, or a function
    returning one), also through a variable it is assigned to."""
    src = _sources()
    names = {name}
    alias = rf"\b(\w+)\s*=\s*(?:[\w.]+\.)?{re.escape(name)}\b(?:\([^()]*\))?(?!\s*[.(\w])"
    for m in re.finditer(alias, src):
        names.add(m.group(1))
    used: set[str] = set()
    for n in names:
        for m in re.finditer(rf"\b{re.escape(n)}(?:\([^()]*\))?\.(\w+)\(", src):
            if m.group(1) in PATTERN_METHODS:
                used.add(m.group(1))
        if re.search(rf"[(,=]\s*{re.escape(n)}\s*[,)]", src):
            used.add("?")  # passed on as an argument: used who knows how
    return used


def usage_mode(origin: str) -> str:
    """``anchored`` when every use of the pattern is ``.match``/``.fullmatch`` (one
    attempt at one position), else ``scan`` (every start position is tried)."""
    m = re.match(r"[\w.]+?\.(\w+)$", origin) or re.match(r"[\w.]+:(\w+) ", origin)
    if not m:
        return "scan"
    used = methods_used(m.group(1))
    return "anchored" if used and used <= ANCHORED else "scan"


# -- the child: runs patterns on adversarial strings ----------------------------------------------

CHILD = r'''
import json, re, sys, time
try:
    import re._parser as sre_parse
    from re._constants import (LITERAL, NOT_LITERAL, IN, RANGE, CATEGORY, ANY, NEGATE,
                               CATEGORY_DIGIT, CATEGORY_SPACE, CATEGORY_WORD)
except ImportError:  # Python < 3.11
    import sre_parse
    from sre_constants import (LITERAL, NOT_LITERAL, IN, RANGE, CATEGORY, ANY, NEGATE,
                               CATEGORY_DIGIT, CATEGORY_SPACE, CATEGORY_WORD)

BASE = list("a1 \n中，。<>&#.\t-:") + ["\u3000"]
CAT = {CATEGORY_DIGIT: "1９", CATEGORY_SPACE: " \u3000", CATEGORY_WORD: "a中_"}

def alphabet(p):
    chars, runs = [], []
    def add(c):
        if c not in chars:
            chars.append(c)
    def walk(seq):
        run = ""
        for op, av in seq:
            if op == LITERAL:
                add(chr(av)); run += chr(av); continue
            if len(run) >= 2:
                runs.append(run)
            run = ""
            if op == NOT_LITERAL:
                add("x" if av != ord("x") else "y")
            elif op == IN:
                for o, a in av:
                    if o == LITERAL: add(chr(a))
                    elif o == RANGE:
                        lo, hi = a
                        for c in (lo, (lo + hi) // 2, hi): add(chr(c))
                    elif o == CATEGORY and a in CAT:
                        for c in CAT[a]: add(c)
            elif op == ANY:
                add("x")
            else:
                for x in (av if isinstance(av, (list, tuple)) else [av]):
                    if isinstance(x, sre_parse.SubPattern):
                        walk(x.data if hasattr(x, "data") else x)
                    elif isinstance(x, (list, tuple)):
                        for y in x:
                            if isinstance(y, sre_parse.SubPattern):
                                walk(y.data if hasattr(y, "data") else y)
        if len(run) >= 2:
            runs.append(run)
    try:
        walk(sre_parse.parse(p.pattern, p.flags & ~re.UNICODE if isinstance(p.pattern, bytes) else p.flags))
    except Exception:
        pass
    return chars, runs

def strings(p, n):
    chars, runs = alphabet(p)
    chars = (chars + [c for c in BASE if c not in chars])[:40]
    tails = ["\x00", "\n"]
    out = []
    for c in chars:
        for t in tails:
            out.append(c * n + t)
    head = chars[:10]
    for i, a in enumerate(head):
        for b in head[i + 1:]:
            out.append((a + b) * (n // 2) + "\x00")
    for r in runs[:20]:
        out.append(r * (n // len(r)) + "\x00")
        out.append((r[:-1]) * (n // max(1, len(r) - 1)) + "\x00")
    out.append("".join(chars) * (n // max(1, len(chars))) + "\x00")
    return out

def timed(p, s, mode):
    if isinstance(p.pattern, bytes):
        s = s.encode("utf-8")
    # CPU time of this process: other jobs on a loaded machine do not count against the
    # pattern (wall time did: 0.6-0.9 s for a linear pattern under a load of 5)
    t0 = time.process_time()
    if mode == "anchored":       # the code only ever calls .match/.fullmatch on it
        p.match(s)
        p.fullmatch(s)
    else:                        # search, finditer, sub, split: every start position
        for _ in p.finditer(s):
            pass
    return time.process_time() - t0

budget = float(sys.argv[1])
HARD = 8 * budget   # this slow on one string: slow, whatever the growth
items = json.load(sys.stdin)
for i, (src, flags, origin, is_bytes, mode) in enumerate(items):
    print("BEGIN", i, flush=True)
    try:
        p = re.compile(src.encode("latin-1") if is_bytes else src, flags)
    except Exception as exc:
        print("SKIP", i, repr(exc), flush=True)
        continue
    small = []
    worst, worst_s, flag, ratio = 0.0, "", False, 0.0
    for s in strings(p, 2000):
        t = timed(p, s, mode)
        small.append((t, s))
        if t > worst:
            worst, worst_s = t, s
        if t > budget:  # 2,000 characters: a linear pattern takes well under 10 ms
            t = min(t, timed(p, s, mode))  # measure again: not a hiccup of the machine
            if t > budget:
                worst, worst_s = t, s
                flag = True
                break
    small.sort(key=lambda t: -t[0])
    if not flag:
        # the slowest strings again, 4x and 16x longer: linear time grows about 4x,
        # quadratic 16x (a string stops as soon as it is clearly too slow)
        for _, s in small[:4]:
            unit, tail = s[:-1], s[-1]
            t4 = timed(p, unit * 4 + tail, mode)
            if t4 > HARD:
                worst, worst_s, flag = t4, unit * 4 + tail, True
                break
            big = unit * 16 + tail
            t16 = timed(p, big, mode)
            if t16 > budget and t16 > 6 * t4:  # measure again: not a scheduler hiccup
                t4 = min(t4, timed(p, unit * 4 + tail, mode))
                t16 = min(t16, timed(p, big, mode))
            if t16 > worst:
                worst, worst_s, ratio = t16, big, t16 / max(t4, 1e-9)
            if t16 > HARD or (t16 > budget and t16 > 6 * t4):
                flag = True
                break
    print("DONE", i, json.dumps({"worst": worst, "chars": len(worst_s), "flag": flag,
                                 "ratio": ratio, "sample": worst_s[:40]}), flush=True)
'''


def run_child(items: list, timeout: float = CHILD_TIMEOUT) -> tuple[dict, str | None]:
    """{index: result} for the patterns that finished; the index of the pattern that
    hung (None when none did)."""
    payload = json.dumps([[src.decode("latin-1") if isinstance(src, bytes) else src, flags,
                           origin, isinstance(src, bytes), usage_mode(origin)]
                          for (src, flags), origin in items])
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out_f, \
            tempfile.TemporaryFile("w+", encoding="utf-8") as err_f:
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(BUDGET_S)],
                                stdin=subprocess.PIPE, stdout=out_f, stderr=err_f, text=True)
        try:
            proc.communicate(payload, timeout=timeout)
            hung = None
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            hung = "timeout"
        out_f.seek(0)
        err_f.seek(0)
        out = out_f.read()
        if hung is None:
            assert proc.returncode == 0, err_f.read()[-3000:]
    results: dict = {}
    last_begin = None
    for line in out.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "BEGIN":
            last_begin = int(rest)
        elif kind == "DONE":
            i, _, data = rest.partition(" ")
            results[int(i)] = json.loads(data)
            last_begin = None
        elif kind == "SKIP":
            i, _, why = rest.partition(" ")
            results[int(i)] = {"worst": 0.0, "sample": "", "skipped": why}
            last_begin = None
    return results, (str(last_begin) if hung and last_begin is not None else hung)


# -- tests -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def runtime_patterns():
    """Runs every check once (so lazily loaded data is in the modules' globals too) and
    returns the patterns compiled on the way."""
    mp = pytest.MonkeyPatch()
    try:
        return collect_runtime(mp)
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def all_patterns(runtime_patterns):
    merged, _ = collect_static()
    for k, v in runtime_patterns.items():
        merged.setdefault(k, v)
    return sorted(merged.items(), key=lambda kv: (kv[1], str(kv[0][0])))


def test_patterns_are_collected(all_patterns):
    """The collector finds the patterns of every rules module that has any (a test that
    collected nothing would pass vacuously)."""
    origins = {origin.split(":")[0].rsplit(".", 1)[0] for _, origin in all_patterns}
    assert len(all_patterns) >= 20
    assert "checks.seed" in origins
    for mod in check_modules():
        if mod.__name__.startswith("checks.rules.") and any(
                _is_pattern(v) for v in vars(mod).values()):
            assert any(o.startswith(mod.__name__) for o in origins), mod.__name__


def test_collector_sees_nested_and_runtime_patterns(monkeypatch):
    import types

    fake = types.ModuleType("checks._probe_for_test")
    fake.TABLE = {"k": [re.compile(r"(a+)+b")]}
    fake.WORDS = frozenset(f"词{i}" for i in range(25))

    class Holder:
        INNER = re.compile(r"x*y")
    Holder.__module__ = "checks._probe_for_test"
    fake.Holder = Holder
    monkeypatch.setitem(sys.modules, "checks._probe_for_test", fake)
    patterns, lexicons = collect_static()
    assert patterns[(r"(a+)+b", re.UNICODE)] == "checks._probe_for_test.TABLE['k'][0]"
    assert patterns[(r"x*y", re.UNICODE)] == "checks._probe_for_test.Holder.INNER"
    assert len(lexicons["checks._probe_for_test.WORDS"]) == 25


def test_the_child_catches_a_catastrophic_pattern():
    """The harness itself: a classic exponential pattern is reported as hung or slow,
    and a linear one is not (a test that cannot fail is a defect)."""
    items = [((r"x\d+", re.UNICODE), "linear"),
             ((r"\d+x", re.UNICODE), "quadratic when searched")]
    results, hung = run_child(items)
    assert hung is None
    assert not results[0]["flag"]
    assert results[1]["flag"]
    results, hung = run_child([((r"(\d+)+$", re.UNICODE), "exponential")], timeout=15)
    assert hung == "0" or results[0]["flag"]


def test_no_pattern_backtracks_catastrophically(all_patterns):
    results, hung = run_child(all_patterns)
    if hung is not None:
        if hung.isdigit():
            (src, _), origin = all_patterns[int(hung)]
            pytest.fail(f"pattern from {origin} did not finish on adversarial input "
                        f"(catastrophic backtracking): {src!r}")
        pytest.fail("the regex child timed out")
    slow = [(all_patterns[i][1], usage_mode(all_patterns[i][1]), all_patterns[i][0][0],
             r["worst"], r["chars"], r["sample"])
            for i, r in results.items() if r.get("flag")]
    assert not slow, "patterns slower than linear on adversarial strings:\n" + "\n".join(
        f"  {o} ({mode}): {src!r} took {t:.2f}s on {n:,} characters {s!r}..."
        for o, mode, src, t, n, s in slow)
    assert len(results) == len(all_patterns)
    skipped = [(all_patterns[i][1], r["skipped"]) for i, r in results.items() if "skipped" in r]
    assert not skipped, f"patterns the child could not compile: {skipped}"


# -- lexicons through the checks -------------------------------------------------------------------

LEX_CHILD = r'''
import json, sys, time
from checks.config import Config
from checks.engine import check_seed
from checks.seed import seed_from_text

texts = json.load(sys.stdin)
for i, (origin, text) in enumerate(texts):
    print("BEGIN", i, flush=True)
    t0 = time.process_time()  # CPU, not wall: a loaded machine must not fail the test
    check_seed(seed_from_text(text), Config())
    print("DONE", i, json.dumps({"worst": time.process_time() - t0, "sample": text[12:52]}),
          flush=True)
'''


def lexicon_texts(lexicons: dict) -> list[tuple[str, str]]:
    out = []
    per_root: dict[str, int] = {}
    for origin, words in sorted(lexicons.items(), key=lambda kv: (len(kv[0]), kv[0])):
        root = origin.split("[")[0]
        per_root[root] = per_root.get(root, 0) + 1
        if per_root[root] > 3:  # e.g. a dict of readings: its first few lists stand for all
            continue
        words = [w for w in words if w and "\x00" not in w][:5000]
        if not words:
            continue
        glued = "".join(words)[:20000]
        out.append((origin + " (entries glued)", "2020-07-26\n\n" + glued + "\n"))
        pumped = "".join((w[:-1] or w) * 8 for w in words)[:20000]
        out.append((origin + " (prefixes pumped)", "2020-07-26\n\n" + pumped + "\n"))
        lines = "\n".join(words)[:20000]
        out.append((origin + " (one entry a line)", "2020-07-26\n\n" + lines + "\n"))
    return out


def test_lexicons_do_not_make_checks_crawl(runtime_patterns):
    _, lexicons = collect_static()
    texts = lexicon_texts(lexicons)
    assert texts, "no lexicon found: the collector is broken"
    proc = subprocess.run([sys.executable, "-c", LEX_CHILD], input=json.dumps(texts),
                          text=True, capture_output=True, timeout=CHILD_TIMEOUT,
                          cwd=Path(__file__).parent.parent)
    assert proc.returncode == 0, proc.stderr[-3000:]
    done = {}
    for line in proc.stdout.splitlines():
        if line.startswith("DONE"):
            _, i, data = line.split(" ", 2)
            done[int(i)] = json.loads(data)["worst"]
    assert len(done) == len(texts)
    slow = [(texts[i][0], t) for i, t in done.items() if t > LEXICON_BUDGET_S]
    assert not slow, slow
