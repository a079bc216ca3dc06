"""Where a command's dask work runs: a local cluster of worker processes, or a running scheduler.

``lantian levels --workers N`` (or ``--scheduler ADDRESS``) reads the forecast lazily in
chunks and computes its regional means on a dask.distributed cluster (docs/distributed.md):

* ``--workers N`` opens a :class:`distributed.LocalCluster` of N worker processes with
  ``--threads-per-worker`` threads each (default 1) and ``--worker-memory`` each;
* ``--scheduler ADDRESS`` connects to a running scheduler (``tcp://host:8786``; dask-jobqueue,
  dask-kubernetes, ``dask scheduler``); the scheduler and its workers must import the same
  Lantian code as the client (checked on connecting: a one-line error otherwise).

Numba's thread pool is sized per worker: a worker started here gets ``NUMBA_NUM_THREADS`` = its
task threads in its environment before it imports numba, so 2 workers × 1 thread do not run
2 × (all cores) numba threads. Workers of a remote cluster are asked what they use, and a
warning names the setting when it is wrong. Tasks reference kernels by import (module-level
functions), so no compiled numba function is ever pickled; each worker loads the kernels
from its on-disk cache.

Nothing here imports dask or distributed until a cluster is opened: ``lantian --help`` and
``lantian levels --help`` stay fast. ``distributed`` comes with the ``cluster`` extra.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import importlib.util
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

__all__ = [
    "DEFAULT_CHUNK_HOURS",
    "ClusterSettings",
    "add_cluster_arguments",
    "cluster_settings",
    "code_fingerprint",
    "numba_threads",
    "open_cluster",
    "worker_environment",
]

log = logging.getLogger(__name__)

DEFAULT_CHUNK_HOURS = 24
"""Forecast hours per chunk of a lazy read [h]: one CST day of one member on the whole grid
(0.05° national, 700 × 1100 cells: 74 MB per pollutant in float32)."""


@dataclasses.dataclass(frozen=True)
class ClusterSettings:
    """How to run the dask work of a command.

    ``workers`` (a local cluster of that many processes) and ``scheduler`` (an address) are
    exclusive; neither: no cluster, the forecast in memory as before.
    """

    workers: int | None = None
    scheduler: str | None = None
    threads_per_worker: int = 1
    memory_limit: str = "auto"
    chunk_hours: int = DEFAULT_CHUNK_HOURS
    dashboard_address: str = ":8787"

    def __post_init__(self) -> None:
        if self.workers is not None and self.scheduler is not None:
            raise ValueError("give --workers N or --scheduler ADDRESS, not both")
        for name in ("workers", "threads_per_worker", "chunk_hours"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name.replace('_', '-')} {value} must be at least 1")

    @property
    def enabled(self) -> bool:
        """Whether a cluster is asked for."""
        return self.workers is not None or self.scheduler is not None

    def chunks(self) -> dict[str, int] | None:
        """``read_forecast(..., chunks=)`` for this run: one member × ``chunk_hours`` per
        chunk with a cluster, None (in memory) without."""
        return {"time": self.chunk_hours, "member": 1} if self.enabled else None


def add_cluster_arguments(parser: argparse.ArgumentParser, workers_flag: str = "--workers") -> None:
    """Add ``WORKERS_FLAG N | --scheduler ADDRESS`` (exclusive), ``--threads-per-worker``,
    ``--worker-memory`` and ``--chunk-hours`` to ``parser``.

    ``workers_flag`` names the local-cluster flag (``lantian serve`` already has
    ``--workers`` for its HTTP processes). Read them back with :func:`cluster_settings`.
    """
    group = parser.add_argument_group(
        "cluster", "run on dask.distributed, the forecast read in chunks (docs/distributed.md)"
    )
    exclusive = group.add_mutually_exclusive_group()
    exclusive.add_argument(
        workers_flag,
        dest="cluster_workers",
        type=int,
        default=None,
        metavar="N",
        help="a local dask cluster of N worker processes (needs the 'cluster' extra)",
    )
    exclusive.add_argument(
        "--scheduler",
        dest="cluster_scheduler",
        default=None,
        metavar="ADDRESS",
        help="a running dask scheduler, e.g. tcp://10.0.0.5:8786 (workers need Lantian)",
    )
    group.add_argument(
        "--threads-per-worker",
        dest="cluster_threads",
        type=int,
        default=1,
        metavar="T",
        help="task threads (and numba threads) of each local worker (default 1)",
    )
    group.add_argument(
        "--worker-memory",
        dest="cluster_memory",
        default="auto",
        metavar="SIZE",
        help="memory limit of each local worker, e.g. 4GB (default auto: RAM / workers)",
    )
    group.add_argument(
        "--chunk-hours",
        dest="cluster_chunk_hours",
        type=int,
        default=DEFAULT_CHUNK_HOURS,
        metavar="H",
        help=f"forecast hours per chunk, one member each (default {DEFAULT_CHUNK_HOURS})",
    )


def cluster_settings(args: argparse.Namespace) -> ClusterSettings:
    """The :class:`ClusterSettings` of arguments parsed with :func:`add_cluster_arguments`."""
    return ClusterSettings(
        workers=args.cluster_workers,
        scheduler=args.cluster_scheduler,
        threads_per_worker=args.cluster_threads,
        memory_limit=args.cluster_memory,
        chunk_hours=args.cluster_chunk_hours,
    )


def worker_environment(threads_per_worker: int) -> dict[str, str]:
    """Environment of a local worker: numba's pool sized to the worker's task threads.

    Set by the nanny in the worker process before the worker starts, hence before any task
    imports numba (which reads ``NUMBA_NUM_THREADS`` once, at import).
    """
    return {"NUMBA_NUM_THREADS": str(threads_per_worker)}


def numba_threads(dask_worker: Any = None) -> dict[str, Any]:
    """What a worker runs numba with: its task threads, numba's pool, ``NUMBA_NUM_THREADS``.

    Run on every worker with ``client.run(numba_threads)`` (imported there by name;
    distributed passes the worker as ``dask_worker``).
    """
    import numba

    from engine.kernels import aggregate  # noqa: F401  (the kernels load, from the cache)

    nthreads = dask_worker.state.nthreads if dask_worker is not None else None
    return {
        "task_threads": nthreads,
        "numba_threads": int(numba.get_num_threads()),
        "NUMBA_NUM_THREADS": os.environ.get("NUMBA_NUM_THREADS"),
        "pid": os.getpid(),
    }


@contextlib.contextmanager
def open_cluster(settings: ClusterSettings, *, stream: IO[str] | None = None) -> Iterator[Any]:
    """Open the cluster ``settings`` ask for and make it dask's default while inside.

    Yields the :class:`distributed.Client`, or None when ``settings`` ask for no cluster
    (nothing is imported then). Prints the dashboard link on one line to ``stream``
    (default stderr). A local cluster is closed on exit; a remote one is only disconnected.

    Raises
    ------
    LantianError
        ``distributed`` is not installed, or the scheduler cannot be reached.
    """
    if not settings.enabled:
        yield None
        return
    from engine.errors import LantianError

    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise LantianError(
            "--workers/--scheduler need dask.distributed: pip install 'lantian[cluster]'"
        ) from None
    stream = sys.stderr if stream is None else stream
    if not logging.getLogger().isEnabledFor(logging.INFO):
        # distributed configures its own INFO handler; without -v only its warnings show
        logging.getLogger("distributed").setLevel(logging.WARNING)
    with contextlib.ExitStack() as stack:
        if settings.workers is not None:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=settings.workers,
                    threads_per_worker=settings.threads_per_worker,
                    processes=True,
                    memory_limit=settings.memory_limit,
                    dashboard_address=settings.dashboard_address,
                    env=worker_environment(settings.threads_per_worker),
                    silence_logs=logging.WARNING,
                )
            )
            client = stack.enter_context(Client(cluster))
            where = (
                f"local cluster of {settings.workers} workers × "
                f"{settings.threads_per_worker} thread(s)"
            )
        else:
            try:
                client = stack.enter_context(Client(settings.scheduler, timeout="30s"))
            except (OSError, TimeoutError) as error:
                raise LantianError(
                    f"cannot reach the dask scheduler {settings.scheduler!r} ({error}); check "
                    "the address (tcp://HOST:8786) and that the scheduler runs"
                ) from None
            where = f"scheduler {settings.scheduler}"
            _check_remote(client, settings.scheduler)
        print(f"dask dashboard: {client.dashboard_link} ({where})", file=stream, flush=True)
        yield client


_TASK_MODULES = (
    "engine.aggregate",
    "engine.daily",
    "engine.kernels.aggregate",
    "engine.kernels.daily",
    "forecasts._chunked",
)
"""Modules whose functions the tasks name: the scheduler and workers must hold the same."""


def code_fingerprint() -> str:
    """Digest of the source of the modules the tasks call (run on a scheduler or worker)."""
    digest = hashlib.sha256()
    for name in _TASK_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise ImportError(f"no module {name}")
        digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()[:12]


def _check_remote(client: Any, address: str | None) -> None:
    """Refuse a cluster that cannot run this Lantian's tasks; warn about numba's threads.

    The scheduler unpickles the task graph and the workers run it: both must import the same
    Lantian code as the client (else the computation fails later with a long traceback).
    """
    from engine.errors import LantianError

    mine = code_fingerprint()
    try:
        theirs = {"scheduler": client.run_on_scheduler(code_fingerprint)}
        theirs.update(client.run(code_fingerprint))
    except Exception as error:  # an ImportError raised remotely arrives as itself
        raise LantianError(
            f"the dask cluster at {address} cannot import Lantian ({type(error).__name__}: "
            f"{error}); install the same lantian on the scheduler and every worker"
        ) from None
    other = sorted(k for k, v in theirs.items() if v != mine)
    if other:
        raise LantianError(
            f"the dask cluster at {address} runs other Lantian code than this client "
            f"({', '.join(other)}); install the same lantian on the scheduler and every worker"
        )
    _check_workers(client)


def _check_workers(client: Any) -> None:
    """Warn when a remote worker cannot import Lantian or runs more numba threads than task
    threads (start workers with NUMBA_NUM_THREADS set to their --nthreads)."""
    try:
        reports = client.run(numba_threads)
    except Exception as error:  # an ImportError raised remotely arrives as itself
        log.warning(
            "the dask workers cannot run Lantian's kernels (%s: %s): install lantian in the "
            "workers' environment",
            type(error).__name__,
            error,
        )
        return
    for address, report in reports.items():
        threads, pool = report["task_threads"], report["numba_threads"]
        if threads is not None and pool > threads:
            log.warning(
                "dask worker %s runs %d task thread(s) but numba uses %d threads: start the "
                "workers with NUMBA_NUM_THREADS=%d (docs/distributed.md)",
                address,
                threads,
                pool,
                threads,
            )
