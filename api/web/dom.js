// A small helper to build elements without innerHTML: h("p", {class: "x"}, "text", child).

export function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (v === undefined || v === null || v === false) continue;
    node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// A table from a header row and body rows (cells are strings, numbers or nodes).
export function table(header, rows, attributes = {}) {
  return h(
    "table",
    attributes,
    h("thead", {}, h("tr", {}, header.map((cell) => h("th", { scope: "col" }, cell)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, row.map((cell) => h("td", {}, cell))))),
  );
}

// A colour swatch that is never alone: the caller writes the name beside it.
export function swatch(rgb) {
  const node = h("span", { class: "swatch", "aria-hidden": "true" });
  node.style.backgroundColor = `rgb(${rgb.join(",")})`;
  return node;
}
