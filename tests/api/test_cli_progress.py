"""What the command line says while it compiles kernels and writes the demo: a status line on a
terminal, nothing on a pipe; ``lantian compile`` fills the kernel cache ahead of use."""

from __future__ import annotations

import io
import os
import subprocess
import sys

from api._progress import CompileProgress, bar, status


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_shows_the_share_done():
    assert bar(0, 4, width=8) == "[--------] 0/4"
    assert bar(2, 4, width=8) == "[####----] 2/4"
    assert bar(19, 19, width=4) == "[####] 19/19"
    assert bar(0, 0, width=4) == "[####] 0/0"


def test_compile_progress_names_the_kernel_then_sums_up_on_a_terminal():
    screen = _Terminal()
    progress = CompileProgress(screen)
    progress("_mda8_numba", "void(f4[:, ::1])", None)
    progress("_mda8_numba", "void(f4[:, ::1])", 3.5)
    progress("_classify_loop", "void(i4[:, ::1])", None)
    progress("_classify_loop", "void(i4[:, ::1])", 1.0)
    progress.close()
    text = screen.getvalue()
    assert "compiling numba kernels on their first use" in text
    assert "compiling kernel _mda8_numba (0 done" in text
    assert "compiling kernel _classify_loop (1 done" in text
    assert text.rstrip().endswith("s") and "compiled 2 kernel signatures in" in text
    assert "\r\033[K" in text  # the status line is rewritten in place


def test_nothing_is_written_when_stderr_is_not_a_terminal():
    quiet = io.StringIO()
    progress = CompileProgress(quiet)
    progress("_mda8_numba", "void(f4[:, ::1])", None)
    progress("_mda8_numba", "void(f4[:, ::1])", 3.5)
    progress.close()
    status("writing forecast.nc …", quiet)
    assert quiet.getvalue() == ""


def test_lantian_compile_fills_the_cache_then_loads(tmp_path):
    code = (
        "import api.commands.compile as command\n"
        "command.SERVICE_KERNELS = ('tests.engine.test_compile_on_demand',)\n"
        "from api.cli import main\n"
        "raise SystemExit(main(['compile']))\n"
    )
    env = {**os.environ, "LANTIAN_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("LANTIAN_NUMBA_CACHE", None)
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
        )
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
    first, second = (r.stderr.strip().splitlines()[-1] for r in runs)
    assert first.startswith("3 kernel signatures compiled")  # _total (f8, f4), _double (f8)
    assert second.startswith("0 kernel signatures compiled")
    assert str(tmp_path / "cache" / "numba") in second
    assert runs[0].stdout == ""
