"""Start-up of the ``lantian`` CLI: only the command being run is imported."""

from __future__ import annotations

import subprocess
import sys

from api.cli import build_parser, command_index


def _modules_after(*argv: str) -> set[str]:
    code = (
        "import sys\n"
        "from api.cli import main\n"
        "try:\n"
        f"    main({list(argv)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return set(run.stdout.split())


def test_help_imports_no_heavy_module():
    loaded = _modules_after("--help")
    assert {"numba", "xarray", "pydantic", "numpy", "api.commands.serve"}.isdisjoint(loaded)
    assert "api.cli" in loaded


def test_a_command_help_imports_that_command_only():
    loaded = _modules_after("plan", "--help")
    assert "api.commands.plan" in loaded
    assert {"numba", "xarray", "api.commands.serve", "api.commands.levels"}.isdisjoint(loaded)


def test_the_index_names_every_command_as_registering_them_does():
    full = build_parser()
    registered = next(a for a in full._actions if a.dest == "command").choices
    index = command_index()
    assert list(index) == list(registered)
    helps = {
        a.dest: a.help
        for a in next(a for a in full._actions if a.dest == "command")._choices_actions
    }
    assert {name: h for name, (_, h) in index.items()} == helps


def test_the_level_choices_are_the_engines():
    from api.commands._args import LEVELS as spelled
    from engine.levels import LEVELS

    assert spelled == LEVELS


def test_an_unknown_command_is_a_usage_error():
    run = subprocess.run(
        [sys.executable, "-m", "api.cli", "nope"], capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2 and "invalid choice: 'nope'" in run.stderr
