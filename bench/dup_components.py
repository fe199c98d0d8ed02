"""How far one changed seed reaches in the duplicate category's incremental closure (a
measurement, not a test; docs/performance.md, "Seventh session").

    python bench/dup_components.py SEEDS

The duplicate index declares ``closure="component"``: a changed seed's findings are
recomputed over its connected component of the seed-key graph, and a component of more
than a quarter of the corpus runs the category in full. This extracts every seed's
duplicate features as a run does, then prints, per kind of key the index declares (body
hash, LSH band values, paragraph hashes of 20-99 and of 100+ characters), how many
seeds hold the most widely held key, and the largest components of the graph built from
all keys, and from all keys with the paragraph keys capped at the check's ``MAX_DF``.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed_features import corpus_features  # noqa: E402


def main() -> None:
    _folder, paths, cfg, feats = corpus_features("duplicate", __doc__.split("\n")[0])
    from checks.rules import duplicate as dup
    from checks.similarity import band_keys

    bands, rows = cfg.opt(dup.NEAR, "bands", 42), cfg.opt(dup.NEAR, "rows", 3)
    holders: dict[str, dict] = {k: defaultdict(list) for k in ("hash", "lsh", "p20", "p100")}
    for i, rel in enumerate(paths):
        f = feats[rel]
        if f["len"]:
            holders["hash"][int(f["hash"])].append(i)
        if f["sig"] is not None:
            for b, k in enumerate(band_keys(f["sig"], bands, rows).tolist()):
                holders["lsh"][(b, k)].append(i)
        for h, size in zip(f["ph"].tolist(), f["ps"].tolist()):
            if size >= 20:
                holders["p20" if size < 100 else "p100"][h].append(i)
    n = len(paths)
    for kind, d in holders.items():
        top = max((len(set(v)) for v in d.values()), default=0)
        print(f"{kind}: {len(d):,} keys, the most widely held by {top} seeds")

    def components(caps: dict[str, int]) -> list[int]:
        parent = list(range(n))

        def find(x: int) -> int:
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for kind, d in holders.items():
            for hs in d.values():
                hs = sorted(set(hs))
                if len(hs) < 2 or (caps.get(kind) and len(hs) > caps[kind]):
                    continue
                r = find(hs[0])
                for h in hs[1:]:
                    r2 = find(h)
                    if r2 != r:
                        parent[r2] = r
        return sorted(Counter(find(i) for i in range(n)).values(), reverse=True)

    for label, caps in (("all keys (as the index declares them)", {}),
                        (f"paragraph keys capped at MAX_DF={dup.MAX_DF}",
                         {"p20": dup.MAX_DF, "p100": dup.MAX_DF}),
                        ("without the LSH band keys", {"lsh": 1})):
        sizes = components(caps)
        print(f"{label}: largest components {sizes[:3]} of {n:,} seeds "
              f"({len(sizes):,} components)")


if __name__ == "__main__":
    main()
