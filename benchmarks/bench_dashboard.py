"""The dashboard at / for 370 regions: its data over loopback, and time to interactive.

Data: 370 counties of the bundled boundaries (stand-ins for the ~370 cities of the national
domain, docs/design.md "Scale"), written as a region GeoJSON, and a synthetic forecast
covering them; ``lantian serve`` on a free 127.0.0.1 port (a real uvicorn).

* ours — the page's data as the page loads it: ``/v1/map/regions`` (simplified shapes, gzip),
  ``/v1/response?date=`` (every region), ``/v1/regions``, ``/v1/health``, ``/v1/map/legend``,
  four at a time; goal < 200 ms;
* peer — the same regions' full GeoJSON (the file served by ``lantian serve --regions``) from
  Python's own static file server on loopback: what a page drawing the raw polygons would load;
* time to interactive in headless Chromium (Debian package, system chromedriver): from
  navigation start to a painted, clickable map (``document.body.dataset.readyMs``), a new
  browser (cold) and a reload (warm); goal < 2 s; peer: Swagger UI at /docs on the same server,
  from navigation start to its rendered title.

Run: ``.venv/bin/python benchmarks/bench_dashboard.py [--regions 370 --repeat 15]``
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import functools
import http.server
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DAY = dt.date(2026, 12, 1)
DOMAIN = (108.0, 123.0, 29.0, 43.0, 0.1)  # lon0, lon1, lat0, lat1, step [°]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def write_inputs(directory: Path, n_regions: int) -> tuple[Path, Path]:
    """``n_regions`` bundled counties inside the domain as cities, and a forecast over them."""
    from forecasts.synthetic import synthetic_forecast
    from grids import load_regions

    x0, x1, y0, y1, _ = DOMAIN
    features = []
    for region in load_regions("builtin:counties"):
        a, b, c, d = region.geometry.bounds
        if a > x0 and c < x1 and b > y0 and d < y1:
            features.append(
                {
                    "type": "Feature",
                    "properties": {"code": region.code, "name": region.name, "kind": "city"},
                    "geometry": json.loads(shapely.to_geojson(region.geometry)),
                }
            )
        if len(features) == n_regions:
            break
    if len(features) < n_regions:
        raise SystemExit(f"only {len(features)} bundled counties inside the domain")
    regions = directory / "regions.geojson"
    regions.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    forecast = directory / "forecast.nc"
    synthetic_forecast(DAY, days=7, domain=DOMAIN).to_netcdf(forecast, engine="netcdf4")
    return forecast, regions


def page_data(base: str, day: dt.date) -> tuple[float, int]:
    """Wall time [s] and compressed bytes of the page's reads, four at a time."""
    paths = [
        "/v1/map/regions",
        f"/v1/response?date={day}",
        "/v1/regions",
        "/v1/health",
        f"/v1/map/legend?date={day}",
    ]

    def get(client: httpx.Client, path: str) -> int:
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        response.raise_for_status()
        return (
            len(response.content)
            if "content-encoding" not in response.headers
            else int(response.headers.get("content-length", len(response.content)))
        )

    with httpx.Client(base_url=base, timeout=60) as client:
        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            sizes = list(pool.map(functools.partial(get, client), paths))
        return time.perf_counter() - start, sum(sizes)


def static_peer(path: Path, repeat: int) -> tuple[float, int]:
    """Best time [s] to fetch the raw GeoJSON from Python's static file server."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # no line per request
            pass

    handler = functools.partial(Quiet, directory=str(path.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{path.name}"
        best, size = float("inf"), 0
        with httpx.Client(timeout=60) as client:
            for _ in range(repeat):
                t0 = time.perf_counter()
                size = len(client.get(url).content)
                best = min(best, time.perf_counter() - t0)
        return best, size
    finally:
        server.shutdown()


def browser_times(base: str, repeat: int) -> dict[str, list[float]] | None:
    """Time to interactive [s] of / (cold, warm) and of /docs, in headless Chromium."""
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        print("no chromium/chromedriver (make browser): time to interactive not measured")
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    def new() -> webdriver.Chrome:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
            options.add_argument(argument)
        options.add_argument("--window-size=1366,768")
        return webdriver.Chrome(service=Service(driver_path), options=options)

    def ready(driver: webdriver.Chrome) -> float:
        WebDriverWait(driver, 60).until(
            lambda d: d.execute_script("return document.body.dataset.ready") == "true"
        )
        return float(driver.execute_script("return Number(document.body.dataset.readyMs)")) / 1e3

    out: dict[str, list[float]] = {"cold": [], "warm": [], "docs": []}
    url = f"{base}/?date={DAY + dt.timedelta(days=1)}"
    for _ in range(repeat):
        driver = new()
        try:
            driver.get(url)
            out["cold"].append(ready(driver))
            driver.refresh()
            out["warm"].append(ready(driver))
            driver.get(f"{base}/docs")
            WebDriverWait(driver, 60).until(
                lambda d: d.execute_script("return !!document.querySelector('.swagger-ui .info')")
            )
            out["docs"].append(float(driver.execute_script("return performance.now()")) / 1e3)
        finally:
            driver.quit()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=370)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--browser-repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        forecast, regions = write_inputs(directory, args.regions)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--forecast", str(forecast),
             "--regions", str(regions), "--db", str(directory / "d.sqlite"),
             "--port", str(port)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            started = time.perf_counter()
            while True:
                try:
                    if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.perf_counter() - started > 300 or server.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.2)
            print(f"{args.regions} regions; server ready in {time.perf_counter() - started:.1f} s")
            t0 = time.perf_counter()
            geometry = httpx.get(f"{base}/v1/map/regions", headers={"Accept-Encoding": "gzip"})
            first = time.perf_counter() - t0
            wire = int(geometry.headers.get("content-length", 0))
            raw = len(geometry.content)
            days = [DAY + dt.timedelta(days=1 + i % 5) for i in range(args.repeat)]
            page_data(base, days[0])  # warm connections and the day's responses
            times = np.array([page_data(base, d)[0] for d in days])
            _, total = page_data(base, days[0])
            geometry_times = []
            with httpx.Client(base_url=base, timeout=60) as client:
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    client.get("/v1/map/regions", headers={"Accept-Encoding": "gzip"})
                    geometry_times.append(time.perf_counter() - t0)
            warm_geometry = float(np.median(geometry_times))
            peer, peer_bytes = static_peer(regions, args.repeat)
            browser = browser_times(base, args.browser_repeat)
        finally:
            server.terminate()
            server.wait(timeout=30)
    ours = float(np.median(times))
    print(f"\n{'case':<58} {'median ms':>10} {'bytes':>10}")
    print(f"{'ours: first /v1/map/regions (simplify + gzip, once)':<58} {first * 1e3:>10.1f} "
          f"{wire:>10}")  # fmt: skip
    print(f"{'ours: page data (5 reads, 4 at a time; goal < 200 ms)':<58} {ours * 1e3:>10.1f} "
          f"{total:>10}")  # fmt: skip
    print(f"{'ours: /v1/map/regions (gzip, ETag)':<58} {warm_geometry * 1e3:>10.1f} {wire:>10}")
    print(f"{'peer: raw GeoJSON from a static file server (best)':<58} {peer * 1e3:>10.1f} "
          f"{peer_bytes:>10}")  # fmt: skip
    print(f"geometry: {wire} B gzip for {raw} B of simplified GeoJSON; raw file {peer_bytes} B "
          f"({peer_bytes / max(wire, 1):.0f}× more on the wire)")  # fmt: skip
    print(f"ratio ours/peer, the shapes: {warm_geometry / peer:.2f}")
    print("(the page data also computes every region's response: GET /v1/response)")
    if browser:
        print(f"\n{'time to interactive, headless Chromium':<58} {'median s':>10} {'max s':>10}")
        for name, label in (
            ("cold", "ours: / in a new browser (goal < 2 s)"),
            ("warm", "ours: / reloaded"),
            ("docs", "peer: /docs (Swagger UI) rendered"),
        ):
            values = np.array(browser[name])
            print(f"{label:<58} {np.median(values):>10.2f} {values.max():>10.2f}")
        ratio = np.median(browser["cold"]) / np.median(browser["docs"])
        print(f"ratio ours (cold) / Swagger UI: {ratio:.2f}")


if __name__ == "__main__":
    main()
