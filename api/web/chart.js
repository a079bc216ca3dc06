// The chart of a region's days (SVG): daily AQI as bars in the HJ 633 category colours with the
// rule set's thresholds (200 and 300 under MEE-2024) as dashed lines, and below it the daily
// PM2.5 and O3 MDA8 [µg/m³] as lines. Every value is also written on the chart.

import { dayLabel, t } from "./i18n.js";

const SVG = "http://www.w3.org/2000/svg";
const W = 640;
const LEFT = 44;
const RIGHT = 12;

function el(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceTop(value) {
  const steps = [50, 100, 150, 200, 250, 300, 400, 500, 600, 800, 1000];
  return steps.find((s) => s >= value) ?? Math.ceil(value / 500) * 500;
}

// days: [{date, aqi, category, pm25_24h, o3_mda8}], categories and thresholds from the legend.
export function dayChart(days, categories, thresholds, selectedDate) {
  const n = Math.max(days.length, 1);
  const band = (W - LEFT - RIGHT) / n;
  const x = (i) => LEFT + band * (i + 0.5);
  const svg = el("svg", { viewBox: `0 0 ${W} 360`, class: "chart", role: "img" });
  svg.append(el("title", {}, t("chart_title")));

  // AQI panel: y from 0 to a round top above the highest AQI and the thresholds.
  const top1 = 20;
  const h1 = 150;
  const aqiMax = niceTop(Math.max(...days.map((d) => d.aqi), ...thresholds, 100));
  const y1 = (v) => top1 + h1 - (Math.max(v, 0) / aqiMax) * h1;
  const g1 = el("g", { class: "aqi-panel" });
  g1.append(el("text", { x: 4, y: 12, class: "axis-title" }, t("aqi")));
  for (const tick of [0, aqiMax / 2, aqiMax]) {
    g1.append(el("text", { x: LEFT - 6, y: y1(tick) + 4, class: "tick", "text-anchor": "end" }, String(tick)));
  }
  g1.append(el("line", { x1: LEFT, x2: W - RIGHT, y1: y1(0), y2: y1(0), class: "axis" }));
  days.forEach((d, i) => {
    const category = categories.find((c) => c.level === d.category);
    const rgb = category ? category.rgb : [200, 200, 200];
    const bar = el("rect", {
      x: x(i) - band * 0.32,
      width: band * 0.64,
      y: y1(d.aqi),
      height: Math.max(0, y1(0) - y1(d.aqi)),
      fill: `rgb(${rgb.join(",")})`,
      class: "aqi-bar" + (d.date === selectedDate ? " selected" : ""),
      "data-date": d.date,
      "data-aqi": String(d.aqi),
    });
    bar.append(el("title", {}, `${d.date} AQI ${d.aqi}`));
    g1.append(bar);
    g1.append(el("text", { x: x(i), y: y1(d.aqi) - 4, class: "value", "text-anchor": "middle" }, d.aqi < 0 ? "—" : String(d.aqi)));
  });
  for (const threshold of thresholds) {
    if (threshold > aqiMax) continue;
    g1.append(el("line", { x1: LEFT, x2: W - RIGHT, y1: y1(threshold), y2: y1(threshold), class: "threshold", "data-threshold": String(threshold) }));
    g1.append(el("text", { x: W - RIGHT, y: y1(threshold) - 3, class: "threshold-label", "text-anchor": "end" }, `AQI ${threshold}`));
  }
  svg.append(g1);

  // Concentrations panel.
  const top2 = 215;
  const h2 = 105;
  const values = days.flatMap((d) => [d.pm25_24h, d.o3_mda8]).filter((v) => v !== null);
  const cMax = niceTop(Math.max(...values, 50));
  const y2 = (v) => top2 + h2 - (v / cMax) * h2;
  const g2 = el("g", { class: "conc-panel" });
  g2.append(el("text", { x: 4, y: top2 - 10, class: "axis-title" }, `${t("pm25")} · ${t("o3")} (${t("ugm3")})`));
  for (const tick of [0, cMax / 2, cMax]) {
    g2.append(el("text", { x: LEFT - 6, y: y2(tick) + 4, class: "tick", "text-anchor": "end" }, String(tick)));
  }
  g2.append(el("line", { x1: LEFT, x2: W - RIGHT, y1: y2(0), y2: y2(0), class: "axis" }));
  for (const [key, cls, marker] of [["pm25_24h", "pm25", "circle"], ["o3_mda8", "o3", "rect"]]) {
    const points = days.map((d, i) => [i, d[key]]).filter(([, v]) => v !== null);
    if (points.length > 1) {
      g2.append(el("polyline", { points: points.map(([i, v]) => `${x(i)},${y2(v)}`).join(" "), class: `line ${cls}` }));
    }
    for (const [i, v] of points) {
      const attrs = { class: `point ${cls}`, "data-date": days[i].date, [`data-${cls}`]: String(v) };
      const dot = marker === "circle"
        ? el("circle", { ...attrs, cx: x(i), cy: y2(v), r: 4 })
        : el("rect", { ...attrs, x: x(i) - 4, y: y2(v) - 4, width: 8, height: 8 });
      dot.append(el("title", {}, `${days[i].date} ${t(cls)} ${v}`));
      g2.append(dot);
      const dy = cls === "pm25" ? -8 : 16;
      g2.append(el("text", { x: x(i), y: y2(v) + dy, class: `value ${cls}`, "text-anchor": "middle" }, String(Math.round(v))));
    }
  }
  days.forEach((d, i) => {
    g2.append(el("text", { x: x(i), y: 348, class: "tick" + (d.date === selectedDate ? " selected" : ""), "text-anchor": "middle" }, dayLabel(d.date, false)));
  });
  // Key of the lines.
  const key = el("g", { class: "chart-key" });
  key.append(el("circle", { cx: W - 230, cy: top2 - 14, r: 4, class: "point pm25" }));
  key.append(el("text", { x: W - 222, y: top2 - 10, class: "tick" }, t("pm25")));
  key.append(el("rect", { x: W - 124, y: top2 - 18, width: 8, height: 8, class: "point o3" }));
  key.append(el("text", { x: W - 112, y: top2 - 10, class: "tick" }, t("o3")));
  g2.append(key);
  svg.append(g2);
  return svg;
}
