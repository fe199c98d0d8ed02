"""Checking a configuration against the registered checks, before any seed is read.

:mod:`checks.config` checks the *shape* of ``[tool.seedcheck]`` (types, severities,
known settings). What it cannot know is which check ids exist: a typo in ``select``
(``"tpyo"``) would turn every check off and the gate would pass everything, and a
per-check option of the wrong type would only fail once a check reads it, inside every
seed's test. :func:`validate` finds both and raises :class:`ConfigError` naming the
setting; the plugin turns that into a usage error.
"""

from __future__ import annotations

from . import registry
from .config import Config, ConfigError, _match

# A small seed that walks most code paths of the checks (header, paragraphs, figures,
# punctuation, a repeated paragraph) so that per-check options are read.
_PROBE = ("2020-07-26\n\n标题：关于2020年工作的通知\n\n"
          "  一、总体要求。全市完成投资3.5亿元，同比增长12%。\n\n"
          "  二、工作安排。各单位要认真落实，确保按时完成。\n\n"
          "  二、工作安排。各单位要认真落实，确保按时完成。\n\n"
          "来源：市政府办公室  责任编辑：张三\n")


def _known(selector: str, ids: list[str]) -> bool:
    return any(_match(i, selector) for i in ids)


def validate_ids(cfg: Config) -> None:
    """Every check id or prefix named in the configuration matches a registered check."""
    ids = [s.id for s in registry.all_checks()]
    cats = sorted({i.split(".", 1)[0] for i in ids})
    hint = f"known categories: {', '.join(cats)}; see the README's list of checks"
    for name, values in (("select", cfg.select or []), ("ignore", cfg.ignore)):
        for sel in values:
            if not _known(sel, ids):
                raise ConfigError(f"[tool.seedcheck] {name}: {sel!r} matches no check ({hint})")
    for pattern, sels in cfg.per_file_ignores.items():
        for sel in sels:
            if not _known(sel, ids):
                raise ConfigError(f"[tool.seedcheck.per-file-ignores] {pattern!r}: {sel!r} "
                                  f"matches no check ({hint})")
    for table, keys in (("severity", cfg.severity), ("checks", cfg.checks)):
        for key in keys:
            if key not in ids:
                raise ConfigError(f"[tool.seedcheck.{table}] {key!r} is not a check id "
                                  f"(a full id such as 'format.header'; {hint})")
    check_requirements(cfg)


def check_requirements(cfg: Config) -> None:
    """A check that needs more than the package's code (typo.language-model reads a model
    file with the compiled kenlm package) says what is missing now, not inside every
    seed's test."""
    from . import typo_lm, typo_ner, typo_neural

    lm = "typo.language-model"
    if cfg.enabled(lm):
        why = typo_lm.missing_reason()
        if why is not None:
            raise ConfigError(f"{lm}: {why}; or switch the check off with "
                              f"[tool.seedcheck] ignore = [\"{lm}\"]")
    neural = typo_neural.settings(cfg)  # None: switched off or no model named
    if neural is not None:
        why = typo_neural.missing_reason(neural)
        if why is not None:
            raise ConfigError(f"[tool.seedcheck.checks.\"{typo_neural.NEURAL}\"] model = "
                              f"{typo_neural.model_setting(cfg)!r}: {why}")
    # the name veto of the in-table typo checks reads names with Baidu's LAC model: without
    # it they would report names jieba's tagger misses, silently
    conf = "typo.confusable-char"  # its options drive typo.broken-idiom's candidates too
    for owner, users in ((conf, (conf, "typo.broken-idiom")), (lm, (lm,))):
        if any(cfg.enabled(u) for u in users) and cfg.opt(owner, "names", True):
            why = typo_ner.not_installed()
            if why is not None:
                raise ConfigError(f"{owner}: its name veto needs Baidu's LAC model: {why}; "
                                  f"or set [tool.seedcheck.checks.\"{owner}\"] names = false")


def probe_options(cfg: Config) -> None:
    """Run every configured check once on a small seed, so that an option of the wrong
    type is a :class:`ConfigError` now and not an error inside every seed's test. Any
    other exception is left for the real run to report."""
    if not cfg.checks:
        return
    from .engine import Corpus, check_corpus, check_seed
    from .seed import seed_from_text

    seeds = {"a.txt": seed_from_text(_PROBE, "a.txt"),
             "b.txt": seed_from_text(_PROBE.replace("标题", "题目"), "b.txt")}
    try:
        check_seed(seeds["a.txt"], cfg, only=lambda cid: cid in cfg.checks)
        corpus = Corpus(seeds["a.txt"].path.parent, sorted(seeds), cfg,
                        loader=seeds.__getitem__)
        for cat in registry.corpus_categories():
            if any(i.startswith(cat + ".") for i in cfg.checks):
                check_corpus(corpus, cat)
    except ConfigError:
        raise
    except Exception:  # a crashing check is the run's to report, not configuration's
        return


def validate(cfg: Config) -> None:
    validate_ids(cfg)
    probe_options(cfg)
