"""Run tests/tmux/drive.sh: the real app in a real terminal, checked through the database."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "tmux" / "drive.sh"


@pytest.mark.tmux
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")
def test_drive_the_real_app_in_tmux():
    qualcode = Path(sys.executable).parent / "qualcode"
    proc = subprocess.run(["bash", str(SCRIPT), str(qualcode)], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "tmux drive: ok" in proc.stdout
