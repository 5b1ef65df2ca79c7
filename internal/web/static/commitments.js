// The commitments page: a tenant's service commitments over a month
// (GET /api/v1/tenants/{tid}/commitments/report?period=YYYY-MM), laid out
// as the monthly report a center hands to its client and its auditor:
// A4 when printed (commitments.css), in the page's language, with the
// client, the center's sites, the period, each commitment met or not with
// its figures, the six months before, and the definitions used (the
// server sends them in English and French, in internal/kpi's words). On
// screen, each commitment lists the contacts behind it.
import { api, ApiError, duration, errorText, h, initPage, logout, openTenantPage, forbiddenNotice } from "./common.js";
import { dateTime, lang, number, onLang, t, translate } from "./i18n.js";

const app = document.getElementById("app");
const signout = document.getElementById("signout");
const announce = document.getElementById("announce");
document.head.append(h("link", { rel: "stylesheet", href: "/static/commitments.css" }));
initPage();

const dash = "\u2014";
const cm = { me: null, tid: null, period: "", data: null, drill: null, seq: 0 };

signout.addEventListener("click", async () => {
  await logout();
  location.href = "/commitments";
});

const has = (v) => v !== null && v !== undefined;
const pct = (v) => (has(v) ? new Intl.NumberFormat(lang(), { style: "percent", maximumFractionDigits: 1 }).format(v) : dash);
const pad2 = (n) => String(n).padStart(2, "0");
const thisMonth = () => {
  const d = new Date();
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}`;
};

// monthName is "novembre 2026" / "November 2026".
function monthName(period) {
  const [y, m] = period.split("-").map(Number);
  return new Intl.DateTimeFormat(lang(), { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, 1)));
}

function shortMonth(period) {
  const [y, m] = period.split("-").map(Number);
  return new Intl.DateTimeFormat(lang(), { month: "short", year: "2-digit", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, 1)));
}

function day(iso, zone) {
  return new Intl.DateTimeFormat(lang(), { dateStyle: "long", timeZone: zone || "UTC" }).format(new Date(iso));
}

// target is the rule's threshold in words: "≥ 80 %", "≤ 5 %", with the
// satisfaction's minimum mean.
function target(line) {
  const c = line.commitment;
  let s = `${line.comparison === "<=" ? "\u2264" : "\u2265"} ${pct(line.target)}`;
  if (c.kind === "satisfaction") s += ` \u00b7 ${t("cm.mean_at_least", { score: number(c.min_score, 1) })}`;
  return s;
}

function measured(r, kind) {
  if (r.status === "no_data") return dash;
  let s = pct(r.value);
  if (kind === "satisfaction") s += ` \u00b7 ${t("cm.mean", { score: has(r.mean) ? number(r.mean, 2) : dash })}`;
  return s;
}

const statusMark = { met: "\u2713", not_met: "\u2717", no_data: "\u2014" };

function statusBadge(status) {
  return h("span", { class: `badge cm-${status}` }, `${statusMark[status]} ${t(`cm.status.${status}`)}`);
}

// ---- start ----
function forbidden(tid) {
  forbiddenNotice(app, "cm", tid);
}

async function start() {
  const page = await openTenantPage(app, { prefix: "cm" });
  if (!page) return;
  cm.me = page.me;
  cm.tid = page.tid;
  const q = new URLSearchParams(location.search);
  cm.period = /^\d{4}-\d{2}$/.test(q.get("period") || "") ? q.get("period") : thisMonth();
  await load();
}

async function load() {
  const seq = ++cm.seq;
  app.setAttribute("aria-busy", "true");
  try {
    const data = await api("GET", `/api/v1/tenants/${cm.tid}/commitments/report?period=${encodeURIComponent(cm.period)}`);
    if (seq !== cm.seq) return;
    cm.data = data;
    cm.drill = null;
    render();
    announce.textContent = t("cm.loaded", { period: monthName(data.period), met: data.met, measured: data.measured });
  } catch (e) {
    if (seq !== cm.seq) return;
    if (e instanceof ApiError && (e.status === 403 || e.status === 404) && !e.field) {
      forbidden(cm.tid);
      return;
    }
    render(e);
  } finally {
    if (seq === cm.seq) app.removeAttribute("aria-busy");
  }
}

// ---- the page ----
function controls(err) {
  const input = h("input", { id: "cm-period", type: "month", value: cm.period, required: true, "aria-describedby": "cm-period-error" });
  const error = h("p", { class: "field-error", id: "cm-period-error", role: "alert" }, err && err.field === "period" ? err.message : "");
  if (error.textContent) input.setAttribute("aria-invalid", "true");
  const form = h("form", { class: "cm-controls card", "aria-labelledby": "cm-controls-title" },
    h("h2", { id: "cm-controls-title", class: "sr-only", "data-i18n": "cm.controls" }),
    h("div", { class: "field" }, h("label", { for: "cm-period", "data-i18n": "cm.period" }), input, error),
    h("button", { type: "submit", class: "primary", "data-i18n": "cm.show" }),
    h("button", { type: "button", id: "cm-print", "data-i18n": "cm.print", onclick: () => window.print() }));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    cm.period = input.value.trim();
    const u = new URL(location.href);
    u.searchParams.set("period", cm.period);
    history.replaceState(null, "", u);
    load();
  });
  return form;
}

function render(err) {
  const parts = [controls(err)];
  if (err && err.field !== "period") parts.push(h("p", { class: "notice error", role: "alert" }, errorText(err)));
  if (cm.data && !err) parts.push(sheet(cm.data), drillPanel());
  app.replaceChildren(...parts);
  translate(app);
}

function sheet(d) {
  const zone = d.time_zone;
  const last = new Date(Date.parse(d.to) - 1);
  const centers = d.centers.length
    ? d.centers.map((c) => `${c.name} (${c.country}${c.kind === "homeshoring" ? ", " + t("cm.homeshoring") : ""})`).join(", ")
    : dash;
  const lines = d.commitments;
  const head = h("header", { class: "cm-head" },
    h("p", { class: "cm-kicker", "data-i18n": "cm.kicker" }),
    h("h2", { id: "cm-title" }, t("cm.report_title", { period: monthName(d.period) })),
    h("dl", { class: "cm-meta" },
      h("dt", { "data-i18n": "cm.client" }), h("dd", { id: "cm-tenant" }, d.tenant),
      h("dt", { "data-i18n": "cm.center" }), h("dd", { id: "cm-centers" }, centers),
      h("dt", { "data-i18n": "cm.period" }), h("dd", { id: "cm-period-text" }, t("cm.period_text", { from: day(d.from, zone), to: day(last.toISOString(), zone), zone })),
      h("dt", { "data-i18n": "cm.generated" }), h("dd", {}, dateTime(d.generated_at))));
  const summary = h("p", { id: "cm-summary", class: "cm-summary" },
    lines.length ? t("cm.summary", { met: d.met, measured: d.measured, total: lines.length }) : t("cm.none"));
  const rows = lines.map((l) => {
    const c = l.commitment;
    const drill = h("button", { type: "button", class: "link cm-noprint", "aria-label": t("cm.contacts_of", { name: c.name }) }, t("cm.contacts"));
    drill.addEventListener("click", () => openDrill(l));
    return h("tr", { dataset: { id: c.id, status: l.status } },
      h("th", { scope: "row", "data-key": "name" }, c.name, h("span", { class: "cm-kind" }, t(`cm.kind.${c.kind}`))),
      h("td", { "data-key": "target" }, target(l)),
      h("td", { class: "num", "data-key": "value" }, measured(l, c.kind)),
      h("td", { class: "num", "data-key": "ratio" }, l.status === "no_data" && l.denominator === 0 ? dash : `${number(l.numerator)} / ${number(l.denominator)}`),
      h("td", { "data-key": "status" }, statusBadge(l.status)),
      h("td", { class: "cm-noprint", "data-key": "drill" }, drill));
  });
  const table = h("table", { id: "cm-table", class: "cm-table" },
    h("caption", { class: "sr-only", "data-i18n": "cm.table_caption" }),
    h("thead", {}, h("tr", {},
      ["commitment", "target", "measured", "ratio", "result"].map((k) => h("th", { scope: "col", class: k === "measured" || k === "ratio" ? "num" : null, "data-i18n": `cm.col.${k}` })),
      h("th", { scope: "col", class: "cm-noprint", "data-i18n": "cm.col.drill" }))),
    h("tbody", {}, rows));
  const months = lines.length ? [...lines[0].trend.map((r) => r.period), d.period] : [];
  const trend = h("table", { id: "cm-trend", class: "cm-table cm-trend" },
    h("caption", { class: "sr-only", "data-i18n": "cm.trend" }),
    h("thead", {}, h("tr", {}, h("th", { scope: "col", "data-i18n": "cm.col.commitment" }),
      months.map((p) => h("th", { scope: "col", class: "num" }, shortMonth(p))))),
    h("tbody", {}, lines.map((l) => h("tr", { dataset: { id: l.commitment.id } },
      h("th", { scope: "row" }, l.commitment.name),
      [...l.trend, l].map((r) => h("td", { class: `num cm-cell cm-${r.status}`, dataset: { period: r.period } },
        r.status === "no_data" ? dash : `${statusMark[r.status]} ${pct(r.value)}`))))));
  const kinds = [...new Set(lines.map((l) => l.commitment.kind))];
  const defs = h("dl", { class: "cm-defs" }, kinds.flatMap((k) => {
    const l = lines.find((x) => x.commitment.kind === k);
    return [h("dt", {}, t(`cm.kind.${k}`)), h("dd", {}, (lang() === "fr" ? l.definition.fr : l.definition.en) || dash)];
  }));
  const sources = h("ul", { class: "cm-sources" }, lines.map((l) => h("li", {}, h("strong", {}, l.commitment.name), " \u2014 ",
    l.commitment.source || dash, " ", h("span", { class: "muted" }, `(${t(`cm.basis.${l.basis}`)})`))));
  return h("article", { class: "cm-sheet card", "aria-labelledby": "cm-title" },
    head, summary,
    h("div", { class: "table-wrap" }, table),
    h("section", { class: "cm-section", "aria-labelledby": "cm-trend-title" }, h("h3", { id: "cm-trend-title", "data-i18n": "cm.trend" }),
      h("p", { class: "hint", "data-i18n": "cm.trend_hint" }), h("div", { class: "table-wrap" }, trend)),
    h("section", { class: "cm-section", "aria-labelledby": "cm-defs-title" }, h("h3", { id: "cm-defs-title", "data-i18n": "cm.definitions" }),
      h("p", { class: "hint", "data-i18n": "cm.definitions_hint" }), defs),
    h("section", { class: "cm-section", "aria-labelledby": "cm-sources-title" }, h("h3", { id: "cm-sources-title", "data-i18n": "cm.sources" }), sources),
    h("footer", { class: "cm-foot" }, h("p", { class: "hint", "data-i18n": "cm.no_data_note" })));
}

// ---- the contacts behind a commitment ----
function drillPanel() {
  const p = h("section", { id: "cm-drill", class: "cm-drill card cm-noprint", "aria-labelledby": "cm-drill-title", hidden: !cm.drill });
  if (!cm.drill) return p;
  const { line, data, error } = cm.drill;
  const title = h("h2", { id: "cm-drill-title", tabindex: "-1" }, t("cm.drill_title", { name: line.commitment.name, period: monthName(cm.period) }));
  if (error) {
    p.append(title, h("p", { class: "notice error", role: "alert" }, errorText(error)));
    return p;
  }
  if (!data) {
    p.append(title, h("p", { class: "muted", "data-i18n": "cm.loading" }));
    return p;
  }
  const body = [title, h("p", { id: "cm-drill-count" }, t(data.truncated ? "cm.drill_truncated" : "cm.drill_count", { n: number(data.total), shown: number(data.contacts.length + data.days.length) }))];
  if (line.commitment.kind === "open_hours") {
    body.push(h("table", { id: "cm-days", class: "cm-table" },
      h("thead", {}, h("tr", {}, ["day", "queue", "reason", "open"].map((k) => h("th", { scope: "col", "data-i18n": `cm.drill.${k}` })))),
      h("tbody", {}, data.days.map((x) => h("tr", { dataset: { day: x.day } },
        h("td", {}, x.day), h("td", {}, x.queue), h("td", {}, t(`cm.reason.${x.reason}`)), h("td", {}, x.open.join(", ") || dash))))));
  } else {
    const wait = (s) => (has(s) ? duration(s) : dash);
    body.push(h("table", { id: "cm-contacts", class: "cm-table" },
      h("thead", {}, h("tr", {}, ["id", "arrived", "channel", "outcome", "wait", "announced", "callback", "score"].map((k) =>
        h("th", { scope: "col", "data-i18n": `cm.drill.${k}` })))),
      h("tbody", {}, data.contacts.map((x) => h("tr", { dataset: { contact: x.id } },
        h("td", { class: "num" }, x.id), h("td", {}, dateTime(x.arrived_at)), h("td", {}, t(`channel.${x.channel}`)),
        h("td", {}, t(`outcome.${x.outcome}`)), h("td", { class: "num" }, wait(x.wait_seconds)), h("td", { class: "num" }, wait(x.announced_seconds)),
        h("td", { class: "num" }, wait(x.callback_delay_seconds)), h("td", { class: "num" }, has(x.csat_score) ? x.csat_score : dash))))));
  }
  if (line.drilldown.interactions) {
    body.push(h("p", {}, h("a", { id: "cm-search", href: line.drilldown.interactions }, t("cm.search_link"))));
  }
  p.append(...body);
  return p;
}

async function openDrill(line) {
  cm.drill = { line, data: null };
  showDrill();
  try {
    const data = await api("GET", line.drilldown.contacts);
    if (cm.drill && cm.drill.line === line) cm.drill.data = data;
  } catch (e) {
    if (cm.drill && cm.drill.line === line) cm.drill.error = e;
  }
  showDrill();
  const title = document.getElementById("cm-drill-title");
  if (title) title.focus();
}

function showDrill() {
  const old = document.getElementById("cm-drill");
  const p = drillPanel();
  if (old) old.replaceWith(p);
  else app.append(p);
  translate(p);
}

onLang(() => {
  if (cm.data) render();
});

start();
