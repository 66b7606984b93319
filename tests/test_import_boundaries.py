"""The library rooms never load the HTTP edge: importing the in-memory limiter or the guard pulls in neither
SQLAlchemy nor ``paramstack.gateway`` (each import is checked in a fresh interpreter)."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["paramstack.metering.storage.memory", "paramstack.guard", "paramstack.calls"])
def test_a_library_room_loads_no_database_and_no_gateway(module):
    probe = (
        f"import sys, {module}\n"
        "loaded = sorted(m for m in sys.modules if m == 'sqlalchemy' or m.startswith(('sqlalchemy.', "
        "'paramstack.gateway')))\n"
        "print(','.join(loaded))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"{module} loads {result.stdout.strip()}"
