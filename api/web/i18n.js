// Words of the page in Chinese and English. Level and AQI category names come from the
// service (GET /v1/map/legend), region names from GET /v1/regions: they are not repeated here.

const WORDS = {
  zh: {
    title: "重污染天气应急响应",
    api_docs: "接口文档",
    map: "地图",
    day: "日期",
    by_level: "按预警级别",
    by_aqi: "按 AQI 类别",
    close: "关闭",
    tab_overview: "概况",
    tab_episodes: "过程",
    tab_plan: "减排方案",
    tab_ozone: "臭氧季",
    ozone_programme: "臭氧季错峰生产方案",
    voc_moved: "VOCs 移出时段",
    voc_removed: "VOCs 削减",
    firm: "企业",
    tab_scenario: "情景",
    key_prompt: "本服务读取数据需要访问密钥。密钥只保存在本次浏览会话中。",
    key_label: "访问密钥",
    key_ok: "确定",
    key_change: "更换密钥",
    loading: "加载中…",
    forecast: "预报",
    issued: "发布",
    rule_set: "规则",
    standard: "标准",
    no_days: "预报未覆盖明天：请更新预报。",
    legend_level: "预警级别",
    legend_aqi: "AQI 类别",
    key_regions: "重点区域",
    no_response: "无结果",
    regions_at: "各级别城市",
    none_at: "无",
    level: "级别",
    forecast_level: "仅按预报",
    regime: "污染类型",
    regime_pm25: "细颗粒物（强制响应）",
    regime_o3: "臭氧（健康提示）",
    regime_none: "—",
    episode: "过程",
    degraded: "数据不足：决策降级",
    chart_title: "逐日 AQI、PM2.5 与 O3 日最大 8 小时均值",
    aqi: "AQI",
    pm25: "PM2.5 日均",
    o3: "O3 日最大 8 小时",
    ugm3: "µg/m³",
    date: "日期",
    category: "类别",
    primary: "首要污染物",
    reasons: "原因",
    reasons_other: "原因（英文）",
    no_reasons: "无预警原因。",
    notice: "预警信息（公告文本）",
    episodes_none: "该地区尚无重污染过程记录。",
    ep_id: "过程",
    ep_start: "开始",
    ep_end: "结束",
    ep_active: "进行中",
    ep_max: "最高级别",
    ep_days: "记录天数",
    plan_for: "减排方案",
    plan_level: "按级别",
    firms_by_grade: "各绩效等级企业数",
    grade: "等级",
    firms: "企业",
    with_measures: "有减排措施",
    reductions: "减排量与目标",
    species: "污染物",
    reduction: "减排量 t/d",
    baseline: "全社会排放 t/d",
    achieved: "减排比例",
    required: "要求",
    met: "达标",
    yes: "是",
    no: "否",
    unknown: "未知",
    shortfall: "缺口与建议措施",
    proposals: "建议追加停产",
    after: "全部采纳后减排比例",
    exhausted: "仍不足的污染物",
    no_shortfall: "无缺口。",
    no_target: "该级别无减排比例要求。",
    ozone_none: "暂无臭氧季错峰生产方案结果：本服务尚未提供该接口（/v1/regions/{code}/ozone-programme）。",
    scenario_none: "暂无情景模拟结果：本服务尚未提供该接口（/v1/scenarios/{id}/result）。",
    scenario_id: "情景编号",
    scenario_show: "查看",
    result: "结果",
    error: "出错",
    key_needed: "需要访问密钥。",
    firms_acting: "家企业执行减排措施",
    plan_details: "详见减排方案",
    short_none: "无",
    short_pre_alert: "提示",
    short_yellow: "黄",
    short_orange: "橙",
    short_red: "红",
    short_missing: "？",
  },
  en: {
    title: "Heavy-pollution response",
    api_docs: "API docs",
    map: "Map",
    day: "Day",
    by_level: "By alert level",
    by_aqi: "By AQI category",
    close: "Close",
    tab_overview: "Overview",
    tab_episodes: "Episodes",
    tab_plan: "Plan",
    tab_ozone: "Ozone season",
    ozone_programme: "Ozone-season peak-shift programme",
    voc_moved: "VOCs moved out of the window",
    voc_removed: "VOCs removed",
    firm: "Firm",
    tab_scenario: "Scenario",
    key_prompt: "This service needs an access key to read data. The key is kept for this browser session only.",
    key_label: "Access key",
    key_ok: "OK",
    key_change: "Change key",
    loading: "Loading…",
    forecast: "Forecast",
    issued: "issued",
    rule_set: "Rule set",
    standard: "Standard",
    no_days: "The forecast does not cover tomorrow: update the forecast.",
    legend_level: "Alert level",
    legend_aqi: "AQI category",
    key_regions: "Key regions",
    no_response: "no result",
    regions_at: "Cities by level",
    none_at: "none",
    level: "Level",
    forecast_level: "forecast alone",
    regime: "Regime",
    regime_pm25: "PM2.5 (mandatory response)",
    regime_o3: "ozone (health advice)",
    regime_none: "—",
    episode: "Episode",
    degraded: "Too little data: decision degraded",
    chart_title: "Daily AQI, PM2.5 and O3 MDA8",
    aqi: "AQI",
    pm25: "PM2.5 24-h",
    o3: "O3 MDA8",
    ugm3: "µg/m³",
    date: "Date",
    category: "Category",
    primary: "Primary pollutant",
    reasons: "Reasons",
    reasons_other: "Reasons (Chinese)",
    no_reasons: "No reason for an alert.",
    notice: "Alert notice (text)",
    episodes_none: "No pollution episode recorded for this region yet.",
    ep_id: "Episode",
    ep_start: "Start",
    ep_end: "End",
    ep_active: "active",
    ep_max: "Highest level",
    ep_days: "Days recorded",
    plan_for: "Plan",
    plan_level: "at level",
    firms_by_grade: "Firms by performance grade",
    grade: "Grade",
    firms: "Firms",
    with_measures: "With measures",
    reductions: "Reductions against the target",
    species: "Pollutant",
    reduction: "Reduction t/d",
    baseline: "Whole-society t/d",
    achieved: "Achieved",
    required: "Required",
    met: "Met",
    yes: "yes",
    no: "no",
    unknown: "unknown",
    shortfall: "Shortfall and proposals",
    proposals: "Extra stops proposed",
    after: "Achieved if all are taken",
    exhausted: "Still short",
    no_shortfall: "No shortfall.",
    no_target: "No reduction target at this level.",
    ozone_none: "No ozone-season programme result is available: this service has no such endpoint yet (/v1/regions/{code}/ozone-programme).",
    scenario_none: "No scenario result is available: this service has no such endpoint yet (/v1/scenarios/{id}/result).",
    scenario_id: "Scenario id",
    scenario_show: "Show",
    result: "Result",
    error: "Error",
    key_needed: "An access key is needed.",
    firms_acting: "firms take measures",
    plan_details: "see the plan",
    short_none: "–",
    short_pre_alert: "P",
    short_yellow: "Y",
    short_orange: "O",
    short_red: "R",
    short_missing: "?",
  },
};

let current = sessionStorage.getItem("lantian-lang") === "en" ? "en" : "zh";

export function lang() {
  return current;
}

export function setLang(value) {
  current = value === "en" ? "en" : "zh";
  sessionStorage.setItem("lantian-lang", current);
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
}

export function t(key) {
  return WORDS[current][key] ?? WORDS.zh[key] ?? key;
}

// Fill every [data-i18n] element and [data-i18n-label] aria-label of the static page.
export function translatePage() {
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const WEEKDAYS_ZH = ["日", "一", "二", "三", "四", "五", "六"];
const WEEKDAYS_EN = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

// "12月2日 周三" / "Wed Dec 2" for an ISO date (a calendar day, no time zone involved).
export function dayLabel(iso, withWeekday = true) {
  const [y, m, d] = iso.split("-").map(Number);
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  if (current === "zh") return `${m}月${d}日` + (withWeekday ? ` 周${WEEKDAYS_ZH[weekday]}` : "");
  return (withWeekday ? `${WEEKDAYS_EN[weekday]} ` : "") + `${MONTHS[m - 1]} ${d}`;
}

// "12/2 周三" / "Wed 12/2": compact, for the day buttons.
export function dayShort(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return current === "zh" ? `${m}/${d} 周${WEEKDAYS_ZH[weekday]}` : `${WEEKDAYS_EN[weekday]} ${m}/${d}`;
}

// Name of a level or category from the legend, in the current language.
export function nameOf(item) {
  return current === "zh" ? item.name_zh : item.name_en;
}
