// The region panel: overview (chart, values, reasons in both languages, notice), episode
// history, plan summary, and the ozone-season and scenario results where the service has them.

import { getJSON, servedPaths } from "./api.js";
import { dayChart } from "./chart.js";
import { h, swatch, table } from "./dom.js";
import { dayLabel, lang, nameOf, t } from "./i18n.js";

const SPECIES = [["so2", "SO₂"], ["nox", "NOx"], ["pm", "PM"], ["voc", "VOCs"]];
const OZONE_PATH = "/v1/regions/{code}/ozone-programme";
const SCENARIO_PATH = "/v1/scenarios/{id}/result";

const percent = (v) => (v === null || v === undefined ? t("unknown") : `${(v * 100).toFixed(1)}%`);
const fixed = (v, d = 1) => (v === null || v === undefined ? "—" : Number(v).toFixed(d));
const yesNo = (v) => (v === null || v === undefined ? t("unknown") : v ? `✓ ${t("yes")}` : `✗ ${t("no")}`);

export class Panel {
  // ctx: { legend(), day(), lastDay(), level(id), category(n) }
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.tab = "overview";
    this.code = null;
    this.response = null;
    this.cache = new Map();
    this.body = root.querySelector("#tab-body");
    for (const button of root.querySelectorAll("[role=tab]")) {
      button.addEventListener("click", () => this.show(button.dataset.tab));
    }
  }

  open(code, name, response) {
    this.code = code;
    this.name = name;
    this.response = response;
    this.root.hidden = false;
    this.root.dataset.region = code;
    this.render();
  }

  update(response) {
    this.response = response;
    if (!this.root.hidden) this.render();
  }

  close() {
    this.root.hidden = true;
    this.code = null;
  }

  show(tab) {
    this.tab = tab;
    for (const button of this.root.querySelectorAll("[role=tab]")) {
      button.setAttribute("aria-selected", String(button.dataset.tab === tab));
    }
    this.render();
  }

  render() {
    if (!this.code) return;
    this.root.querySelector("#panel-title").textContent = this.name;
    const line = this.root.querySelector("#panel-level");
    line.replaceChildren();
    const r = this.response;
    if (r) {
      const level = this.ctx.level(r.level);
      line.append(swatch(level.rgb), " ", h("strong", { "data-level": r.level }, nameOf(level)));
      if (r.forecast_level !== r.level) {
        line.append(` (${t("forecast_level")}: ${nameOf(this.ctx.level(r.forecast_level))})`);
      }
      line.append(` · ${dayLabel(r.date)}`);
    } else {
      line.append(t("no_response"));
    }
    this.body.dataset.tab = this.tab;
    const renderers = {
      overview: () => this.overview(),
      episodes: () => this.episodes(),
      plan: () => this.plan(),
      ozone: () => this.ozone(),
      scenario: () => this.scenario(),
    };
    renderers[this.tab]();
  }

  overview() {
    const r = this.response;
    if (!r) {
      this.body.replaceChildren(h("p", {}, t("no_response")));
      return;
    }
    const legend = this.ctx.legend();
    const rows = r.days.map((d) => {
      const category = this.ctx.category(d.category);
      return [
        dayLabel(d.date, false),
        h("span", { "data-aqi": d.aqi }, String(d.aqi)),
        category ? h("span", {}, swatch(category.rgb), " ", nameOf(category)) : "—",
        fixed(d.pm25_24h),
        fixed(d.o3_mda8),
        d.primary_pollutants.join(", ") || "—",
      ];
    });
    const [first, second] = lang() === "zh" ? [r.reasons_zh, r.reasons] : [r.reasons, r.reasons_zh];
    const reasonList = (items, language) =>
      items.length ? h("ul", { lang: language }, items.map((x) => h("li", {}, x))) : h("p", {}, t("no_reasons"));
    const regime = { pm25: t("regime_pm25"), o3: t("regime_o3"), none: t("regime_none") }[r.regime] ?? r.regime;
    const notice = `/v1/regions/${encodeURIComponent(r.region.code)}/notice?date=${r.date}&format=html`;
    const nodes = [
      h("figure", {}, dayChart(r.days, legend.categories, legend.thresholds, r.date), h("figcaption", {}, t("chart_title"))),
      table(
        [t("date"), t("aqi"), t("category"), `${t("pm25")} (${t("ugm3")})`, `${t("o3")} (${t("ugm3")})`, t("primary")],
        rows,
        { class: "days" },
      ),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, t("regime")), h("dd", {}, regime),
        h("dt", {}, t("rule_set")), h("dd", {}, r.rule_set),
        h("dt", {}, t("standard")), h("dd", {}, r.aqi_standard),
        h("dt", {}, t("episode")), h("dd", {}, r.episode ? `${r.episode.id} (${r.episode.status})` : "—"),
        h("dt", {}, t("forecast")), h("dd", {}, `${r.forecast.id} (${t("issued")} ${r.forecast.issued})`),
      ),
      r.degraded ? h("p", { class: "warning" }, t("degraded")) : null,
      h("h3", {}, t("reasons")),
      reasonList(first, lang() === "zh" ? "zh-CN" : "en"),
      h("h3", {}, t("reasons_other")),
      reasonList(second, lang() === "zh" ? "en" : "zh-CN"),
      h("p", {}, h("a", { href: notice, target: "_blank", rel: "noopener" }, t("notice"))),
    ];
    this.body.replaceChildren(...nodes.filter((node) => node !== null));
    this.planBrief(r.region.code);
  }

  planKey(code) {
    return [`plan:${code}:${this.ctx.day()}`, () => getJSON(`/v1/regions/${encodeURIComponent(code)}/plan`, { date: this.ctx.day() })];
  }

  // A line of the plan under the chart: firms acting, ratios against the target, shortfall.
  async planBrief(code) {
    const brief = h("section", { class: "plan-brief" }, h("h3", {}, t("tab_plan")), h("p", { class: "muted" }, t("loading")));
    this.body.append(brief);
    const plan = await this.fetchOnce(...this.planKey(code));
    if (this.tab !== "overview" || this.code !== code) return;
    if (plan.error) {
      brief.replaceChildren(h("h3", {}, t("tab_plan")), h("p", { class: "warning" }, `${t("error")}: ${plan.error.message}`));
      return;
    }
    const acting = plan.enterprises.filter((e) => e.measures.length).length;
    const ratios = SPECIES.map(([key, label]) => `${label} ${percent(plan.achieved_ratio[key])}`).join(" · ");
    const more = h("button", { type: "button", class: "link" }, t("plan_details"));
    more.addEventListener("click", () => this.show("plan"));
    brief.replaceChildren(
      h("h3", {}, t("tab_plan")),
      h("p", { "data-firms": acting }, `${acting} ${t("firms_acting")} · ${t("achieved")}: ${ratios}` +
        (plan.required_ratio === null ? "" : ` (${t("required")} ${percent(plan.required_ratio)})`) +
        (plan.shortfall_proposals.length ? ` · ${t("proposals")}: ${plan.shortfall_proposals.length}` : ""), " ", more),
    );
  }

  async fetchOnce(key, load) {
    if (!this.cache.has(key)) this.cache.set(key, load().catch((error) => ({ error })));
    return this.cache.get(key);
  }

  async loading(tab, key, load, draw) {
    this.body.replaceChildren(h("p", { class: "muted" }, t("loading")));
    const result = await this.fetchOnce(key, load);
    if (this.tab !== tab || !this.code) return; // the officer moved on meanwhile
    if (result && result.error) {
      this.body.replaceChildren(h("p", { class: "warning" }, `${t("error")}: ${result.error.message}`));
    } else {
      this.body.replaceChildren(...draw(result).filter((node) => node !== null));
    }
  }

  episodes() {
    const code = this.code;
    this.loading("episodes", `episodes:${code}`, () => getJSON(`/v1/regions/${encodeURIComponent(code)}/episodes`), (episodes) => {
      if (!episodes.length) return [h("p", {}, t("episodes_none"))];
      const rows = episodes.map((e) => [
        e.id,
        e.start,
        e.active ? t("ep_active") : e.end ?? "—",
        h("span", {}, swatch(this.ctx.level(e.max_level).rgb), " ", nameOf(this.ctx.level(e.max_level))),
        String(e.history.length),
      ]);
      return [table([t("ep_id"), t("ep_start"), t("ep_end"), t("ep_max"), t("ep_days")], rows, { class: "episodes" })];
    });
  }

  plan() {
    const code = this.code;
    this.loading("plan", ...this.planKey(code), (plan) => {
      const grades = new Map();
      for (const firm of plan.enterprises) {
        const row = grades.get(firm.grade) ?? { firms: 0, measures: 0 };
        row.firms += 1;
        if (firm.measures.length) row.measures += 1;
        grades.set(firm.grade, row);
      }
      const gradeRows = [...grades.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([grade, row]) => [grade, String(row.firms), String(row.measures)]);
      const speciesRows = SPECIES.map(([key, label]) => [
        label,
        fixed(plan.totals_kg_d[key] / 1000, 2),
        fixed(plan.baseline_t_d[key], 2),
        percent(plan.achieved_ratio[key]),
        plan.required_ratio === null ? "—" : percent(plan.required_ratio),
        yesNo(plan.target_met[key]),
      ]);
      const level = this.ctx.level(plan.level);
      const out = [
        h("p", {}, `${t("plan_for")} ${plan.region.name} · ${dayLabel(plan.date)} · ${t("plan_level")} `, swatch(level.rgb), " ", h("strong", { "data-level": plan.level }, nameOf(level))),
        h("h3", {}, t("firms_by_grade")),
        gradeRows.length ? table([t("grade"), t("firms"), t("with_measures")], gradeRows, { class: "grades" }) : h("p", {}, "—"),
        h("h3", {}, t("reductions")),
        plan.required_ratio === null ? h("p", {}, t("no_target")) : null,
        table([t("species"), t("reduction"), t("baseline"), t("achieved"), t("required"), t("met")], speciesRows, { class: "reductions" }),
        h("h3", {}, t("shortfall")),
      ];
      if (!plan.shortfall_proposals.length) {
        out.push(h("p", {}, t("no_shortfall")));
      } else {
        out.push(h("p", { class: "proposals" }, `${t("proposals")}: ${plan.shortfall_proposals.length}`));
        if (plan.after_proposals) {
          const after = SPECIES.map(([key, label]) => `${label} ${percent(plan.after_proposals.achieved_ratio[key])}`).join(" · ");
          out.push(h("p", {}, `${t("after")}: ${after}`));
          if (plan.after_proposals.exhausted.length) {
            out.push(h("p", { class: "warning" }, `${t("exhausted")}: ${plan.after_proposals.exhausted.join(", ")}`));
          }
        }
      }
      return out;
    });
  }

  // The ozone-season programme, once the service offers it; until then: no result.
  async ozone() {
    const code = this.code;
    const paths = await servedPaths();
    if (this.tab !== "ozone") return;
    if (!paths.has(OZONE_PATH)) {
      this.body.replaceChildren(h("p", { class: "no-result" }, t("ozone_none")));
      return;
    }
    const range = { from: this.ctx.day(), to: this.ctx.lastDay() };
    this.loading("ozone", `ozone:${code}:${range.from}:${range.to}`, () => getJSON(`/v1/regions/${encodeURIComponent(code)}/ozone-programme`, range), (result) => {
      const p = result.programme;
      const kg = (value) => `${value.toFixed(1)} kg`;
      const totals = result.totals;
      const acting = result.enterprises.filter((e) => e.voc_moved_kg > 0 || e.voc_removed_kg > 0);
      return [
        h("h3", {}, t("ozone_programme")),
        h("p", { class: "muted" }, `${p.id} · ${p.window.join("–")} · ${p.status} · ${p.source}`),
        h("table", { class: "ozone-totals" }, h("tbody", {},
          h("tr", {}, h("th", {}, t("voc_moved")), h("td", { "data-kg": totals.voc_moved_kg }, kg(totals.voc_moved_kg))),
          h("tr", {}, h("th", {}, t("voc_removed")), h("td", { "data-kg": totals.voc_removed_kg }, kg(totals.voc_removed_kg))),
          h("tr", {}, h("th", {}, t("firms")), h("td", {}, String(acting.length))),
        )),
        h("table", { class: "ozone-firms" },
          h("thead", {}, h("tr", {}, h("th", {}, t("firm")), h("th", {}, t("grade")), h("th", {}, t("voc_moved")), h("th", {}, t("voc_removed")))),
          h("tbody", {}, acting.map((e) => h("tr", {}, h("td", {}, e.name), h("td", {}, e.grade ?? ""), h("td", { class: "num" }, kg(e.voc_moved_kg)), h("td", { class: "num" }, kg(e.voc_removed_kg))))),
        ),
      ];
    });
  }

  // A scenario's result (ΔMDA8 and its uncertainty), once the service offers it.
  async scenario() {
    const paths = await servedPaths();
    if (this.tab !== "scenario") return;
    if (!paths.has(SCENARIO_PATH)) {
      this.body.replaceChildren(h("p", { class: "no-result" }, t("scenario_none")));
      return;
    }
    const input = h("input", { type: "text", id: "scenario-id", required: true });
    const output = h("div", {});
    const form = h("form", { class: "scenario" }, h("label", {}, `${t("scenario_id")} `, input), " ", h("button", { type: "submit" }, t("scenario_show")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      output.replaceChildren(h("p", { class: "muted" }, t("loading")));
      try {
        const result = await getJSON(`/v1/scenarios/${encodeURIComponent(input.value.trim())}/result`, { region: this.code });
        output.replaceChildren(h("pre", { class: "json" }, JSON.stringify(result, null, 2)));
      } catch (error) {
        output.replaceChildren(h("p", { class: "warning" }, `${t("error")}: ${error.message}`));
      }
    });
    this.body.replaceChildren(form, output);
  }
}
