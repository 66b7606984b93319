"""A gateway in front of vLLM imports the engine package without paying for torch."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_local_engine_module_does_not_import_torch():
    code = (
        "import sys, paramstack.engine, paramstack.engine.local, paramstack.engine.protocol\n"
        "heavy = [m for m in ('torch', 'transformers', 'peft', 'xgrammar') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
