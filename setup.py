"""The one compiled module, ``checks._typokernel`` (the typo checks' candidate search,
plain C with the CPython API; the rest of the project is in pyproject.toml). It is
optional: where it cannot be built, the install goes on and the pure-Python path of
``checks/typo_lm.py`` runs, with the same findings."""

from setuptools import Extension, setup

setup(ext_modules=[Extension("checks._typokernel", ["checks/_typokernel.c"],
                             extra_compile_args=["-O2"], optional=True)])
