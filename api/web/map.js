// The map: one SVG path per region from GET /v1/map/regions (GeoJSON in lon/lat, drawn in an
// equirectangular projection scaled by cos(mid-latitude), which keeps shapes true enough at
// the scale of a province or of eastern China), key-region outlines, and a label per region.

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 1000; // viewBox width; the height follows the extent
const MAX_LABELS = 120; // more labels than this would cover the map: hover and the list remain
const MAX_NAMES = 40; // region names are written under the level up to this many regions

function element(name, attributes = {}) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) el.setAttribute(k, v);
  return el;
}

function projector(bbox) {
  const [x0, y0, x1, y1] = bbox;
  const k = Math.cos((((y0 + y1) / 2) * Math.PI) / 180);
  const scale = WIDTH / Math.max((x1 - x0) * k, 1e-6);
  const height = (y1 - y0) * scale;
  return {
    height,
    point: ([lon, lat]) => [((lon - x0) * k * scale).toFixed(1), ((y1 - lat) * scale).toFixed(1)],
  };
}

function pathData(geometry, point) {
  const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
  const parts = [];
  for (const polygon of polygons) {
    for (const ring of polygon) {
      parts.push("M" + ring.map((c) => point(c).join(",")).join("L") + "Z");
    }
  }
  return parts.join("");
}

export class RegionMap {
  constructor(svg, tooltip, onSelect) {
    this.svg = svg;
    this.tooltip = tooltip;
    this.onSelect = onSelect;
    this.shapes = new Map(); // code -> path
    this.labels = new Map(); // code -> text
    this.outlines = [];
    this.describe = () => "";
  }

  draw(geometry, names) {
    const { height, point } = projector(geometry.bbox);
    const pad = WIDTH * 0.01;
    this.svg.setAttribute("viewBox", `${-pad} ${-pad} ${WIDTH + 2 * pad} ${height + 2 * pad}`);
    this.svg.replaceChildren();
    const regions = element("g", { class: "regions" });
    const outlines = element("g", { class: "key-regions" });
    const labels = element("g", { class: "labels", "aria-hidden": "true" });
    // About 12 px on screen whatever the map's shape: the map is fitted to the larger side.
    const fontSize = (Math.max(WIDTH, height) / 46).toFixed(1);
    const showLabels = geometry.features.length <= MAX_LABELS;
    const showNames = geometry.features.length <= MAX_NAMES;
    for (const feature of geometry.features) {
      const code = feature.properties.code;
      const path = element("path", {
        d: pathData(feature.geometry, point),
        class: "region",
        "data-region": code,
        "data-name": names.get(code) ?? feature.properties.name,
        "data-kind": feature.properties.kind,
        tabindex: "0",
        role: "button",
      });
      path.append(element("title"));
      path.addEventListener("click", () => this.onSelect(code));
      path.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          this.onSelect(code);
        }
      });
      path.addEventListener("pointermove", (event) => this.hover(event, code));
      path.addEventListener("pointerleave", () => (this.tooltip.hidden = true));
      regions.append(path);
      this.shapes.set(code, path);
      if (showLabels) {
        const [x, y] = point(feature.properties.label);
        const label = element("text", { x, y, "data-label-for": code, "font-size": fontSize });
        if (showNames) {
          const name = names.get(code) ?? feature.properties.name;
          label.append(element("tspan", { x, dy: "-0.55em", class: "name" }));
          label.lastChild.textContent = name.replace(/(市|地区|新区)$/u, "");
          label.append(element("tspan", { x, dy: "1.15em", class: "level" }));
        }
        labels.append(label);
        this.labels.set(code, label);
      }
    }
    for (const feature of geometry.key_regions) {
      const outline = element("path", {
        d: pathData(feature.geometry, point),
        class: "key-region",
        "data-key-region": feature.properties.code,
        "data-from": feature.properties.effective_from,
        "data-to": feature.properties.effective_to ?? "",
      });
      outlines.append(outline);
      this.outlines.push(outline);
    }
    this.svg.append(regions, outlines, labels);
  }

  // Key regions in force on `day` (ISO date) are outlined; the others are hidden.
  showKeyRegions(day) {
    for (const outline of this.outlines) {
      const from = outline.dataset.from;
      const to = outline.dataset.to;
      outline.hidden = !(from <= day && (!to || day <= to));
      outline.classList.toggle("hidden", outline.hidden);
    }
  }

  // Paint one region: fill colour, data attributes, accessible name and label text.
  paint(code, { rgb, level, aqi, text, label }) {
    const path = this.shapes.get(code);
    if (!path) return;
    path.setAttribute("fill", `rgb(${rgb.join(",")})`);
    path.setAttribute("data-level", level);
    if (aqi === null || aqi === undefined) path.removeAttribute("data-aqi");
    else path.setAttribute("data-aqi", String(aqi));
    const name = path.dataset.name;
    path.setAttribute("aria-label", `${name}: ${text}`);
    path.querySelector("title").textContent = `${name}: ${text}`;
    const labelEl = this.labels.get(code);
    if (labelEl) (labelEl.querySelector(".level") ?? labelEl).textContent = label;
  }

  select(code) {
    for (const path of this.shapes.values()) path.classList.toggle("selected", path.dataset.region === code);
    const path = this.shapes.get(code);
    if (path) path.parentNode.append(path); // on top, so its outline shows whole
  }

  hover(event, code) {
    const frame = this.svg.parentNode.getBoundingClientRect();
    this.tooltip.textContent = this.describe(code);
    this.tooltip.hidden = false;
    const x = Math.min(event.clientX - frame.left + 12, frame.width - this.tooltip.offsetWidth - 4);
    this.tooltip.style.left = `${Math.max(0, x)}px`;
    this.tooltip.style.top = `${event.clientY - frame.top + 12}px`;
  }
}
