"""The page at / in a real browser: headless Chromium (Debian package) driven by Selenium
through the system chromedriver, against a real uvicorn server on a free loopback port.

A hand-made forecast on two regions: 石家庄 (130100) at PM2.5 260 µg/m³ (AQI 310) for four
days then 40, so red from 12-01; 唐山 (130200) clean, then 160 µg/m³ (AQI 210) on 12-03 and
12-04, so nothing on 12-01 and orange on 12-03 (docs/rules.md §2.1, MEE-2024). Screenshots go
to test-artifacts/browser/ (git-ignored). ``make browser`` installs Chromium; without it these
tests skip, except in CI, where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests import handmade
from tests.api.test_server import free_port

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
WEST, EAST = handmade.REGION_CODE, handmade.EAST_CODE
WEST_PM25 = [260.0] * 4 + [40.0] * 4
EAST_PM25 = [40.0, 40.0, 160.0, 160.0] + [40.0] * 4
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
WEST_AQI = [310] * 4 + [60] * 4  # HJ 633-2026: PM2.5 260 → 310, 40 → 60


def _browser_paths() -> tuple[str, str] | None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else None


def _require_browser() -> tuple[str, str]:
    paths = _browser_paths()
    if paths is None:
        reason = "chromium and chromedriver are not installed (run `make browser` as root)"
        if os.environ.get("CI"):
            pytest.fail(f"in CI the browser tests must run: {reason}")
        pytest.skip(reason)
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.fail("selenium is not installed: pip install -e '.[dev]'")
    return paths


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A served hand-made forecast with a synthetic registry: the base URL."""
    _require_browser()
    from registry import import_synthetic

    directory = tmp_path_factory.mktemp("browser")
    dataset = handmade.forecast(WEST_PM25, east_pm25_days=EAST_PM25)
    nc, geojson = handmade.write(directory, dataset, split=True)
    import_synthetic(directory, geojson, seed=7)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api.cli",
            "serve",
            "--forecast",
            str(nc),
            "--regions",
            str(geojson),
            "--db",
            str(directory / "decisions.sqlite"),
            "--registry",
            str(directory / "registry.sqlite"),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited: {process.stdout.read()}")
        try:
            if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("server did not start within 180 s")
    yield base
    process.terminate()
    process.wait(timeout=30)


def new_driver(width: int = 1366, height: int = 768):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = _require_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=zh-CN"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(service=Service(driver), options=options)
    browser.set_window_size(width, height)
    # The inner size is what a screen of that size shows: make it exact.
    inner = browser.execute_script("return [window.innerWidth, window.innerHeight]")
    browser.set_window_size(2 * width - inner[0], 2 * height - inner[1])
    return browser


@pytest.fixture(scope="module")
def browser(site):
    driver = new_driver()
    yield driver
    driver.quit()


def wait_for(driver, condition, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def errors(driver) -> list[dict]:
    """Console errors since the last call (network failures included)."""
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def shot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def open_page(driver, site: str, query: str) -> None:
    driver.get(f"{site}/?{query}")
    wait_for(driver, lambda d: d.execute_script("return document.body.dataset.ready") == "true")


def shapes(driver) -> dict[str, dict]:
    return driver.execute_script(
        """
        const out = {};
        for (const p of document.querySelectorAll('#map path[data-region]')) {
          out[p.dataset.region] = {fill: p.getAttribute('fill'), level: p.dataset.level,
            aqi: p.dataset.aqi ?? null, label: p.getAttribute('aria-label'),
            text: document.querySelector(`[data-label-for="${p.dataset.region}"] .level`)
              ?.textContent ?? null};
        }
        return out;"""
    )


def rgb(values) -> str:
    return f"rgb({','.join(str(v) for v in values)})"


def test_map_has_one_shape_per_region_with_level_colour_and_label(browser, site):
    open_page(browser, site, "date=2026-12-01&lang=zh")
    assert errors(browser) == []
    shot(browser, "map-levels-1366x768")
    legend = httpx.get(f"{site}/v1/map/legend", params={"date": "2026-12-01"}).json()
    colours = {level["id"]: rgb(level["rgb"]) for level in legend["levels"]}
    api = httpx.get(f"{site}/v1/response", params={"date": "2026-12-01"}).json()
    expected = {r["region"]["code"]: r["level"] for r in api["responses"]}
    assert expected == {WEST: "red", EAST: "none"}
    drawn = shapes(browser)
    assert set(drawn) == {WEST, EAST}  # one shape per region, nothing else
    for code, level in expected.items():
        assert drawn[code]["level"] == level
        assert drawn[code]["fill"] == colours[level]
        assert drawn[code]["aqi"] is None  # coloured by level: no data-aqi
    assert drawn[WEST]["label"] == "石家庄市: 红色预警"
    assert drawn[WEST]["text"] == "红"  # the level is written on the map, not only coloured
    assert drawn[EAST]["label"] == "唐山市: 不预警"
    summary = browser.execute_script(
        "return [...document.querySelectorAll('#summary li')].map(li => "
        "[li.dataset.level, li.dataset.count])"
    )
    assert ["red", "1"] in summary and ["none", "1"] in summary


def test_clicking_a_region_opens_its_chart_with_the_right_numbers(browser, site):
    from selenium.webdriver.common.by import By

    open_page(browser, site, "date=2026-12-01&lang=zh")
    browser.find_element(By.CSS_SELECTOR, f'#map path[data-region="{WEST}"]').click()
    wait_for(browser, lambda d: d.execute_script("return !document.getElementById('panel').hidden"))
    assert browser.find_element(By.ID, "panel-title").text == "石家庄市"
    bars = browser.execute_script(
        "return [...document.querySelectorAll('svg.chart rect.aqi-bar')].map(b => "
        "[b.dataset.date, Number(b.dataset.aqi)])"
    )
    assert [aqi for _, aqi in bars] == WEST_AQI
    assert bars[0][0] == "2026-12-01"
    pm25 = browser.execute_script(
        "return [...document.querySelectorAll('svg.chart .point[data-pm25]')].map(p => "
        "Number(p.dataset.pm25))"
    )
    assert pm25 == WEST_PM25
    thresholds = browser.execute_script(
        "return [...document.querySelectorAll('svg.chart line.threshold')].map(l => "
        "Number(l.dataset.threshold))"
    )
    assert thresholds == [200, 300]
    table = browser.execute_script(
        "return [...document.querySelectorAll('table.days tbody tr')].map(r => "
        "[...r.cells].map(c => c.textContent.trim()))"
    )
    assert table[0][1:4] == ["310", "严重污染", "260.0"]
    reasons = browser.find_elements(By.CSS_SELECTOR, "#tab-body ul li")
    assert any("红色预警" in r.text for r in reasons)  # Chinese reasons
    assert any("red" in r.text for r in reasons)  # and the English ones
    shot(browser, "panel-overview")
    assert errors(browser) == []


def test_day_selector_changes_colours_as_levels_change(browser, site):
    from selenium.webdriver.common.by import By

    open_page(browser, site, "date=2026-12-01&lang=zh")
    before = shapes(browser)
    browser.find_element(By.CSS_SELECTOR, '#days button[data-day="2026-12-03"]').click()
    wait_for(
        browser, lambda d: d.execute_script("return document.body.dataset.day") == "2026-12-03"
    )
    after = shapes(browser)
    legend = httpx.get(f"{site}/v1/map/legend").json()
    orange = rgb(next(x["rgb"] for x in legend["levels"] if x["id"] == "orange"))
    assert before[EAST]["level"] == "none"
    assert after[EAST]["level"] == "orange" and after[EAST]["fill"] == orange
    assert after[EAST]["text"] == "橙"
    pressed = browser.find_element(By.CSS_SELECTOR, '#days button[aria-pressed="true"]')
    assert pressed.get_attribute("data-day") == "2026-12-03"
    shot(browser, "map-day-2026-12-03")
    assert errors(browser) == []


def test_colour_by_aqi_sets_data_aqi_and_category_colours(browser, site):
    from selenium.webdriver.common.by import By

    open_page(browser, site, "date=2026-12-01&lang=en")
    browser.find_element(By.CSS_SELECTOR, 'input[name="by"][value="aqi"]').click()
    wait_for(
        browser,
        lambda d: d.execute_script("return document.getElementById('map').dataset.by") == "aqi",
    )
    drawn = shapes(browser)
    categories = {
        c["level"]: rgb(c["rgb"]) for c in httpx.get(f"{site}/v1/map/legend").json()["categories"]
    }
    assert drawn[WEST]["aqi"] == "310" and drawn[WEST]["fill"] == categories[6]
    assert drawn[EAST]["aqi"] == "60" and drawn[EAST]["fill"] == categories[2]
    assert drawn[WEST]["text"] == "310"
    assert drawn[WEST]["level"] == "red"  # the level stays readable by scripts
    assert (
        browser.find_element(By.CSS_SELECTOR, "[data-i18n=title]").text
        == "Heavy-pollution response"
    )
    shot(browser, "map-aqi-en")
    assert errors(browser) == []


def test_plan_episodes_and_waiting_tabs(browser, site):
    from selenium.webdriver.common.by import By

    open_page(browser, site, f"date=2026-12-01&lang=zh&region={WEST}")
    wait_for(
        browser,
        lambda d: (
            d.execute_script("return document.getElementById('panel').dataset.region") == WEST
        ),
    )
    plan = httpx.get(f"{site}/v1/regions/{WEST}/plan", params={"date": "2026-12-01"}).json()
    # the overview already summarises the plan under the chart
    brief = wait_for(
        browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".plan-brief [data-firms]")
    )
    acting = sum(1 for e in plan["enterprises"] if e["measures"])
    assert brief[0].get_attribute("data-firms") == str(acting)
    browser.find_element(By.CSS_SELECTOR, '[data-tab="plan"]').click()
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "table.reductions"))
    firms = browser.execute_script(
        "return [...document.querySelectorAll('table.grades tbody tr')]"
        ".reduce((n, r) => n + Number(r.cells[1].textContent), 0)"
    )
    assert firms == len(plan["enterprises"]) > 0
    reductions = browser.execute_script(
        "return [...document.querySelectorAll('table.reductions tbody tr')]"
        ".map(r => r.cells[1].textContent)"
    )
    assert reductions[0] == f"{plan['totals_kg_d']['so2'] / 1000:.2f}"
    shot(browser, "panel-plan")
    browser.find_element(By.CSS_SELECTOR, '[data-tab="episodes"]').click()
    # episodes come from the decisions recorded (or, where reads record nothing, issued)
    episodes = httpx.get(f"{site}/v1/regions/{WEST}/episodes").json()
    if episodes:
        wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "table.episodes"))
        rows = browser.find_elements(By.CSS_SELECTOR, "table.episodes tbody tr")
        assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows] == [
            e["id"] for e in episodes
        ]
        assert "红色预警" in rows[0].text
    else:
        wait_for(
            browser,
            lambda d: "尚无" in d.find_element(By.ID, "tab-body").text,
        )
    # the ozone-season programme of the panel's days (the endpoint exists now)
    browser.find_element(By.CSS_SELECTOR, '[data-tab="ozone"]').click()
    cells = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".ozone-totals td"))
    days = {"from": "2026-12-01", "to": httpx.get(f"{site}/v1/health").json()["last_date"]}
    programme = httpx.get(f"{site}/v1/regions/{WEST}/ozone-programme", params=days).json()
    assert float(cells[0].get_attribute("data-kg")) == pytest.approx(
        programme["totals"]["voc_moved_kg"]
    )
    assert float(cells[1].get_attribute("data-kg")) == pytest.approx(
        programme["totals"]["voc_removed_kg"]
    )
    assert "臭氧季错峰生产方案" in browser.find_element(By.ID, "tab-body").text
    # the scenario simulator is not served yet: its tab says so
    if "/v1/scenarios/{id}/result" not in httpx.get(f"{site}/openapi.json").json()["paths"]:
        browser.find_element(By.CSS_SELECTOR, '[data-tab="scenario"]').click()
        wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#tab-body .no-result"))
        assert "暂无" in browser.find_element(By.CSS_SELECTOR, "#tab-body .no-result").text
    assert errors(browser) == []


def test_readable_on_a_phone(site):
    phone = new_driver(390, 844)
    try:
        open_page(phone, site, "date=2026-12-01&lang=zh")
        width = phone.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert width[0] <= width[1]  # no sideways scrolling
        box = phone.execute_script(
            "const r = document.getElementById('map').getBoundingClientRect();"
            "return [r.width, r.height]"
        )
        assert box[0] > 300 and box[1] > 200
        shot(phone, "map-phone-390x844")
        assert errors(phone) == []
    finally:
        phone.quit()


def test_api_docs_render_from_local_assets(browser, site):
    from selenium.webdriver.common.by import By

    browser.get(f"{site}/docs")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .info .title"))
    assert "Lantian" in browser.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title").text
    shot(browser, "docs-swagger")
    assert errors(browser) == []
    browser.get(f"{site}/redoc")
    wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".api-content h1"))
    assert "Lantian" in browser.find_element(By.CSS_SELECTOR, ".api-content h1").text
    shot(browser, "docs-redoc")
    # Everything the docs pages loaded came from the service itself; ReDoc's side-bar logo
    # (cdn.redoc.ly) is refused by the page's policy (api/web/THIRD_PARTY.md).
    sources = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    elsewhere = [s for s in sources if not s.startswith(site)]
    assert f"{site}/web/vendor/redoc/redoc.standalone.js" in sources
    assert elsewhere in ([], [REDOC_LOGO])
    for entry in errors(browser):
        assert REDOC_LOGO in entry["message"] and "Content Security Policy" in entry["message"]


@pytest.fixture(scope="module")
def keyed_site(tmp_path_factory):
    """The same page on a service whose reads need ``Bearer secret-key`` (an in-process
    uvicorn on a free port; /v1/... refuses anonymous reads with 401, as a keyed deployment)."""
    _require_browser()
    import threading

    import uvicorn
    from starlette.responses import JSONResponse

    from api.app import create_app
    from api.settings import Settings

    directory = tmp_path_factory.mktemp("keyed")
    nc, geojson = handmade.write(
        directory, handmade.forecast(WEST_PM25, east_pm25_days=EAST_PM25), split=True
    )
    app = create_app(Settings(forecast=nc, regions=str(geojson), db=directory / "decisions.sqlite"))

    inner = app

    async def need_key(scope, receive, send):
        """401 for an anonymous /v1/ read; the key checked is then taken off the request, so
        the service behind sees an ordinary anonymous read (whatever keys it knows itself)."""
        if scope["type"] == "http" and scope["path"].startswith("/v1/"):
            headers = [(k, v) for k, v in scope["headers"] if k != b"authorization"]
            if (b"authorization", b"Bearer secret-key") not in scope["headers"]:
                refused = JSONResponse({"detail": "this service requires an API key"}, 401)
                await refused(scope, receive, send)
                return
            scope = {**scope, "headers": headers}
        await inner(scope, receive, send)

    port = free_port()
    config = uvicorn.Config(need_key, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


def test_page_asks_for_a_key_where_reads_need_one_and_keeps_it_for_the_session(keyed_site):
    from selenium.webdriver.common.by import By

    driver = new_driver()
    try:
        driver.get(f"{keyed_site}/?date=2026-12-01&lang=en")
        wait_for(
            driver, lambda d: d.execute_script("return document.getElementById('key-dialog').open")
        )
        shot(driver, "key-dialog")
        driver.find_element(By.ID, "key-input").send_keys("secret-key")
        driver.find_element(By.CSS_SELECTOR, "#key-form button[type=submit]").click()
        wait_for(driver, lambda d: d.execute_script("return document.body.dataset.ready") == "true")
        assert set(shapes(driver)) == {WEST, EAST}
        assert driver.execute_script("return sessionStorage.getItem('lantian-key')") == "secret-key"
        refused = errors(driver)
        assert refused and all("401" in e["message"] for e in refused)
        driver.refresh()  # the same session: no question asked again
        wait_for(driver, lambda d: d.execute_script("return document.body.dataset.ready") == "true")
        assert not driver.execute_script("return document.getElementById('key-dialog').open")
        assert errors(driver) == []
    finally:
        driver.quit()


def test_page_with_the_services_own_keys(tmp_path_factory):
    """Where the service itself requires keys for reads (``reads_need_key``, API keys of
    api/auth.py), the page is still served, asks for a key and reads with it."""
    _require_browser()
    import threading

    import uvicorn

    from api.app import create_app
    from api.settings import Settings

    if "reads_need_key" not in Settings.model_fields:
        pytest.skip("this service has no API keys for reads (api/auth.py) yet")
    from api.auth import create_key

    directory = tmp_path_factory.mktemp("own-keys")
    nc, geojson = handmade.write(
        directory, handmade.forecast(WEST_PM25, east_pm25_days=EAST_PM25), split=True
    )
    settings = Settings(
        forecast=nc, regions=str(geojson), db=directory / "d.sqlite", reads_need_key=True
    )
    app = create_app(settings)
    _, key = create_key(app.state.service.store, "reader", None, "browser test")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    driver = new_driver()
    try:
        from selenium.webdriver.common.by import By

        driver.get(f"http://127.0.0.1:{port}/?date=2026-12-01")
        wait_for(
            driver, lambda d: d.execute_script("return document.getElementById('key-dialog').open")
        )
        driver.find_element(By.ID, "key-input").send_keys(key)
        driver.find_element(By.CSS_SELECTOR, "#key-form button[type=submit]").click()
        wait_for(driver, lambda d: d.execute_script("return document.body.dataset.ready") == "true")
        assert shapes(driver)[WEST]["level"] == "red"
    finally:
        driver.quit()
        server.should_exit = True
        thread.join(timeout=30)
