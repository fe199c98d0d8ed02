"""Kept thin on purpose: the seedcheck plugin is registered through the ``pytest11``
entry point (see pyproject.toml), so ``--seeds`` works from any folder. Settings live
in ``[tool.pytest.ini_options]`` and ``[tool.seedcheck]``."""

collect_ignore = ["bench", "reports"]
