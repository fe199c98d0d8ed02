"""The speed-and-scale benchmark (not a test). One command:

    python bench/run_bench.py --sizes 1000 10000 50000

For every size it generates a synthetic corpus (``bench/gen_corpus.py``), then runs the
full suite exactly as a user would, ``python -m pytest --seeds DIR --report-dir OUT -p
no:randomly``, and measures:

* ``cold``: a plain run, nothing cached (``--no-cache``; the plugin's process pool uses
  the machine's cores);
* ``warm``: the same again, nothing changed;
* ``add-one``: one new seed added, then a warm run;
* ``edit-one``: one seed edited (the added one removed again), then a warm run;
* ``remove-one``: one seed removed (the edit undone), then a warm run;
* ``dedup-ref``: the dedup-only reference pipeline (``bench/dedup_reference.py``:
  datasketch MinHash LSH, rapidfuzz), on the same corpus, and the recall check: every
  near-duplicate pair it finds must be in one of seedcheck's duplicate groups (from the
  cold run's report);
* optional: ``cold-serial`` (``--seedcheck-jobs 1``), ``cold-n2`` (``-n 2``,
  pytest-xdist).

All pytest runs of one size write to the same report folder, as a user's runs do (a
run whose findings did not change keeps the reports on disk). With ``--verify``, after
each of add-one, edit-one and remove-one a cold run of the same corpus state checks that
the incremental report equals it (not timed).

For each run: wall time, CPU time (user + system of the pytest process and its
workers), peak resident memory (the largest single process), seeds per second, the
load average of the machine before the run (other work on the machine inflates wall
time), the slowest items (the corpus categories) from ``--durations``, and whether
the report's findings and files are identical to the cold serial run's. Then a time
per check, measured in-process on a sample of the smallest corpus.

The code is *snapshotted* first (``checks/`` and ``pyproject.toml`` copied to
``bench/out/snapshot/``, runs start there), so edits made to the working tree while
the benchmark runs neither change what is measured nor invalidate the cache between
the cold and warm runs.

Writes ``bench/out/results.json`` and ``bench/out/time_vs_size.png``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

import gen_corpus  # noqa: E402

RUNS = ("cold", "warm", "add-one", "edit-one", "remove-one", "dedup-ref", "cold-serial",
        "cold-n2")
DEFAULT_RUNS = ("cold", "warm", "add-one", "edit-one", "remove-one", "dedup-ref")


def sh(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict:
    return {
        "nproc": sh(["nproc"]),
        "free_h": sh(["free", "-h"]),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": next((ln.split(":", 1)[1].strip() for ln in
                     Path("/proc/cpuinfo").read_text().splitlines()
                     if ln.startswith("model name")), "") if Path("/proc/cpuinfo").exists()
        else platform.processor(),
        "git_commit": sh(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
        "git_dirty_files": len(sh(["git", "-C", str(ROOT), "status", "--porcelain",
                                   "--", "checks"]).splitlines()),
        # the typo checks' compiled kernel built beside the sources (else the same checks
        # run in pure Python, slower: docs/typos.md, fifteenth landing)
        "typo_kernel": any((ROOT / "checks").glob("_typokernel*.so")),
    }


def snapshot() -> Path:
    snap = OUT / "snapshot"
    if snap.exists():
        shutil.rmtree(snap)
    snap.mkdir(parents=True)
    shutil.copytree(ROOT / "checks", snap / "checks",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(ROOT / "pyproject.toml", snap / "pyproject.toml")
    return snap


def run_pytest(snap: Path, seeds: Path, report: Path, extra: list[str],
               cmd: list[str] | None = None) -> dict:
    """One pytest run from the snapshot; measured with wait4 (this child and its
    waited-for descendants: the xdist workers and the pool's processes)."""
    if cmd is None:
        cmd = [sys.executable, "-m", "pytest", "--seeds", str(seeds), "--report-dir",
               str(report), "-p", "no:randomly", "-q", "--durations=6", *extra]
    env = dict(os.environ, PYTHONPATH=str(snap))
    # as a user's Python does, the runs write (and then use) the checks' bytecode: a
    # shell that sets PYTHONDONTWRITEBYTECODE (this development machine's does) would
    # make every run compile the checks and pytest rewrite them again (~0.35 s a run)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    with open(OUT / "last_run.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=snap, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = (OUT / "last_run.log").read_text(errors="replace")
    durations = []
    for line in text.splitlines():
        m = re.match(r"^([\d.]+)s (call|setup|teardown)\s+(\S+)", line)
        if m:
            durations.append({"item": m.group(3).split("::")[-1], "when": m.group(2),
                              "s": float(m.group(1))})
    phases = next((ln[len("seedcheck: checked "):] for ln in text.splitlines()
                   if ln.startswith("seedcheck: checked ")), None)
    if phases is None and "nothing changed since the last run" in text:
        phases = "replayed (nothing changed since the last run)"
    summary = next((ln for ln in reversed(text.splitlines()) if " in " in ln and
                    ("passed" in ln or "failed" in ln)), "") or text.strip()[-300:]
    return {"cmd": " ".join(cmd[1:]), "exit": proc.returncode, "wall_s": round(wall, 2),
            "cpu_s": round(ru.ru_utime + ru.ru_stime, 2),
            "peak_rss_mb": round(ru.ru_maxrss / 1024, 1), "load_before": round(load, 2),
            "slowest": durations, "pytest_summary": summary.strip("= "), "phases": phases}


def report_core(report_dir: Path) -> tuple | None:
    try:
        r = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return (json.dumps(r["findings"], sort_keys=True), json.dumps(r["files"], sort_keys=True),
            r["summary"]["findings"])


def dup_groups(report_dir: Path) -> dict[str, str]:
    """{path: group representative} of seedcheck's duplicate groups in a report: files
    joined by identical, near-duplicate and contained findings (union-find)."""
    r = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for f in r["findings"]:
        if f["check"] in ("duplicate.identical-file", "duplicate.near-duplicate-file",
                          "duplicate.contained-file") and f.get("related"):
            a, b = find(f["path"]), find(f["related"][0]["path"])
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {p: find(p) for p in list(parent)}


def recall(pairs: list, groups: dict[str, str]) -> dict:
    missed = [p for p in pairs if p[0] not in groups or groups.get(p[0]) != groups.get(p[1])]
    return {"reference_pairs": len(pairs), "in_seedcheck_groups": len(pairs) - len(missed),
            "recall": round((len(pairs) - len(missed)) / len(pairs), 4) if pairs else None,
            "missed": missed[:50]}


def new_seed_text(corpus: Path) -> str:
    """A realistic extra seed: another seed's text with its paragraphs reversed."""
    first = sorted(corpus.glob("*.txt"))[1].read_text(encoding="utf-8")
    lines = first.split("\n")
    return "\n".join(lines[:8] + list(reversed(lines[8:]))).rstrip("\n") + "\n"


def bench_size(size: int, snap: Path, runs: list[str], results: dict,
               verify: bool = False) -> None:
    corpus = OUT / f"corpus-{size}"
    manifest = corpus / ".manifest.json"
    meta = json.loads(manifest.read_text()) if manifest.exists() else {}
    if (meta.get("size"), meta.get("version")) != (size, gen_corpus.GENERATOR_VERSION):
        t0 = time.perf_counter()
        gen_corpus.generate(size, corpus)
        print(f"[{size}] generated corpus in {time.perf_counter() - t0:.1f} s", flush=True)
    extra_path = corpus / "zzz_added_seed.txt"
    extra_path.unlink(missing_ok=True)
    seeds_sorted = sorted(corpus.glob("*.txt"))
    edit_path = seeds_sorted[size // 2]
    edit_orig = edit_path.read_bytes()
    remove_path = seeds_sorted[size // 3]
    remove_orig = remove_path.read_bytes()
    rows: dict[str, dict] = dict(results["sizes"].get(str(size), {}))
    ref = None
    shared = OUT / f"report-{size}"  # one report folder for the user-like sequence
    try:
        for name in runs:
            rep = shared if name in ("cold", "warm", "add-one", "edit-one", "remove-one") \
                else OUT / f"report-{size}-{name}"
            extra: list[str] = []
            if name.startswith("cold"):
                extra.append("--no-cache")
            if name == "cold-n2":
                extra += ["-n", "2"]
            if name == "cold-serial":
                extra += ["--seedcheck-jobs", "1"]
            if name == "add-one":
                extra_path.write_text(new_seed_text(corpus), encoding="utf-8")
            if name == "edit-one":
                extra_path.unlink(missing_ok=True)
                edit_path.write_bytes(edit_orig + "\n      补充说明：本文有所修改。\n".encode())
            if name == "remove-one":
                extra_path.unlink(missing_ok=True)
                edit_path.write_bytes(edit_orig)
                remove_path.unlink()
            if name == "dedup-ref":
                pairs_file = OUT / f"dedup-ref-{size}.json"
                row = run_pytest(snap, corpus, rep, [], cmd=[
                    sys.executable, str(HERE / "dedup_reference.py"), str(corpus),
                    "--out", str(pairs_file)])
                try:
                    ref_out = json.loads(pairs_file.read_text(encoding="utf-8"))
                    row["reference"] = {k: ref_out[k] for k in
                                        ("files", "compared", "candidates", "seconds")}
                    row["recall_check"] = recall(ref_out["pairs"], dup_groups(shared))
                except (OSError, ValueError, KeyError) as exc:
                    row["recall_check"] = {"error": str(exc)}
                rows[name] = row
                print(f"[{size}] {name:9s} wall {row['wall_s']:8.2f} s  cpu {row['cpu_s']:8.2f} s  "
                      f"rss {row['peak_rss_mb']:7.1f} MB  load {row['load_before']:.1f}  "
                      f"recall {row['recall_check'].get('recall')}", flush=True)
                results["sizes"][str(size)] = rows
                write_results(results)
                continue
            row = run_pytest(snap, corpus, rep, extra)
            n_seeds = size + (1 if name == "add-one" else -1 if name == "remove-one" else 0)
            row["seeds"] = n_seeds
            row["seeds_per_s"] = round(n_seeds / row["wall_s"], 1) if row["wall_s"] else None
            log = (OUT / "last_run.log").read_text(errors="replace")
            row["reports"] = "kept" if "are up to date" in log else "written"
            core = report_core(rep)
            if name == "cold":
                ref = core
            elif name in ("warm", "cold-n2", "cold-serial") and ref is not None:
                row["report_identical_to_cold"] = core == ref
            if verify and name in ("add-one", "edit-one", "remove-one"):
                check = OUT / f"report-{size}-{name}-verify"
                run_pytest(snap, corpus, check, ["--no-cache", "-p", "no:cacheprovider"])
                row["report_identical_to_cold_of_same_corpus"] = report_core(check) == core
            if name == "edit-one":
                edit_path.write_bytes(edit_orig)
            if name == "remove-one":
                remove_path.write_bytes(remove_orig)
            rows[name] = row
            print(f"[{size}] {name:9s} wall {row['wall_s']:8.2f} s  cpu {row['cpu_s']:8.2f} s  "
                  f"rss {row['peak_rss_mb']:7.1f} MB  load {row['load_before']:.1f}  "
                  f"{row['pytest_summary']}", flush=True)
            results["sizes"][str(size)] = rows
            write_results(results)
    finally:
        extra_path.unlink(missing_ok=True)
        edit_path.write_bytes(edit_orig)
        remove_path.write_bytes(remove_orig)


def per_check_times(snap: Path, corpus: Path, n: int) -> dict:
    """ms per seed of every file check and index extraction, in-process (from the
    snapshot) over the first ``n`` seeds of ``corpus``."""
    code = f"""
import json, sys, time
sys.path.insert(0, {str(snap)!r})
from pathlib import Path
from checks import registry, engine, cache
from checks.config import Config
from checks.seed import read_seed
from checks.scan import scan
registry.load_builtin()
cfg = Config()
entries = scan(Path({str(corpus)!r}))[:{n}]
seeds = [read_seed(p, rel, cfg.max_file_bytes) for rel, p in entries]
t = {{}}
for seed in seeds:  # first pass: warm-up (lazy dictionaries, regex compilation)
    engine.check_seed(seed, cfg)
    cache.index_features(seed, cfg, cache.needed_indexes(cfg))
for seed in seeds:
    view = seed.checkable(cfg.max_line_chars)[0] if hasattr(seed, "checkable") else seed
    for spec in registry.all_checks():
        if spec.scope != "file" or not cfg.enabled(spec.id):
            continue
        t0 = time.perf_counter()
        list(spec.func(view, engine.CheckContext(cfg, spec.id)))
        t[spec.id] = t.get(spec.id, 0.0) + time.perf_counter() - t0
    cache.index_features(seed, cfg, cache.needed_indexes(cfg), timings=t)
print(json.dumps({{k: round(1000 * v / len(seeds), 3) for k, v in
                  sorted(t.items(), key=lambda kv: -kv[1])}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=snap, env=dict(os.environ, PYTHONPATH=str(snap)))
    try:
        return json.loads(out.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"error": out.stderr[-2000:]}


def write_results(results: dict) -> None:
    (OUT / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n",
                                      encoding="utf-8")


def plot(results: dict) -> Path | None:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install matplotlib)")
        return None
    sizes = sorted(int(s) for s in results["sizes"])
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, key, label in ((axes[0], "wall_s", "wall time (s)"),
                           (axes[1], "cpu_s", "CPU time, pytest and workers (s)")):
        for name, style in zip(RUNS, ("o-", "s--", "^-", "v-", "<-", "k:", "x-", "D-")):
            xs = [s for s in sizes if name in results["sizes"][str(s)]]
            ys = [results["sizes"][str(s)][name][key] for s in xs]
            if xs:
                ax.plot(xs, ys, style, label=name)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("seeds in the corpus")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    m = results["machine"]
    fig.suptitle(f"seedcheck: time against corpus size ({m['nproc']} CPUs, Python "
                 f"{m['python']}; wall times on a shared, loaded machine)", fontsize=10)
    fig.tight_layout()
    path = OUT / "time_vs_size.png"
    fig.savefig(path, dpi=120)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="seedcheck speed-and-scale benchmark")
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000, 50000])
    ap.add_argument("--runs", nargs="+", default=list(DEFAULT_RUNS), choices=RUNS)
    ap.add_argument("--verify", action="store_true",
                    help="after add-one, edit-one and remove-one, a cold run of the same "
                         "corpus checks the incremental report (not timed)")
    ap.add_argument("--per-check", action="store_true",
                    help="also measure the time per check (in-process, --sample seeds)")
    ap.add_argument("--sample", type=int, default=300,
                    help="seeds used for the per-check times (default 300)")
    ap.add_argument("--keep", action="store_true",
                    help="add to an existing results.json instead of starting a new one")
    ap.add_argument("--out", type=Path, default=HERE / "out",
                    help="working folder (default bench/out): corpora, snapshot, results")
    ap.add_argument("--reuse-snapshot", action="store_true",
                    help="keep the code snapshot (and its store) of the last run: warm runs "
                         "after an earlier cold one")
    ap.add_argument("--merge", type=Path, nargs="*", default=[],
                    help="results.json files of other runs to merge in (sizes and runs)")
    args = ap.parse_args(argv)
    global OUT
    OUT = args.out.resolve()
    OUT.mkdir(parents=True, exist_ok=True)
    reuse = args.reuse_snapshot and (OUT / "snapshot" / "checks").is_dir()
    snap = snapshot() if args.sizes and not reuse else OUT / "snapshot"
    results = {"machine": machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                              time.gmtime()),
               "sizes": {}, "per_check_ms": {}}
    if args.keep and (OUT / "results.json").exists():
        old = json.loads((OUT / "results.json").read_text(encoding="utf-8"))
        results["sizes"] = old.get("sizes", {})
        results["per_check_ms"] = old.get("per_check_ms", {})
    for other in args.merge:
        old = json.loads(other.read_text(encoding="utf-8"))
        for size, rows in old.get("sizes", {}).items():
            results["sizes"].setdefault(size, {}).update(rows)
        if old.get("per_check_ms") and not results["per_check_ms"]:
            results["per_check_ms"] = old["per_check_ms"]
    for size in sorted(args.sizes):
        bench_size(size, snap, args.runs, results, verify=args.verify)
    if args.sizes and args.per_check:
        smallest = OUT / f"corpus-{min(args.sizes)}"
        results["per_check_ms"] = per_check_times(snap, smallest,
                                                  min(args.sample, min(args.sizes)))
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    sizes = results["sizes"]
    for run in ("cold", "cold-serial", "cold-n2"):
        if run in sizes.get("10000", {}) and run in sizes.get("50000", {}):
            a, b = sizes["50000"][run], sizes["10000"][run]
            results[f"ratio_50k_10k_{run}"] = {
                "wall": round(a["wall_s"] / b["wall_s"], 2),
                "cpu": round(a["cpu_s"] / b["cpu_s"], 2)}
    for size, rows in sizes.items():
        if "cold" in rows and "dedup-ref" in rows:
            results.setdefault("ratio_cold_to_dedup_ref", {})[size] = {
                "wall": round(rows["cold"]["wall_s"] / rows["dedup-ref"]["wall_s"], 2),
                "cpu": round(rows["cold"]["cpu_s"] / rows["dedup-ref"]["cpu_s"], 2)}
    write_results(results)
    path = plot(results)
    print(f"wrote {OUT / 'results.json'}" + (f" and {path}" if path else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
