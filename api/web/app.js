// The dashboard: map of levels (or AQI categories) for a day from tomorrow on, legend, the
// cities at each level written out, and the region panel. Reads only the public endpoints:
// /v1/health, /v1/regions, /v1/response?date=, /v1/map/regions, /v1/map/legend, and on demand
// /v1/regions/{code}/episodes and /plan.

import { getJSON } from "./api.js";
import { h, swatch } from "./dom.js";
import { dayLabel, dayShort, lang, nameOf, setLang, t, translatePage } from "./i18n.js";
import { RegionMap } from "./map.js";
import { Panel } from "./panel.js";

const ORDER = ["red", "orange", "yellow", "pre_alert", "none"];
const params = new URLSearchParams(location.search);
const state = {
  by: params.get("by") === "aqi" ? "aqi" : "level",
  day: null,
  days: [],
  legend: null,
  names: new Map(),
  responses: new Map(), // day -> Map(code -> response)
  selected: params.get("region"),
  health: null,
};

const $ = (id) => document.getElementById(id);
const levelOf = (id) => state.legend.levels.find((l) => l.id === id);
const categoryOf = (n) => state.legend.categories.find((c) => c.level === n);
const current = () => state.responses.get(state.day) ?? new Map();

const regionMap = new RegionMap($("map"), $("tooltip"), (code) => select(code));
const panel = new Panel($("panel"), {
  legend: () => state.legend,
  day: () => state.day,
  lastDay: () => state.health.last_date,
  level: levelOf,
  category: categoryOf,
});

function addDays(iso, n) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

function setStatus(text, warning = false) {
  $("status").textContent = text;
  $("status").classList.toggle("warning", warning);
}

function remember() {
  const query = new URLSearchParams({ date: state.day, by: state.by });
  if (state.selected) query.set("region", state.selected);
  history.replaceState(null, "", `?${query}`);
}

// How a region is drawn for the day: colour, written level or AQI, accessible text.
function look(response) {
  if (!response) {
    return { rgb: state.legend.missing_rgb, level: "missing", aqi: null, text: t("no_response"), label: t("short_missing") };
  }
  const level = levelOf(response.level);
  const day = response.days[0];
  if (state.by === "aqi" && day) {
    const category = categoryOf(day.category);
    return {
      rgb: category ? category.rgb : state.legend.missing_rgb,
      level: response.level,
      aqi: day.aqi,
      text: `AQI ${day.aqi} ${category ? nameOf(category) : ""} · ${nameOf(level)}`,
      label: String(day.aqi),
    };
  }
  return { rgb: level.rgb, level: response.level, aqi: null, text: nameOf(level), label: t(`short_${response.level}`) };
}

function paint() {
  const responses = current();
  for (const code of state.names.keys()) regionMap.paint(code, look(responses.get(code)));
  regionMap.showKeyRegions(state.day);
  for (const button of $("days").querySelectorAll("button")) {
    button.setAttribute("aria-pressed", String(button.dataset.day === state.day));
  }
  drawLegend();
  drawSummary();
  if (state.selected) panel.update(responses.get(state.selected) ?? null);
  $("map").dataset.day = state.day;
  $("map").dataset.by = state.by;
}

function drawLegend() {
  const items =
    state.by === "level"
      ? ORDER.slice().reverse().map((id) => {
          const level = levelOf(id);
          return h("li", { "data-level": id }, swatch(level.rgb), ` ${nameOf(level)} (${t(`short_${id}`)})`);
        })
      : state.legend.categories.map((c) =>
          h("li", { "data-category": c.level }, swatch(c.rgb), ` ${c.lower}–${c.upper} ${nameOf(c)}`),
        );
  const outlines = [...$("map").querySelectorAll(".key-region:not(.hidden)")].map((o) => o.dataset.keyRegion);
  const names = state.geometry.key_regions
    .filter((k) => outlines.includes(k.properties.code))
    .map((k) => (lang() === "zh" ? k.properties.name : k.properties.name_en));
  $("legend").replaceChildren(
    h("h3", {}, state.by === "level" ? t("legend_level") : t("legend_aqi")),
    h("ul", { class: "legend-items" }, items),
    names.length ? h("p", { class: "legend-key" }, h("span", { class: "outline-sample", "aria-hidden": "true" }), ` ${t("key_regions")}: ${names.join("、")}`) : null,
  );
}

// The cities at each level, written out: what a duty officer reads first.
function drawSummary() {
  const responses = current();
  const groups = ORDER.map((id) => {
    const codes = [...state.names.keys()].filter((c) => responses.get(c)?.level === id);
    const level = levelOf(id);
    const names = codes.map((c) => {
      const button = h("button", { type: "button", class: "link", "data-region": c }, state.names.get(c));
      button.addEventListener("click", () => select(c));
      return button;
    });
    return h(
      "li",
      { "data-level": id, "data-count": codes.length },
      swatch(level.rgb),
      ` ${nameOf(level)} (${codes.length}): `,
      names.length ? names : t("none_at"),
    );
  });
  $("summary").replaceChildren(h("h3", {}, `${t("regions_at")} · ${dayLabel(state.day)}`), h("ul", {}, groups));
}

function drawDays() {
  const box = $("days");
  box.setAttribute("aria-label", t("day"));
  box.replaceChildren(
    ...state.days.map((day) => {
      const button = h("button", { type: "button", "data-day": day, "aria-pressed": String(day === state.day), title: dayLabel(day) }, dayShort(day));
      button.addEventListener("click", () => showDay(day));
      return button;
    }),
  );
}

async function load(day) {
  if (!state.responses.has(day)) {
    const body = await getJSON("/v1/response", { date: day });
    state.responses.set(day, new Map(body.responses.map((r) => [r.region.code, r])));
  }
  return state.responses.get(day);
}

async function showDay(day) {
  state.day = day;
  setStatus(t("loading"));
  try {
    await load(day);
    setStatus("");
  } catch (error) {
    setStatus(`${t("error")}: ${error.message}`, true);
  }
  paint();
  remember();
  document.body.dataset.day = day;
}

function select(code) {
  state.selected = code;
  regionMap.select(code);
  panel.open(code, state.names.get(code) ?? code, current().get(code) ?? null);
  remember();
}

function translate() {
  translatePage();
  $("lang").textContent = lang() === "zh" ? "English" : "中文";
  if (state.health) {
    const f = state.health.forecast;
    $("forecast").textContent = `${t("forecast")} ${f.id} (${t("issued")} ${f.issued}) · ${t("rule_set")} ${state.legend.rule_set.id}`;
  }
}

async function boot() {
  setLang(params.get("lang") ?? lang());
  translate();
  setStatus(t("loading"));
  $("lang").addEventListener("click", () => {
    setLang(lang() === "zh" ? "en" : "zh");
    translate();
    drawDays();
    paint();
  });
  $("panel-close").addEventListener("click", () => {
    panel.close();
    state.selected = null;
    regionMap.select(null);
    remember();
  });
  $("key-button").hidden = !sessionStorage.getItem("lantian-key");
  $("key-button").addEventListener("click", () => sessionStorage.removeItem("lantian-key") || location.reload());
  for (const radio of document.querySelectorAll("input[name=by]")) {
    radio.checked = radio.value === state.by;
    radio.addEventListener("change", () => {
      state.by = radio.value;
      paint();
      remember();
    });
  }
  try {
    const [health, geometry, regions, first] = await Promise.all([
      getJSON("/v1/health"),
      getJSON("/v1/map/regions"),
      getJSON("/v1/regions"),
      getJSON("/v1/map/legend", params.has("date") ? { date: params.get("date") } : {}),
    ]);
    state.health = health;
    state.geometry = geometry;
    state.legend = first;
    for (const r of regions) state.names.set(r.code, r.name);
    // Days from tomorrow (CST), or from the day asked if earlier, to the forecast's last day.
    const asked = params.get("date");
    let start = asked && asked < first.tomorrow ? asked : first.tomorrow;
    if (start < health.first_date) start = health.first_date;
    if (start > health.last_date) {
      translate();
      setStatus(t("no_days"), true);
      return;
    }
    for (let day = start; day <= health.last_date; day = addDays(day, 1)) state.days.push(day);
    state.day = asked && state.days.includes(asked) ? asked : start;
    translate();
    regionMap.describe = (code) => `${state.names.get(code) ?? code}: ${look(current().get(code)).text}`;
    regionMap.draw(geometry, state.names);
    drawDays();
    await showDay(state.day);
    if (state.selected && state.names.has(state.selected)) select(state.selected);
    // Milliseconds from navigation start to a painted, clickable map (benchmarks read it).
    document.body.dataset.readyMs = String(Math.round(performance.now()));
    document.body.dataset.ready = "true";
  } catch (error) {
    setStatus(`${t("error")}: ${error.message}`, true);
  }
}

boot();
