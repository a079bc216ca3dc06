"""``--workers N | --scheduler ADDRESS``: the pipeline on a real process-based dask cluster.

One LocalCluster (2 worker processes × 1 thread) serves the module; ``lantian levels
--workers 2`` opens a second one. Both give the in-memory levels.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import subprocess
import sys

import numpy as np
import pytest

from api.cli import main
from api.cluster import (
    ClusterSettings,
    add_cluster_arguments,
    cluster_settings,
    numba_threads,
    open_cluster,
)
from engine.errors import ForecastError
from forecasts.synthetic_national import write_national_forecast

START = dt.date(2026, 12, 1)
DOMAIN = (113.0, 120.0, 34.0, 41.0, 0.1)  # 70 × 70 cells over the 2+26 cities
REGIONS = "builtin:key-regions-2017"


def parse(argv, **kwargs):
    parser = argparse.ArgumentParser()
    add_cluster_arguments(parser, **kwargs)
    return parser.parse_args(argv)


def test_workers_and_scheduler_are_exclusive_and_the_flag_can_be_renamed(capsys):
    settings = cluster_settings(parse(["--workers", "2", "--chunk-hours", "12"]))
    assert settings == ClusterSettings(workers=2, chunk_hours=12)
    assert settings.chunks() == {"time": 12, "member": 1}
    assert cluster_settings(parse([])).chunks() is None  # no cluster: in memory
    remote = cluster_settings(parse(["--scheduler", "tcp://h:8786"]))
    assert remote.scheduler == "tcp://h:8786" and remote.enabled
    with pytest.raises(SystemExit) as exited:
        parse(["--workers", "2", "--scheduler", "tcp://h:8786"])
    assert exited.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    assert (
        cluster_settings(parse(["--dask-workers", "3"], workers_flag="--dask-workers")).workers == 3
    )
    with pytest.raises(ValueError, match="workers 0 must be at least 1"):
        ClusterSettings(workers=0)


def test_help_imports_neither_dask_nor_distributed():
    code = (
        "import sys, api.commands.levels, api.cluster;"
        "from api.cli import build_parser; build_parser();"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.fixture(scope="module")
def client():
    stream = io.StringIO()
    settings = ClusterSettings(workers=2, threads_per_worker=1, dashboard_address=":0")
    with open_cluster(settings, stream=stream) as client:
        lines = stream.getvalue().splitlines()
        assert len(lines) == 1 and lines[0].startswith("dask dashboard: http://")
        assert "2 workers × 1 thread" in lines[0]
        yield client


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    ensemble, single = folder / "ens.nc", folder / "one.nc"
    write_national_forecast(ensemble, START, members=3, hours=120, domain=DOMAIN)
    write_national_forecast(single, START, members=None, hours=120, domain=DOMAIN)
    return ensemble, single


def test_each_worker_runs_numba_with_its_own_thread_count(client):
    reports = client.run(numba_threads)
    assert len(reports) == 2
    for report in reports.values():
        assert report["task_threads"] == 1
        assert report["NUMBA_NUM_THREADS"] == "1"
        assert report["numba_threads"] == 1
    assert len({r["pid"] for r in reports.values()} | {__import__("os").getpid()}) == 3


def test_tasks_reference_kernels_by_import_not_by_value():
    import cloudpickle

    from engine import aggregate, daily
    from forecasts import _chunked

    for func in (aggregate._stacked_block, daily._run_block, _chunked._check_block):
        payload = cloudpickle.dumps(func)
        assert len(payload) < 200 and b"numba" not in payload, func


def test_kernels_run_on_worker_processes_with_the_in_memory_result(client, files):
    from engine.regional import regional_daily
    from forecasts.reader import read_forecast
    from grids import coverage_weights, grid_from_dataset, load_regions

    eager = read_forecast(files[0])
    weights = coverage_weights(load_regions(REGIONS), grid_from_dataset(eager.data))
    lazy = read_forecast(files[0], chunks={"time": 24, "member": 1})
    got = regional_daily(lazy.data, weights)
    expected = regional_daily(eager.data, weights)
    for name in ("pm25", "o3"):
        assert got.hourly[name].values.tobytes() == expected.hourly[name].values.tobytes()
    for name in ("pm25", "o3_mda8", "aqi"):
        assert got.data[name].values.tobytes() == expected.data[name].values.tobytes()
    processing = client.run(lambda dask_worker: dask_worker.state.executed_count)
    assert all(count > 0 for count in processing.values()), processing  # both workers worked


def test_a_bad_chunk_on_a_worker_raises_its_error_in_the_client(client, tmp_path):
    import netCDF4

    from engine.regional import regional_daily
    from forecasts.reader import read_forecast
    from grids import coverage_weights, grid_from_dataset, load_regions

    path = tmp_path / "bad.nc"
    write_national_forecast(path, START, members=2, hours=48, domain=DOMAIN)
    with netCDF4.Dataset(path, "a") as nc:
        nc["o3"][1, 40, 3, 3] = -1.0
    lazy = read_forecast(path, chunks={"time": 24, "member": 1})
    weights = coverage_weights(load_regions(REGIONS), grid_from_dataset(lazy.data))
    with pytest.raises(ForecastError, match=r"o3 in the chunk 2026-12-01T16:00Z to .*member 1"):
        regional_daily(lazy.data, weights)


def levels_json(tmp_path, forecast, name, *extra):
    out = tmp_path / f"{name}.json"
    argv = ["levels", "--forecast", str(forecast), "--regions", REGIONS, "--date", "2026-12-02"]
    assert main([*argv, "--output", str(out), *extra]) == 0
    return json.loads(out.read_text("utf-8"))


def test_levels_on_the_scheduler_equal_the_in_memory_levels(client, files, tmp_path):
    address = client.scheduler.address
    expected = levels_json(tmp_path, files[0], "memory")
    assert {r["level"] for r in expected} >= {"orange", "red"}
    got = levels_json(tmp_path, files[0], "remote", "--scheduler", address, "--chunk-hours", "7")
    assert got == expected


def test_levels_workers_2_equal_the_in_memory_levels_of_one_member(files, tmp_path, capsys):
    expected = levels_json(tmp_path, files[1], "memory")
    got = levels_json(tmp_path, files[1], "local", "--workers", "2")
    assert got == expected
    assert len(expected) == 28 and np.unique([r["level"] for r in expected]).size > 1
    assert "dask dashboard: http://" in capsys.readouterr().err


def test_the_service_on_a_scheduler_serves_the_in_memory_responses(client, files, tmp_path):
    """``lantian serve --scheduler`` (or ``--dask-workers``): the service reads its forecast
    in chunks on the cluster and serves what it serves from memory."""
    from api.service import Service
    from api.settings import Settings

    day = dt.date(2026, 12, 2)
    common = {"forecast": files[0], "regions": REGIONS, "reload_poll": 0}
    memory = Service.load(Settings(db=tmp_path / "a.sqlite", **common), warm=False)
    chunked = Service.load(
        Settings(
            db=tmp_path / "b.sqlite",
            dask_scheduler=client.scheduler.address,
            chunk_hours=7,
            **common,
        ),
        warm=False,
    )
    assert chunked.forecast.data["pm25"].chunks is not None  # read lazily, in chunks
    expected = json.loads(memory.all_json(day))
    assert json.loads(chunked.all_json(day)) == expected
    assert {r["level"] for r in expected["responses"]} >= {"orange", "red"}


def test_serve_names_its_local_cluster_flag_dask_workers():
    from api.cli import build_parser

    args = build_parser().parse_args(["serve", "--workers", "2", "--dask-workers", "3"])
    assert (args.workers, args.cluster_workers) == (2, 3)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--dask-workers", "2", "--scheduler", "tcp://x:1"])
