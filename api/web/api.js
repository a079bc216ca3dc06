// Reads of the public endpoints. Where a deployment requires keys for reads, a 401 or 403
// opens a dialog asking for one; the key is kept for this browser session (sessionStorage)
// and sent as "Authorization: Bearer <key>". The demo needs none.

import { t } from "./i18n.js";

const KEY = "lantian-key";

export class HttpError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

function headers() {
  const key = sessionStorage.getItem(KEY);
  return key ? { Authorization: `Bearer ${key}` } : {};
}

let asking = null;

// Ask for a key once even when several reads fail together.
export function askKey() {
  if (asking) return asking;
  const dialog = document.getElementById("key-dialog");
  const input = document.getElementById("key-input");
  asking = new Promise((resolve) => {
    dialog.addEventListener(
      "close",
      () => {
        const value = input.value.trim();
        if (value) sessionStorage.setItem(KEY, value);
        input.value = "";
        asking = null;
        document.getElementById("key-button").hidden = !sessionStorage.getItem(KEY);
        resolve(Boolean(value));
      },
      { once: true },
    );
    dialog.showModal();
  });
  return asking;
}

async function detailOf(response) {
  try {
    const body = await response.json();
    return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

// GET a JSON document; on 401/403 ask for a key and try again (three times at most).
export async function getJSON(path, params = {}) {
  const query = new URLSearchParams(
    Object.entries(params).filter(([, v]) => v !== undefined && v !== null),
  ).toString();
  const url = query ? `${path}?${query}` : path;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const response = await fetch(url, { headers: headers() });
    if (response.ok) return response.json();
    if (response.status === 401 || response.status === 403) {
      if (await askKey()) continue;
      throw new HttpError(response.status, t("key_needed"));
    }
    throw new HttpError(response.status, await detailOf(response));
  }
  throw new HttpError(401, t("key_needed"));
}

// Paths the service serves (from its OpenAPI document), so the page asks only for what exists.
let paths = null;
export async function servedPaths() {
  if (!paths) {
    try {
      paths = new Set(Object.keys((await getJSON("/openapi.json")).paths || {}));
    } catch {
      paths = new Set();
    }
  }
  return paths;
}
