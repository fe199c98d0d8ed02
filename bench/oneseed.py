"""Repeatable one-seed runs for profiling (not a test, not the benchmark).

After ``bench/run_bench.py --sizes N --out OUT`` has left a warm store (the runs use
the repository's ``.pytest_cache``, found from the corpus folder), this keeps a copy of
that store and the report folder (``save``), and then, as often as wanted, puts the
copy back, makes one change to the corpus (the benchmark's own: ``add``, ``edit`` or
``remove``), runs ``python -m pytest --seeds DIR`` once (optionally under ``py-spy`` or
with ``-X importtime``), and undoes the change (``run``)::

    python bench/oneseed.py save --out bench/out13 --size 10000
    python bench/oneseed.py run --out bench/out13 --size 10000 --change add \
        [--code .] [--pin FP] [--py-spy prof.txt]

``--code DIR`` runs the checks package of DIR (default: the benchmark's snapshot);
``--pin FP`` makes that code use the code fingerprint ``FP`` (the snapshot's, printed
by ``save``), so that a store made by the snapshot's code is warm for edited code: the
fingerprint is set before the plugin reads it (``-p oneseed_pin``, when pytest imports
it). Pinning is for profiling only: a pinned run trusts stored results of other code.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import run_bench  # noqa: E402

# (set when ``-p oneseed_pin`` imports it, before any plugin's pytest_configure: pytest
# 9.2 refuses a wrapper of that historic hook)
PIN = '''
import os

import checks.cache

checks.cache._CODE_FP = os.environ["ONESEED_PIN"]
'''


def _store_dir(out: Path) -> Path:
    """The store the benchmark's runs used: pytest's rootdir is the corpus's folder's
    parent when that is outside the repository (``--out /tmp/...``), else the
    repository."""
    own = out / ".pytest_cache" / "d" / "seedcheck"
    return own if own.is_dir() else ROOT / ".pytest_cache" / "d" / "seedcheck"


def save(out: Path, size: int) -> None:
    gold = out / "golden"
    if gold.exists():
        shutil.rmtree(gold)
    gold.mkdir(parents=True)
    shutil.copytree(_store_dir(out), gold / "seedcheck")
    shutil.copytree(out / f"report-{size}", gold / "report")
    fp = subprocess.run([sys.executable, "-c", "from checks.cache import code_fingerprint;"
                         "print(code_fingerprint())"], capture_output=True, text=True,
                        env=dict(os.environ, PYTHONPATH=str(out / "snapshot")),
                        cwd=out / "snapshot").stdout.strip()
    (gold / "fingerprint").write_text(fp + "\n")
    print(f"saved {gold}; the snapshot's code fingerprint: {fp}")


def restore(out: Path, size: int) -> None:
    gold = out / "golden"
    for src, dst in ((gold / "seedcheck", _store_dir(out)), (gold / "report",
                                                          out / f"report-{size}")):
        if dst.exists():
            shutil.rmtree(dst)
        shutil.copytree(src, dst, copy_function=shutil.copy2)
    _restamp(_store_dir(out), out / f"report-{size}")


def _restamp(store: Path, reports: Path) -> None:
    """The copied report.json and report.sarif are the files their fragment caches
    describe (same bytes, size and modification time; copy2 keeps those), but they have
    new inodes: the caches are given the copies' device and inode, so that a restored
    run trusts them as the benchmark's successive runs (which restore nothing) do."""
    import pickle

    for cache in store.glob("reports-*.report.*.pickle"):
        name = cache.name.split(".", 1)[1].rsplit(".", 1)[0]
        try:
            data = pickle.loads(cache.read_bytes())
            stamp = data.get("stamp") if isinstance(data, dict) else None
            st = (reports / name).stat()
        except (OSError, pickle.UnpicklingError):
            continue
        if stamp and tuple(stamp[2:]) == (st.st_size, st.st_mtime_ns):
            data["stamp"] = (st.st_dev, st.st_ino, *stamp[2:])
            cache.write_bytes(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))


def run(args) -> int:
    out = args.out.resolve()
    corpus = out / f"corpus-{args.size}"
    restore(out, args.size)
    os.sync()  # the copy's write-back must not fall into the timed run
    time.sleep(1)
    seeds = sorted(corpus.glob("*.txt"))
    extra = corpus / "zzz_added_seed.txt"
    edit, remove = seeds[args.size // 2], seeds[args.size // 3]
    edit_orig, remove_orig = edit.read_bytes(), remove.read_bytes()
    code = (args.code or out / "snapshot").resolve()
    env = dict(os.environ, PYTHONPATH=str(code))
    if args.bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    pre: list[str] = []
    if args.pin:
        pin_dir = out / "pin"
        pin_dir.mkdir(exist_ok=True)
        (pin_dir / "oneseed_pin.py").write_text(PIN)
        env["PYTHONPATH"] += os.pathsep + str(pin_dir)
        env["ONESEED_PIN"] = args.pin
        pre = ["-p", "oneseed_pin"]
    cmd = [sys.executable, *(["-X", "importtime"] if args.importtime else []),
           *(["-m", "cProfile", "-o", str(args.cprofile.resolve())] if args.cprofile else []),
           "-m", "pytest", "--seeds", str(corpus), "--report-dir", str(out / f"report-{args.size}"),
           "-p", "no:randomly", "-q", *pre, *args.pytest_args]
    if args.py_spy:
        cmd = ["py-spy", "record", "-r", str(args.rate), "-f", "raw", "--subprocesses",
               "-o", str(args.py_spy.resolve()), "--", *cmd]
    try:
        if args.change == "add":
            extra.write_text(run_bench.new_seed_text(corpus), encoding="utf-8")
        elif args.change == "edit":
            edit.write_bytes(edit_orig + "\n      补充说明：本文有所修改。\n".encode())
        elif args.change == "remove":
            remove.unlink()
        load = os.getloadavg()[0]
        if args.probe:
            env["PYTHONPATH"] += os.pathsep + str(args.probe.resolve().parent)
            env["ONESEED_T0"] = repr(time.time())
            env["ONESEED_PROBE"] = str(out / "probe.txt")
            cmd[cmd.index("pytest") + 1:cmd.index("pytest") + 1] = ["-p", args.probe.stem]
        t0 = time.perf_counter()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        proc = subprocess.run(cmd, cwd=code, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        extra.unlink(missing_ok=True)
        edit.write_bytes(edit_orig)
        remove.write_bytes(remove_orig)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    text = proc.stdout + proc.stderr
    if args.log:
        args.log.write_text(text)
    lines = [ln for ln in text.splitlines() if ln.startswith("seedcheck: checked")
             or (" in " in ln and ("passed" in ln or "failed" in ln))]
    print(f"{args.change}: wall {wall:.2f} s, cpu {cpu:.2f} s, load {load:.2f}, "
          f"exit {proc.returncode}")
    for ln in lines:
        print("  " + ln.strip("= "))
    if args.probe and (out / "probe.txt").exists():
        text = (out / "probe.txt").read_text()
        print(text + f"{wall:7.3f}         exit (wall)")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=("save", "run"))
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--change", choices=("add", "edit", "remove", "none"), default="add")
    ap.add_argument("--code", type=Path, default=None)
    ap.add_argument("--pin", default=None)
    ap.add_argument("--py-spy", type=Path, default=None)
    ap.add_argument("--rate", type=int, default=100)
    ap.add_argument("--importtime", action="store_true")
    ap.add_argument("--cprofile", type=Path, default=None,
                    help="cProfile the pytest process (not its children) into this file")
    ap.add_argument("--bytecode", action="store_true",
                    help="unset PYTHONDONTWRITEBYTECODE for the run (a user's default)")
    ap.add_argument("--log", type=Path, default=None)
    ap.add_argument("--probe", type=Path, default=None,
                    help="a plugin module (file) that times the run's phases "
                         "(bench/phase_probe.py); its notes go to OUT/probe.txt")
    ap.add_argument("pytest_args", nargs="*")
    args = ap.parse_args()
    if args.what == "save":
        save(args.out.resolve(), args.size)
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
