"""Run every benchmark script of this folder in turn (``make bench``).

Each script prints its own table: our time, the peer's time on the same data in the same run,
the ratio, and the fraction of the memory-bandwidth floor where that applies. The kernel
scripts take their data and peers from the kernel table (``tests/kernel_table``), which the
kernel tests read too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPTS = [
    "bench_aqi.py",
    "bench_daily.py",
    "bench_regions.py",
    "bench_aggregate.py",
    "bench_levels.py",
    "bench_measures.py",
    "bench_kernels.py",  # every row of the kernel table (tests/kernel_table) beside its peers
    "bench_http.py",
    "bench_startup.py",  # process wall time of lantian --help and a warm lantian levels
    "bench_ozone.py",  # a peak-shift programme for 1 M lines over the ozone season
    "bench_verify.py",  # forecast verification and compliance checks against pandas
    "bench_dashboard.py",  # the dashboard's data over loopback, time to interactive
    "bench_photochem.py",  # the scenario simulator against NCAR MUSICA (or scipy Radau)
]


def main() -> int:
    here = Path(__file__).resolve().parent
    failed = []
    for script in SCRIPTS:
        print(f"\n=== {script}", flush=True)
        if subprocess.run([sys.executable, str(here / script)], cwd=here.parent).returncode:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
