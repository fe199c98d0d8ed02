"""What the tests of the compiled typo kernel (checks._typokernel) do where a piece of it
is missing: under CI=true they fail (the install, ``pip install -e ".[dev]"``, must have
built it), unless SEEDCHECK_NO_KERNEL turns the kernel off on purpose; elsewhere they
skip (a machine without a C compiler runs the pure-Python paths, with the same findings).
"""

from __future__ import annotations

import os

import pytest

from checks import typo_data as D
from ci_support import skip_or_fail


def require(obj, what: str):
    """``obj`` (a kernel object, or a kernel method's owner), or a failure / skip where it
    is None: the kernel is not built, or was built before ``what``."""
    if obj is None:
        if os.environ.get(D.KERNEL_OFF):  # turned off on purpose: a skip, even in CI
            pytest.skip(f"SEEDCHECK_NO_KERNEL turns the kernel off ({what} not used)")
        skip_or_fail(f"the compiled kernel checks._typokernel with {what} is not built")
    return obj
