"""One report renderer's own memory, in this process (a measurement, not a test).

    python bench/render_probe.py REPORT_DIR SEEDS NAME [--fork OUT]

Loads ``REPORT_DIR/report.json`` (the report dict a run's driver holds), then renders
report NAME (report.json, report.md, report.sarif, report.html) as ``write_reports``
does without a fragment cache (``python -m checks check``): ``_stage_one`` writes it to
a staged file, here, without a fork. The peak is reset first (``/proc/self/clear_refs``),
so ``VmHWM - VmRSS before`` is what the renderer itself allocates at its highest; the
staged file is compared with ``REPORT_DIR/NAME`` and removed.

``--fork OUT``: instead, ``write_reports(OUT, ...)`` as ``python -m checks check`` calls it
(the four reports in forked processes for a large report) and the renderers' largest
peak (``RUSAGE_CHILDREN``: a forked process's resident set includes the pages it
shares with this one).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import resource
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


from mem_probe import _status as status, reset_peak  # noqa: E402  (the cluster probe's)


def main() -> None:
    from checks import distributed as dist
    from checks.config import Config
    from checks.report import writer

    ap = argparse.ArgumentParser()
    ap.add_argument("reports", type=Path)
    ap.add_argument("seeds")
    ap.add_argument("name", nargs="?", default="report.json")
    ap.add_argument("--fork", type=Path, default=None)
    args = ap.parse_args()
    with (args.reports / "report.json").open(encoding="utf-8") as fh:
        report = json.load(fh)
    src = dist.make_source(args.seeds)
    lookup = dist.line_lookup(src, dict(dist.list_seeds(src)), Config().max_file_bytes)
    gc.collect()
    reset_peak()  # VmHWM := VmRSS
    before = status()
    t = time.process_time()
    out: dict = {"findings": len(report["findings"]), "before": before}
    if args.fork is not None:
        written = writer.write_reports(args.fork, report, src.root, lookup,
                                       base_uri=src.base_uri)
        out["renderers' largest peak (RUSAGE_CHILDREN) MB"] = \
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        out["same bytes"] = {p.name: p.read_bytes() == (args.reports / p.name).read_bytes()
                             for p in written}
    else:
        writer._JOB.update(args=(report, src.root, lookup, src.base_uri),
                           out_dir=args.reports, token="probe.")
        tmp = Path(writer._stage_one(args.name))
        after = status()
        out.update(report=args.name, after=after,
                   own_peak_mb=after["VmHWM"] - before["VmRSS"],
                   cpu_s=round(time.process_time() - t, 1),
                   same_bytes=hashlib.sha256(tmp.read_bytes()).digest()
                   == hashlib.sha256((args.reports / args.name).read_bytes()).digest())
        tmp.unlink()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
