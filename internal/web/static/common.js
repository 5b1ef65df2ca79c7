// Helpers shared by the pages: building elements, durations, the REST API
// with the session cookie and its CSRF header, and the sign-in form.
import { langSwitch, t, translate } from "./i18n.js";

// h builds an element: h("button", {class: "x", type: "button", onclick: fn}, "text", child).
// Attributes starting with "on" are listeners; "text" sets textContent;
// false/null/undefined attributes are left out.
export function h(tag, attrs = {}, ...children) {
  const el = tag.startsWith("svg:")
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "text") el.textContent = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// duration formats seconds as m:ss or h:mm:ss.
export function duration(sec) {
  sec = Math.max(0, Math.floor(sec));
  const hh = Math.floor(sec / 3600);
  const mm = Math.floor((sec % 3600) / 60);
  const ss = String(sec % 60).padStart(2, "0");
  return hh > 0 ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

// ApiError is an error of the REST API's catalogue.
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || "http_" + status;
    this.field = e.field || "";
    // key and params name the message for translation ("verr.<key>").
    this.key = e.key || "";
    this.params = e.params || {};
  }
}

// apiMessage is an API error's message in the page's language when the
// server named it (key), else the server's English text.
export function apiMessage(e) {
  if (e instanceof ApiError && e.key) {
    const k = `verr.${e.key}`;
    const s = t(k, e.params);
    if (s !== k) return s;
  }
  return e.message;
}

// The caller's credentials: the session's CSRF token (the cookie itself is
// HttpOnly), or an API token typed on the admin page and kept for the tab.
const auth = { csrf: "" };
const tokenKey = "plateau.api_token";

export function apiToken() {
  try {
    return sessionStorage.getItem(tokenKey) || "";
  } catch {
    return "";
  }
}

export function setApiToken(tok) {
  try {
    if (tok) sessionStorage.setItem(tokenKey, tok);
    else sessionStorage.removeItem(tokenKey);
  } catch {
    // storage blocked: the token lasts as long as the page
  }
  auth.token = tok;
}

export async function api(method, path, body) {
  const resp = await send(method, path, body, "application/json");
  if (resp.status === 204) return null;
  let data = null;
  const text = await resp.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!resp.ok) throw new ApiError(resp.status, data);
  return data;
}

// apiBlob fetches a binary resource (a recorded prompt): a Blob, or null
// when there is none (404).
export async function apiBlob(path) {
  const resp = await send("GET", path, undefined, "*/*");
  if (resp.status === 404) return null;
  if (!resp.ok) {
    let data = null;
    try {
      data = await resp.json();
    } catch {
      data = null;
    }
    throw new ApiError(resp.status, data);
  }
  return resp.blob();
}

// send makes an API request with the session's credentials; a Blob body
// (a file) is sent as it is, anything else as JSON.
function send(method, path, body, accept) {
  const headers = { Accept: accept };
  const raw = body instanceof Blob;
  if (body !== undefined) headers["Content-Type"] = raw ? body.type || "application/octet-stream" : "application/json";
  const tok = auth.token ?? apiToken();
  if (tok) headers.Authorization = "Bearer " + tok;
  else if (method !== "GET" && auth.csrf) headers["X-CSRF-Token"] = auth.csrf;
  return fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
  });
}

// me returns who is signed in (GET /api/v1/me) and keeps the CSRF token;
// null when nobody is.
export async function me() {
  try {
    const m = await api("GET", "/api/v1/me");
    if (m.csrf_token) auth.csrf = m.csrf_token;
    return m;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

export async function logout() {
  if (!apiToken()) {
    try {
      await api("POST", "/api/v1/logout");
    } catch {
      // the session is gone anyway
    }
  }
  setApiToken("");
  auth.csrf = "";
}

// errorText is what to show for an error: the API's message, prefixed by
// a sentence in the page's language for the common cases.
export function errorText(e) {
  if (e instanceof ApiError) {
    const known = {
      invalid_credentials: "error.credentials",
      rate_limited: "error.rate_limited",
      forbidden: "error.forbidden",
      not_found: "error.not_found",
      unauthenticated: "error.unauthenticated",
      csrf_failed: "error.csrf",
    };
    if (known[e.code]) return `${t(known[e.code])} (${e.message})`;
    return apiMessage(e);
  }
  return t("error.network") + (e && e.message ? ` (${e.message})` : "");
}

// signInForm shows a sign-in form in container and resolves with /me once
// a user signed in with a password (cookie session). withToken adds an
// "API token" alternative (admin page).
export function signInForm(container, { withToken = false } = {}) {
  return new Promise((resolve) => {
    const err = h("p", { class: "form-error", role: "alert", id: "signin-error" });
    const login = h("input", { id: "signin-login", name: "login", autocomplete: "username", required: true });
    const pw = h("input", { id: "signin-password", name: "password", type: "password", autocomplete: "current-password", required: true });
    const form = h(
      "form",
      { class: "card signin", "aria-labelledby": "signin-title" },
      h("h2", { id: "signin-title", "data-i18n": "signin.title" }),
      h("div", { class: "field" }, h("label", { for: "signin-login", "data-i18n": "signin.login" }), login),
      h("div", { class: "field" }, h("label", { for: "signin-password", "data-i18n": "signin.password" }), pw),
      err,
      h("button", { type: "submit", class: "primary", "data-i18n": "signin.submit" }),
    );
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      err.textContent = "";
      try {
        const r = await api("POST", "/api/v1/login", { login: login.value, password: pw.value });
        auth.csrf = r.csrf_token;
        pw.value = "";
        const m = await me();
        container.replaceChildren();
        resolve(m);
      } catch (e) {
        pw.value = "";
        err.textContent = errorText(e);
        pw.focus();
      }
    });
    const parts = [form];
    if (withToken) {
      const tok = h("input", { id: "signin-token", name: "token", type: "password", autocomplete: "off", spellcheck: "false" });
      const terr = h("p", { class: "form-error", role: "alert" });
      const tform = h(
        "form",
        { class: "card signin", "aria-labelledby": "token-title" },
        h("h2", { id: "token-title", "data-i18n": "signin.token_title" }),
        h("p", { class: "hint", id: "token-hint", "data-i18n": "signin.token_hint" }),
        h("div", { class: "field" }, h("label", { for: "signin-token", "data-i18n": "signin.token" }), tok),
        terr,
        h("button", { type: "submit", "data-i18n": "signin.token_submit" }),
      );
      tok.setAttribute("aria-describedby", "token-hint");
      tform.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        terr.textContent = "";
        setApiToken(tok.value.trim());
        try {
          const m = await me();
          if (!m) throw new ApiError(401, { error: { code: "unauthenticated", message: "token refused" } });
          tok.value = "";
          container.replaceChildren();
          resolve(m);
        } catch (e) {
          setApiToken("");
          terr.textContent = errorText(e);
          tok.focus();
        }
      });
      parts.push(tform);
    }
    container.replaceChildren(...parts);
    translate(container);
    login.focus();
  });
}

// randomId is a fresh idempotency key for a chat message.
export function randomId() {
  const b = new Uint8Array(9);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

// initPage translates the page and puts the language switch in the header.
export function initPage() {
  const slot = document.querySelector("[data-lang-slot]");
  if (slot) slot.replaceChildren(langSwitch());
  translate();
}

// linkified returns text as nodes where the web addresses (http and https
// only) are links opened in a new tab without access to this page
// (rel=noopener noreferrer); anything else, "javascript:" included, stays
// text. No HTML is ever parsed.
export function linkified(text) {
  const out = [];
  const re = /\bhttps?:\/\/[^\s<>"]+/gi;
  let at = 0;
  for (const m of text.matchAll(re)) {
    // A sentence's last punctuation is not part of the address.
    const url = m[0].replace(/[.,;:!?)\]]+$/, "");
    let href = null;
    try {
      const u = new URL(url);
      if (u.protocol === "http:" || u.protocol === "https:") href = u.href;
    } catch {
      href = null;
    }
    if (!href) continue;
    if (m.index > at) out.push(document.createTextNode(text.slice(at, m.index)));
    out.push(h("a", { href, target: "_blank", rel: "noopener noreferrer nofollow" }, url));
    at = m.index + url.length;
  }
  if (at < text.length) out.push(document.createTextNode(text.slice(at)));
  return out;
}

// messageTime is a <time> element for a message sent at iso (now when
// absent), shown as hours and minutes in the page's language.
export function messageTime(iso, lang) {
  const d = iso ? new Date(iso) : new Date();
  const text = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit" }).format(d);
  return h("time", { class: "msg-time", datetime: d.toISOString() }, text);
}

// forbiddenNotice shows that the page's tenant is not the caller's
// (keys <prefix>.forbidden_title and <prefix>.forbidden).
export function forbiddenNotice(app, prefix, tid) {
  app.replaceChildren(h("div", { class: "notice error", role: "alert" },
    h("h2", {}, t(`${prefix}.forbidden_title`)), h("p", {}, t(`${prefix}.forbidden`, { tenant: tid }))));
}

// openTenantPage signs the caller in (the form when there is no session),
// checks their role, and picks the tenant the page shows: ?tenant=, else
// the caller's own, else a platform admin's first. It returns
// { me, tid, tenants } (tenants: the platform admin's list, else []), or
// null once it has shown why the page cannot open.
export async function openTenantPage(app, { prefix, roles = ["admin", "supervisor", "client_viewer"] }) {
  let m;
  try {
    m = await me();
  } catch (e) {
    app.replaceChildren(h("p", { class: "notice error", role: "alert" }, errorText(e)));
    return null;
  }
  if (!m) m = await signInForm(app);
  document.getElementById("who").textContent = m.user ? m.user.display_name || m.user.login : (m.token && m.token.name) || "";
  document.getElementById("signout").hidden = false;
  if (!m.platform_admin && !roles.includes(m.role)) {
    app.replaceChildren(h("p", { class: "notice error", role: "alert" }, t(`${prefix}.role_not_allowed`)));
    return null;
  }
  const asked = new URLSearchParams(location.search).get("tenant");
  let tid = asked ? Number(asked) : m.tenant_id;
  if (asked && !(tid > 0)) {
    forbiddenNotice(app, prefix, asked);
    return null;
  }
  let tenants = [];
  if (m.platform_admin) {
    try {
      tenants = await api("GET", "/api/v1/tenants");
    } catch {
      tenants = [];
    }
    if (!tid && tenants.length) tid = tenants[0].id;
  }
  if (!tid) {
    app.replaceChildren(h("p", { class: "notice" }, t("admin.no_tenant")));
    return null;
  }
  if (!m.platform_admin && m.tenant_id !== tid) {
    forbiddenNotice(app, prefix, tid);
    return null;
  }
  return { me: m, tid, tenants };
}
