"""The typo index's maintained reduce: what the typo corpus checks count over the whole
corpus, kept in the category's state and updated with the added, edited and removed
seeds (``registry.IndexSpec.reduce``, run by :mod:`checks.incremental`).

The typo corpus checks weigh each seed's own candidates (its ``typo_features``) with
corpus-wide counts, and with nothing else:

* the confusion checks (``typo.confusable-char``, ``typo.broken-idiom``,
  ``typo.language-model``): how often, and in how many files, each wrong form is a
  candidate (``conf_n``, ``conf_f``);
* ``typo.context-word``: how often each context of a twin word occurs (``right_n``,
  ``left_n``: the same keys as the check's), and where a context first occurs (the
  finding's related location; the order in which contexts first occur breaks ties).
  The state keeps the holders of the contexts that occur at most ``HOLD_MAX`` times
  (``hold``), not every seed's records (40 MB at 10k seeds): a frequent context's
  first place, and the holders it does not keep, are read from the stored features,
  and the counts of an edited or removed seed are taken back with its earlier features
  (still in the store during the run that sees the change);
* ``typo.corpus-rare-form``: how often each rare form and its repaired form occur in the
  seeds' *text* (a form counted where jieba keeps it whole when it is some seed's
  repaired form): per seed, the counts of every *tracked* form (the forms of the rare
  candidates of the corpus); a form that a change brings in is counted in every seed's
  text once, then tracked.

``update`` returns the unchanged seeds whose findings can change: holders of a wrong
form whose count or number of files changed (unless it is a term of the corpus before
and after: then it is never reported), holders of a rare context (at most ``max_rare``
occurrences before or after) among the changed seeds' contexts and their twin variants
(the contexts whose counts and first places a rare context's finding quotes), and
holders of a rare candidate whose form or repaired form changed its count. Any other
seed's findings read the same numbers as before (``tests/test_incremental.py`` compares
every kind of change with cold runs).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable

from . import typo_data as D
from . import typo_detect as T

MEMO = "typo.form-counts"  # engine.Corpus.memo: (forms, {path: {form: (raw, whole)}})
# engine.Corpus.memo: (right, left) context Counters of the whole corpus, counted by
# typo.context-word in a full run in the order build() counts them (the same Counters)
CONTEXTS = "typo.context-counts"


def seed_form_counts(text: str, forms: Iterable[str]) -> dict[str, tuple[int, int]]:
    """{form: (occurrences, occurrences where jieba keeps the form whole)} of the forms
    that occur in ``text``."""
    out: dict[str, tuple[int, int]] = {}
    for form in forms:
        i = text.find(form)
        if i < 0:
            continue
        raw = whole = 0
        while i >= 0:
            raw += 1
            lo, hi = T.run_bounds(text, i)
            if T.resegmented(text, lo, hi, i, i + len(form), form):
                whole += 1
            i = text.find(form, i + 1)
        out[form] = (raw, whole)
    return out


def _add(counter: Counter, key: Any, n: int) -> None:
    v = counter.get(key, 0) + n
    if v:
        counter[key] = v
    else:
        counter.pop(key, None)


_INV: dict[str, list[str]] | None = None


def inverse_twins() -> dict[str, list[str]]:
    """word → every ``t`` whose twins (``typo_data.twins``) hold the word, with
    repeats (the check appends once per listing)."""
    global _INV
    if _INV is None:
        inv: dict[str, list[str]] = {}
        for t, ws in D.twins().items():
            for w in ws:
                inv.setdefault(w, []).append(t)
        _INV = inv
    return _INV


def right_keys(recs: str) -> list[str]:
    """The right contexts (word + 2 characters after) of a seed's twin records."""
    return [recs[i + 2:i + 6] for i in range(0, len(recs), 6)]


def left_keys(recs: str) -> list[str]:
    """The left contexts (2 characters before + word) of a seed's twin records."""
    return [recs[i:i + 4] for i in range(0, len(recs), 6)]


HOLD_MAX = 16  # the holders of a context are kept while it occurs at most this often


def _aligned(recs: str, key: str, side: str) -> int:
    """The first record of ``recs`` holding ``key`` on ``side`` ("R": word + 2 after,
    "L": 2 before + word), or -1."""
    off = 2 if side == "R" else 0
    i = recs.find(key)
    while i >= 0:
        if (i - off) % 6 == 0:
            return (i - off) // 6
        i = recs.find(key, i + 1)
    return -1


class TypoTotals:
    """``corpus.totals["typo"]``: the whole corpus's counts while the typo checks run on
    a part of it. ``paths``: the corpus's paths in the order of a full run; ``access``:
    the stored features (``incremental.FeatureAccess``), read for the few contexts whose
    first place is asked for."""

    BATCH = 256

    def __init__(self, R: dict, paths: list[str], access=None):
        self.R = R
        self.paths = paths
        self.access = access
        self.right_n: Counter = R["right_n"]
        self.left_n: Counter = R["left_n"]
        self._pos: dict[str, int] | None = None
        self._firsts: dict[tuple[str, str], tuple[int, int, int] | None] = {}

    def conf(self, wrong: str) -> tuple[int, int]:
        """(candidates, files) of a wrong form."""
        return self.R["conf_n"].get(wrong, 0), self.R["conf_f"].get(wrong, 0)

    def form(self, form: str) -> tuple[int, int]:
        """(occurrences, files) of a form in the seeds' text, as typo.corpus-rare-form
        counts it (where jieba keeps it whole when it is some seed's repaired form)."""
        R = self.R
        if R["rep_holders"].get(form, 0):
            return R["whole_n"].get(form, 0), R["whole_f"].get(form, 0)
        return R["raw_n"].get(form, 0), R["raw_f"].get(form, 0)

    # -- where contexts occur ----------------------------------------------------------------
    def _twins(self, paths: list[str]) -> dict[str, Any]:
        got = self.access.current(paths)
        return {p: f["twins"] for p, f in got.items() if f and f.get("twins")}

    def _first(self, side: str, key: str) -> tuple[int, int, int] | None:
        """(path number, record number, offset) of the first record holding ``key``
        on ``side``, in the order of a full run."""
        if (side, key) in self._firsts:
            return self._firsts[(side, key)]
        if self._pos is None:
            self._pos = {p: i for i, p in enumerate(self.paths)}
        known = self.R["hold"][side].get(key)
        if known is not None:  # a rare context: its holders are kept
            order = sorted(known, key=self._pos.__getitem__)
            batches = [order]
        else:  # a frequent one: it occurs early
            batches = [self.paths[i:i + self.BATCH]
                       for i in range(0, len(self.paths), self.BATCH)]
        found = None
        for batch in batches:
            twins = self._twins(batch)
            for p in batch:
                x = twins.get(p)
                k = _aligned(x[1], key, side) if x is not None else -1
                if k >= 0:
                    found = (self._pos[p], k, x[0][k])
                    break
            if found is not None:
                break
        self._firsts[(side, key)] = found
        return found

    def order(self, side: str, key: str) -> tuple[int, int]:
        """Where ``key`` first occurs (the order a full run's counters hold it in)."""
        got = self._first(side, key)
        return (got[0], got[1]) if got is not None else (1 << 62, 0)

    def first(self, pkey: str) -> tuple[str, int] | None:
        """(path, offset) of the first occurrence of a context key ("R…" or "L…"),
        as typo.context-word's related location gives it."""
        side, key = pkey[0], pkey[1:]
        got = self._first(side, key)
        if got is None:
            return None
        return self.paths[got[0]], got[2] - (2 if side == "L" else 0)

    def holders(self, side: str, key: str) -> set[str]:
        """The seeds holding a context (from the state while it is rare; otherwise read
        from every seed's stored features)."""
        known = self.R["hold"][side].get(key)
        if known is not None:
            return set(known)
        out = set()
        for i in range(0, len(self.paths), self.BATCH):
            twins = self._twins(self.paths[i:i + self.BATCH])
            out |= {p for p, x in twins.items() if _aligned(x[1], key, side) >= 0}
        return out


class TypoReduce:
    """``registry.IndexSpec.reduce`` of the typo index (see the module doc)."""

    def __init__(self, rare: str, context: str, confusions: tuple[str, ...]):
        self.rare = rare              # typo.corpus-rare-form
        self.context = context        # typo.context-word
        self.confusions = confusions  # the checks with term_files

    # -- a full run -------------------------------------------------------------------------
    def build(self, corpus, ctx) -> dict | None:
        cfg = ctx.config
        if cfg.opt(self.rare, "in_table", False):
            return None  # in-table candidates: the forms counted depend on other findings
        R: dict[str, Any] = {
            "conf": {}, "conf_n": Counter(), "conf_f": Counter(),
            "right_n": Counter(), "left_n": Counter(), "hold": {"R": {}, "L": {}},
            "rare": {}, "rep_holders": Counter(), "count_forms": cfg.enabled(self.rare),
            "tracked": set(), "form_seed": {},
            "raw_n": Counter(), "raw_f": Counter(), "whole_n": Counter(), "whole_f": Counter()}
        counted = corpus.memo.pop(CONTEXTS, None)  # (counted once: ~1 s at 10,000 seeds)
        if counted is not None:
            R["right_n"], R["left_n"] = counted
        for p, f in corpus.features("typo"):
            if not f:
                continue
            if f["conf"]:
                c = Counter(x[2] for x in f["conf"])
                R["conf"][p] = c
                R["conf_n"].update(c)
                R["conf_f"].update(c.keys())
            if f.get("twins") and counted is None:
                recs = f["twins"][1]
                R["right_n"].update(right_keys(recs))
                R["left_n"].update(left_keys(recs))
            if f["rare"]:
                x2 = frozenset(x[2] for x in f["rare"])
                x3 = frozenset(x[3] for x in f["rare"])
                R["rare"][p] = (x2, x3)
                R["rep_holders"].update(x3)
        # the holders of every context that occurs at most HOLD_MAX times
        # (the rare contexts as sets, met by each seed's keys in one C-level intersection)
        few = {s: {k for k, c in n.items() if c <= HOLD_MAX}
               for s, n in (("R", R["right_n"]), ("L", R["left_n"]))}
        hold: dict[str, dict[str, list[str]]] = {"R": {}, "L": {}}
        for p, f in corpus.features("typo"):
            if f and f.get("twins"):
                recs = f["twins"][1]
                for s, keys in (("R", right_keys(recs)), ("L", left_keys(recs))):
                    h = hold[s]
                    for k in few[s].intersection(keys):
                        h.setdefault(k, []).append(p)
        R["hold"] = {s: {k: tuple(v) for k, v in hold[s].items()} for s in "RL"}
        if R["count_forms"]:
            forms = set()
            for x2, x3 in R["rare"].values():
                forms |= x2 | x3
            R["tracked"] = forms
            memo = corpus.memo.get(MEMO)
            if memo is not None and memo[0] == forms:
                per_seed = memo[1]
            else:
                per_seed = self._count(corpus, corpus.paths, forms)
            for p, got in per_seed.items():
                self._apply_counts(R, p, got, +1)
        return R

    @staticmethod
    def _count(corpus, paths: Iterable[str], forms) -> dict[str, dict[str, tuple[int, int]]]:
        out = {}
        if not forms:
            return out
        for rel in paths:
            seed = corpus.seed(rel)
            if not seed.readable:
                continue
            got = seed_form_counts(seed.text, forms)
            if got:
                out[rel] = got
        return out

    @staticmethod
    def _apply_counts(R: dict, p: str, got: dict[str, tuple[int, int]], sign: int) -> None:
        for form, (raw, whole) in got.items():
            if raw:
                _add(R["raw_n"], form, sign * raw)
                _add(R["raw_f"], form, sign)
            if whole:
                _add(R["whole_n"], form, sign * whole)
                _add(R["whole_f"], form, sign)
        if sign > 0:
            R["form_seed"].setdefault(p, {}).update(got)

    def totals(self, R: dict, paths: list[str], access=None) -> TypoTotals:
        return TypoTotals(R, paths, access)

    # -- an incremental run -----------------------------------------------------------------
    def update(self, R: dict | None, corpus, changed: set[str], paths: list[str], ctx,
               access) -> tuple[dict, set[str]] | None:
        if R is None:
            return None
        try:
            old_feats = access.old(sorted(changed))
        except KeyError:  # an earlier version's features are gone from the store
            return None
        cfg = ctx.config
        feats = dict(corpus.features("typo"))
        present = set(corpus.paths)
        affected: set[str] = set()
        new = {p: feats.get(p) for p in changed}

        # the confusion checks: candidates and files per wrong form
        olds = {p: R["conf"].get(p) for p in changed}
        news = {p: (Counter(x[2] for x in f["conf"]) if f and f["conf"] else None)
                for p, f in new.items()}
        words = set()
        for c in list(olds.values()) + list(news.values()):
            words |= set(c or ())
        before = {w: (R["conf_n"].get(w, 0), R["conf_f"].get(w, 0)) for w in words}
        for p in changed:
            if olds[p]:
                for w, n in olds[p].items():
                    _add(R["conf_n"], w, -n)
                    _add(R["conf_f"], w, -1)
                del R["conf"][p]
            if news[p]:
                for w, n in news[p].items():
                    _add(R["conf_n"], w, n)
                    _add(R["conf_f"], w, 1)
                R["conf"][p] = news[p]
        term_files = max(cfg.opt(cid, "term_files", 3) for cid in self.confusions)

        def term(n: int, nf: int) -> bool:
            return nf >= term_files or (nf >= 2 and n >= 3)

        moved = set()
        for w in words:
            after = (R["conf_n"].get(w, 0), R["conf_f"].get(w, 0))
            if after != before[w] and not (term(*before[w]) and term(*after)):
                moved.add(w)
        if moved:
            affected |= {p for p, c in R["conf"].items() if not moved.isdisjoint(c)}

        # typo.context-word: the contexts' counts, and the holders of the rare ones
        oldt = {p: (f["twins"] if f and f.get("twins") else None) for p, f in old_feats.items()}
        newt = {p: (f["twins"] if f and f.get("twins") else None) for p, f in new.items()}
        ckeys: dict[str, set[str]] = {"R": set(), "L": set()}
        held: dict[str, dict[str, set[str]]] = {"R": {}, "L": {}}  # key: changed holders now
        for which in (oldt, newt):
            for p, x in which.items():
                if x is None:
                    continue
                for s, keys in (("R", right_keys(x[1])), ("L", left_keys(x[1]))):
                    ckeys[s].update(keys)
                    if which is newt:
                        for k in keys:
                            held[s].setdefault(k, set()).add(p)
        counters = {"R": R["right_n"], "L": R["left_n"]}
        hold = R["hold"]
        cbefore = {s: {k: counters[s].get(k, 0) for k in ckeys[s]} for s in "RL"}
        for p in changed:
            if oldt[p] is not None:
                for s, keys in (("R", right_keys(oldt[p][1])), ("L", left_keys(oldt[p][1]))):
                    for k in keys:
                        _add(counters[s], k, -1)
            if newt[p] is not None:
                counters["R"].update(right_keys(newt[p][1]))
                counters["L"].update(left_keys(newt[p][1]))
        max_rare = cfg.opt(self.context, "max_rare", 1)
        tot = TypoTotals(R, paths, access)
        unchanged_holders: dict[tuple[str, str], set[str]] = {}
        for s in "RL":
            for k in ckeys[s]:
                n0, n1 = cbefore[s][k], counters[s].get(k, 0)
                known = hold[s].get(k)  # kept while 0 < n0 <= HOLD_MAX (if known)
                # the unchanged holders (None: unknown, the context was frequent)
                before = set(known) - changed if known is not None else (
                    set() if n0 == 0 else None)
                if n1 == 0 or n1 > HOLD_MAX:
                    hold[s].pop(k, None)
                elif before is not None:
                    hold[s][k] = tuple(sorted(before | held[s].get(k, set())))
                else:
                    hold[s].pop(k, None)  # unknown: read from the features when asked
                if before is not None:
                    unchanged_holders[(s, k)] = before
        tw, inv = D.twins(), inverse_twins()
        for s in "RL":
            cand: set[str] = set()
            for k in ckeys[s]:
                word = k[:2] if s == "R" else k[2:]
                cand.add(k)
                for w in set(tw.get(word, ())) | set(inv.get(word, ())):
                    cand.add(w + k[2:] if s == "R" else k[:2] + w)
            for k in cand:
                n1 = counters[s].get(k, 0)
                n0 = cbefore[s].get(k, n1)
                if n1 and (n0 <= max_rare or n1 <= max_rare):
                    got = unchanged_holders.get((s, k))
                    affected |= got if got is not None else tot.holders(s, k)

        # typo.corpus-rare-form: the forms' counts in the seeds' text
        oldr = {p: R["rare"].get(p) for p in changed}
        newr = {p: ((frozenset(x[2] for x in f["rare"]), frozenset(x[3] for x in f["rare"]))
                    if f and f["rare"] else None) for p, f in new.items()}
        for p in changed:
            if oldr[p] is not None:
                for form in oldr[p][1]:
                    _add(R["rep_holders"], form, -1)
                del R["rare"][p]
            if newr[p] is not None:
                R["rep_holders"].update(newr[p][1])
                R["rare"][p] = newr[p]
        if R["count_forms"] and (R["rare"] or R["tracked"]):
            forms = set()
            for x in list(oldr.values()) + list(newr.values()):
                if x is not None:
                    forms |= x[0] | x[1]
            fresh = {f for f in forms if f not in R["tracked"]}
            tracked = R["tracked"] | fresh
            counted = {}
            for p in sorted(present):
                seed = corpus.seed(p)
                counted[p] = seed_form_counts(seed.text, tracked) if seed.readable else {}
            others = {}
            if fresh:  # forms no seed held: counted once in every other seed's text
                from .engine import Corpus

                reader = Corpus(corpus.root, list(paths), corpus.config)
                others = self._count(reader, [p for p in paths if p not in changed], fresh)
            for got in list(counted.values()) + list(others.values()):
                forms |= set(got)
            for p in changed:
                forms |= set(R["form_seed"].get(p, ()))
            # before: with the repaired forms of before (rep_holders are updated above:
            # take what they were from the old and new candidates)
            rep_before = Counter(R["rep_holders"])
            for p in changed:
                if newr[p] is not None:
                    for form in newr[p][1]:
                        _add(rep_before, form, -1)
                if oldr[p] is not None:
                    rep_before.update(oldr[p][1])
            fbefore = {f: self._eff(R, rep_before, f) for f in forms}
            for p in changed:
                old_counts = R["form_seed"].pop(p, None)
                if old_counts:
                    self._apply_counts(R, p, old_counts, -1)
                    R["form_seed"].pop(p, None)
            for p, got in list(counted.items()) + list(others.items()):
                if got:
                    self._apply_counts(R, p, got, +1)
            R["tracked"] = tracked
            moved_forms = {f for f in forms
                           if self._eff(R, R["rep_holders"], f) != fbefore[f]}
            if moved_forms:
                affected |= {p for p, (x2, x3) in R["rare"].items()
                             if not moved_forms.isdisjoint(x2 | x3)}
        return R, affected

    @staticmethod
    def _eff(R: dict, rep_holders: Counter, form: str) -> tuple[int, int]:
        if rep_holders.get(form, 0):
            return R["whole_n"].get(form, 0), R["whole_f"].get(form, 0)
        return R["raw_n"].get(form, 0), R["raw_f"].get(form, 0)
