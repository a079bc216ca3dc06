"""The alert notice (预警信息): ``lantian notice`` and ``GET /v1/regions/{code}/notice``.

Hand-made forecast (tests/handmade.py), two regions: 石家庄 (130100) at PM2.5 260 µg/m³
(AQI 310) from 12-01 to 12-04, then 40 (AQI 60): red from 12-01, lifted after 12-04 (the
forecast stays below AQI 150 for 72 h > 36 h, docs/rules.md §2.1); 唐山 (130200) clean.
"""

from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient

import api.notice_writer as writer
from api.app import create_app
from api.cli import main
from api.settings import Settings
from engine.aqi import categories
from tests import handmade

EMPTY = "〔待填写：本系统无此项数据来源〕"
DAY = handmade.START.isoformat()


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from registry import import_synthetic

    directory = tmp_path_factory.mktemp("notice")
    dataset = handmade.forecast([260.0] * 4 + [40.0] * 3, east_pm25_days=[40.0] * 7)
    nc, geojson = handmade.write(directory, dataset, split=True)
    import_synthetic(directory, geojson, seed=3)
    return nc, geojson, directory / "registry.sqlite"


@pytest.fixture(scope="module")
def client(files, tmp_path_factory):
    nc, geojson, registry = files
    settings = Settings(
        forecast=nc,
        regions=str(geojson),
        registry=registry,
        db=tmp_path_factory.mktemp("notice-db") / "decisions.sqlite",
    )
    with TestClient(create_app(settings)) as client:
        yield client


def _cli(files, region: str, *extra: str) -> list[str]:
    nc, geojson, _ = files
    return ["notice", "--region", region, "--forecast", str(nc), "--regions", str(geojson),
            "--date", DAY, *extra]  # fmt: skip


def test_red_alert_notice_as_text(files, capsys):
    assert main(_cli(files, handmade.REGION_CODE)) == 0
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert lines[0] == "石家庄市重污染天气红色预警信息"
    assert "12月1日至12月4日石家庄市日空气质量指数（AQI）预计为310～310" in text
    assert "自2026年12月1日0时起启动重污染天气红色预警" in text
    assert "三、预警级别：红色预警" in lines
    assert "四、启动时间：2026年12月1日0时" in lines
    assert "五、预计持续时间：预计持续至12月4日24时（4天），共96小时" in lines
    reasons = lines[lines.index("六、预报依据：") + 1 :]
    assert reasons[0].startswith("  1. PM2.5 日 AQI > 200 预计持续 96 小时")
    # no source: written visibly empty, never guessed
    assert f"一、发布单位：{EMPTY}" in lines and f"二、发布时间：{EMPTY}" in lines
    assert f"七、应急减排措施：{EMPTY}" in lines  # no --registry: no plan to summarise
    health = next(line for line in lines if line.startswith("八、健康防护提示："))
    assert "310（严重污染" in health and "一般人群应避免户外活动" in health
    assert "HJ 633-2012 表2" in health
    assert "MEE-2024" in lines[-1] and "HAND@1" in lines[-1]


def test_measures_are_summarised_from_the_plan(files, client, capsys):
    _, _, registry = files
    assert main([*_cli(files, handmade.REGION_CODE), "--registry", str(registry)]) == 0
    text = capsys.readouterr().out
    plan = client.get(f"/v1/regions/{handmade.REGION_CODE}/plan", params={"date": DAY}).json()
    acting = [e for e in plan["enterprises"] if e["measures"]]
    measures = next(line for line in text.splitlines() if line.startswith("七、"))
    assert f"{len(acting)}家企业执行红色预警应急减排措施" in measures
    assert f"二氧化硫{plan['totals_kg_d']['so2'] / 1000:.2f}吨" in measures
    assert "要求不低于30%" in measures


def test_no_alert_notice(files, capsys):
    assert main(_cli(files, handmade.EAST_CODE)) == 0
    text = capsys.readouterr().out
    assert text.startswith("唐山市空气质量预报信息（未达到重污染天气预警条件）")
    assert "七、应急减排措施：未达到预警启动条件，不启动应急减排措施。" in text
    assert "三、预警级别：不预警" in text
    assert "60（良）" in text


def test_open_end_when_the_forecast_ends_in_the_alert(tmp_path, capsys):
    nc, geojson = handmade.write(tmp_path, handmade.forecast([260.0] * 4 + [40.0]))
    args = ["notice", "--region", handmade.REGION_CODE, "--forecast", str(nc),
            "--regions", str(geojson), "--date", DAY]  # fmt: skip
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "五、预计持续时间：至预报期末（12月5日）仍未结束，解除时间另行通知" in text
    assert "解除时间另行通知。" in text.splitlines()[2]


def test_http_notice_json_text_and_html(client):
    url = f"/v1/regions/{handmade.REGION_CODE}/notice"
    body = client.get(url, params={"date": DAY}).json()
    assert body["level"] == "red" and body["title"] == "石家庄市重污染天气红色预警信息"
    fields = {f["key"]: f for f in body["fields"]}
    assert fields["issuer"]["value"] is None and fields["issued_at"]["value"] is None
    assert fields["measures"]["value"].endswith("条生产线（工序）。")  # the plan's shortfall
    assert fields["reasons"]["value"][0].startswith("PM2.5 日 AQI > 200")
    assert all(f["source"] for f in body["fields"])
    text = client.get(url, params={"date": DAY, "format": "text"})
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text == body["text"]
    page = client.get(url, params={"date": DAY, "format": "html"})
    assert page.headers["content-type"].startswith("text/html")
    assert f'<dd class="empty" data-field="issuer">{EMPTY}</dd>' in page.text
    assert '<article class="notice" data-level="red">' in page.text
    assert client.get("/v1/regions/999999/notice").status_code == 404
    assert client.get(url, params={"format": "pdf"}).status_code == 422


def test_an_issuer_in_the_template_is_written(files, monkeypatch, capsys):
    template = copy.deepcopy(writer.notice_template())
    template["issuers"] = {handmade.REGION_CODE: {"name": "测试指挥部办公室", "source": "test"}}
    monkeypatch.setattr(writer, "notice_template", lambda: template)
    assert main(_cli(files, handmade.REGION_CODE)) == 0
    assert "一、发布单位：测试指挥部办公室" in capsys.readouterr().out


def test_template_names_a_source_for_every_field_and_advice_for_every_category():
    template = writer.notice_template()
    assert all(f["source"] and f["label"] for f in template["field"])
    assert set(template["health"]["category"]) == {str(c.level) for c in categories()}
