"""A one-off command run as the program goes without the cyclic garbage collector.

``lantian levels`` (no cluster) runs with the collector off and freezes its objects at the
end (``api.cli._collector``); called as a function, ``main`` leaves the caller's collector
alone; the output is the same either way.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

from api.cli import _collector, build_parser, main
from tests import handmade

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json, sys
seen = {}
import api.commands.levels as levels
run = levels.run
def probe(args):
    seen["during"] = gc.isenabled()
    return run(args)
levels.run = probe
sys.argv = ["lantian"] + ARGV
from api.cli import main
status = main()
print("PROBE", json.dumps({"status": status, "during": seen.get("during"),
    "after": gc.isenabled(), "frozen": gc.get_freeze_count()}), file=sys.stderr)
"""


def _levels_argv(tmp_path: Path) -> list[str]:
    nc, regions = handmade.write(tmp_path, handmade.forecast([160, 160, 260, 100]))
    return ["levels", "--forecast", str(nc), "--regions", str(regions), "--date", "2026-12-01"]


def _program(code: str) -> tuple[str, dict]:
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=300, check=True
    )
    line = next(x for x in run.stderr.decode().splitlines() if x.startswith("PROBE "))
    return run.stdout.decode("utf-8"), json.loads(line.split(" ", 1)[1])


def test_levels_as_the_program_runs_without_the_collector_and_prints_the_same(tmp_path):
    argv = [*_levels_argv(tmp_path), "--format", "json"]
    stdout, seen = _program(PROBE.replace("ARGV", repr(argv)))
    assert seen == {"status": 0, "during": False, "after": True, "frozen": seen["frozen"]}
    assert seen["frozen"] > 10_000  # the modules and data of the run, left to the exit
    out = tmp_path / "in_process.json"
    assert main([*argv, "--output", str(out)]) == 0  # main called as a function
    assert stdout == out.read_text("utf-8")
    assert json.loads(stdout)[0]["date"] == "2026-12-01"


def test_a_command_called_as_a_function_leaves_the_collector_alone(tmp_path):
    argv = [*_levels_argv(tmp_path), "--output", str(tmp_path / "out.json")]
    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        assert main(argv) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert main(argv) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_the_collector_stays_on_for_other_commands_of_the_program():
    gc.disable()  # as main leaves it until the command is known
    try:
        with _collector(program=True, one_off=False):
            assert gc.isenabled()
    finally:
        gc.enable()
    before = gc.get_freeze_count()
    with _collector(program=False, one_off=True):
        assert gc.isenabled()
    assert gc.get_freeze_count() == before


def test_levels_on_a_cluster_is_not_a_one_off_run():
    parser = build_parser("levels")
    base = ["levels", "--forecast", "f.nc", "--regions", "r.geojson"]
    assert parser.parse_args(base).one_off(parser.parse_args(base))
    for extra in (["--workers", "2"], ["--scheduler", "tcp://127.0.0.1:8786"]):
        args = parser.parse_args([*base, *extra])
        assert not args.one_off(args)
