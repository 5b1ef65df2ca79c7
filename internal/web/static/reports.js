// The reports page: a center's figures over any period, from the REST
// API's reports (/api/v1/tenants/{tid}/reports/...): queues, agents,
// announced waits, satisfaction, sites, and the day's abandoned contacts
// to call back. A table of the rows with their total, SVG charts, a CSV
// download of what is shown, and a drill-down from a figure to the
// contacts behind it (the contacts search, paged). Every figure is defined
// once in internal/kpi; the legend repeats those definitions.
import { api, apiBlob, ApiError, apiToken, duration, errorText, forbiddenNotice, h, initPage, logout, openTenantPage } from "./common.js";
import { barChart, periodChart } from "./chart.js";
import { dateTime, lang, number, onLang, t, translate } from "./i18n.js";

const app = document.getElementById("app");
const signout = document.getElementById("signout");
const announce = document.getElementById("announce");
initPage();

const tabs = ["queues", "agents", "ewt", "satisfaction", "sites", "abandoned"];
const presets = ["today", "yesterday", "this_week", "last_week", "this_month", "last_month", "custom"];
const groups = ["interval", "hour", "day", "week", "month"];
const allTiers = "*";
const dash = "\u2014";

const rp = {
  me: null, tid: null, tab: "queues", queues: [], agents: [], tiers: [],
  data: null, drill: null, seq: 0, f: {},
};

signout.addEventListener("click", async () => {
  await logout();
  location.href = "/reports";
});

// ---- formatting ----
const has = (v) => v !== null && v !== undefined;
const pct = (v) => (has(v) ? new Intl.NumberFormat(lang(), { style: "percent", maximumFractionDigits: 1 }).format(v) : dash);
const secs = (v) => (has(v) ? duration(v) : dash);
const signed = (v) => (has(v) ? (v < 0 ? "\u2212" + duration(-v) : duration(v)) : dash);
const count = (v) => (has(v) ? number(v) : dash);
const dec1 = (v) => (has(v) ? number(v, 1) : dash);
const hours = (v) => (has(v) ? duration(v * 3600) : dash);
const fmt = { count, pct, secs, signed, dec1, hours, text: (v) => (has(v) && v !== "" ? String(v) : dash) };

// ---- dates (the browser's calendar; the server reads them in each queue's zone) ----
const pad2 = (n) => String(n).padStart(2, "0");
const ymd = (d) => `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
const addDays = (d, n) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);

function presetRange(name, now = new Date()) {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const monday = addDays(today, -((today.getDay() + 6) % 7));
  switch (name) {
    case "yesterday": return [addDays(today, -1), addDays(today, -1)];
    case "this_week": return [monday, today];
    case "last_week": return [addDays(monday, -7), addDays(monday, -1)];
    case "this_month": return [new Date(today.getFullYear(), today.getMonth(), 1), today];
    case "last_month": return [new Date(today.getFullYear(), today.getMonth() - 1, 1), new Date(today.getFullYear(), today.getMonth(), 0)];
    default: return [today, today];
  }
}

// periodEnd is the start of the period after the one starting at start (an
// RFC 3339 time with the queue's offset); days, weeks and months end at
// local midnight with the start's offset.
function periodEnd(start, group) {
  if (group === "interval") return new Date(Date.parse(start) + 15 * 60e3).toISOString();
  if (group === "hour") return new Date(Date.parse(start) + 3600e3).toISOString();
  const m = /^(\d{4})-(\d{2})-(\d{2})T[^Z+-]*(Z|[+-]\d{2}:\d{2})$/.exec(start);
  if (!m) return start;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  if (group === "week") d.setUTCDate(d.getUTCDate() + 7);
  else if (group === "month") d.setUTCMonth(d.getUTCMonth() + 1);
  else d.setUTCDate(d.getUTCDate() + 1);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T00:00:00${m[4]}`;
}

function offsetOf(iso) {
  const m = /(Z|[+-]\d{2}:\d{2})$/.exec(iso || "");
  return m ? m[1] : "Z";
}

function nextDay(s) {
  const [y, mo, d] = s.split("-").map(Number);
  const n = new Date(Date.UTC(y, mo - 1, d + 1));
  return `${n.getUTCFullYear()}-${pad2(n.getUTCMonth() + 1)}-${pad2(n.getUTCDate())}`;
}

// ---- start ----
function forbidden(tid) {
  forbiddenNotice(app, "rep", tid);
}

async function start() {
  const page = await openTenantPage(app, { prefix: "rep" });
  if (!page) return;
  rp.me = page.me;
  rp.tid = page.tid;
  const tenants = page.tenants;
  const q = new URLSearchParams(location.search);
  try {
    await loadNames();
  } catch (e) {
    if (e instanceof ApiError && (e.status === 403 || e.status === 404)) forbidden(rp.tid);
    else app.replaceChildren(h("p", { class: "notice error", role: "alert" }, errorText(e)));
    return;
  }
  readURL(q);
  layout(tenants);
  show();
}

// loadNames reads the tenant's queues, tiers and agents for the filters:
// from the configuration (supervisors, admins), or from the wallboard
// (client viewers, who may not read the configuration).
async function loadNames() {
  const base = `/api/v1/tenants/${rp.tid}`;
  try {
    const [queues, agents] = await Promise.all([api("GET", `${base}/queues`), api("GET", `${base}/agents`)]);
    rp.queues = queues.map((q) => ({ id: q.id, name: q.name }));
    rp.agents = agents.map((a) => ({ id: a.id, name: a.name }));
    rp.tiers = [...new Set(queues.flatMap((q) => (q.tiers || []).map((x) => x.name)).filter(Boolean))].sort();
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 403 && e.status !== 404)) throw e;
    const wb = await api("GET", `${base}/wallboard`);
    rp.queues = (wb.queues || []).map((q) => ({ id: q.queue_id, name: q.name }));
    rp.agents = (wb.agents || []).map((a) => ({ id: a.agent_id, name: a.name }));
    rp.tiers = [];
  }
  rp.queues.sort((a, b) => a.name.localeCompare(b.name));
  rp.agents.sort((a, b) => a.name.localeCompare(b.name));
}

function readURL(q) {
  const preset = presets.includes(q.get("preset")) ? q.get("preset") : q.get("from") ? "custom" : "today";
  const [a, b] = presetRange(preset);
  rp.tab = tabs.includes(q.get("tab")) ? q.get("tab") : "queues";
  // Contacts per page of a drill-down (the search allows 1-500).
  const size = Number(q.get("page_size"));
  rp.pageSize = size >= 1 && size <= 500 ? Math.floor(size) : 50;
  rp.f = {
    preset,
    from: q.get("from") || ymd(a),
    to: q.get("to") || ymd(b),
    group: groups.includes(q.get("group")) ? q.get("group") : "day",
    queue: q.get("queue") || "",
    tier: q.has("tier") ? q.get("tier") : allTiers,
    channel: q.get("channel") || "",
    agent: q.get("agent") || "",
  };
}

function writeURL() {
  const q = new URLSearchParams();
  if (rp.me.platform_admin || new URLSearchParams(location.search).has("tenant")) q.set("tenant", rp.tid);
  q.set("tab", rp.tab);
  const f = rp.f;
  if (f.preset !== "custom") q.set("preset", f.preset);
  else q.set("from", f.from), q.set("to", f.to);
  q.set("group", f.group);
  if (f.queue) q.set("queue", f.queue);
  if (f.tier !== allTiers) q.set("tier", f.tier);
  if (f.channel) q.set("channel", f.channel);
  if (f.agent) q.set("agent", f.agent);
  if (rp.pageSize !== 50) q.set("page_size", rp.pageSize);
  history.replaceState(null, "", `${location.pathname}?${q}`);
}

// ---- layout ----
let form, ctl, errs, formErr, tablist, panel, drillSlot;

// fieldBox is a labelled control with its error below it.
function fieldBox(id, key, control) {
  const err = h("p", { class: "field-error", id: `${id}-error`, role: "alert" });
  control.id = id;
  control.setAttribute("aria-describedby", `${id}-error`);
  errs[id] = err;
  return h("div", { class: "field", dataset: { for: id } }, h("label", { for: id, "data-i18n": key }), control, err);
}

function options(list, value) {
  return list.map(([v, key, text]) => h("option", { value: v, selected: v === value, "data-i18n": key || false }, text || ""));
}

function layout(tenants) {
  errs = {};
  const f = rp.f;
  ctl = {
    preset: h("select", {}, options(presets.map((p) => [p, `rep.preset.${p}`]), f.preset)),
    from: h("input", { type: "date", required: true, value: f.from }),
    to: h("input", { type: "date", required: true, value: f.to }),
    group: h("select", {}, options(groups.map((g) => [g, `rep.group.${g}`]), f.group)),
    queue: h("select", {}, options([["", "rep.all_queues"], ...rp.queues.map((q) => [String(q.id), null, q.name])], f.queue)),
    tier: h("select", {}, options([[allTiers, "rep.all_tiers"], ["", "rep.default_tier"], ...rp.tiers.map((x) => [x, null, x])], f.tier)),
    channel: h("select", {}, options([["", "rep.all_channels"], ["voice", "channel.voice"], ["chat", "channel.chat"]], f.channel)),
    agent: h("select", {}, options([["", "rep.all_agents"], ...rp.agents.map((a) => [String(a.id), null, a.name])], f.agent)),
  };
  if (f.tier !== allTiers && ![...ctl.tier.options].some((o) => o.value === f.tier)) ctl.tier.append(h("option", { value: f.tier, selected: true }, f.tier));
  ctl.preset.addEventListener("change", () => {
    if (ctl.preset.value === "custom") {
      ctl.from.focus();
      return;
    }
    const [a, b] = presetRange(ctl.preset.value);
    ctl.from.value = ymd(a);
    ctl.to.value = ymd(b);
  });
  for (const k of ["from", "to"]) ctl[k].addEventListener("input", () => (ctl.preset.value = "custom"));
  formErr = h("p", { class: "form-error", role: "alert", id: "rp-form-error" });
  let picker = null;
  if (rp.me.platform_admin && tenants.length) {
    const sel = h("select", { id: "rp-tenant" }, tenants.map((x) => h("option", { value: x.id, selected: x.id === rp.tid }, x.name || x.slug)));
    sel.addEventListener("change", () => {
      // Another tenant: its queues and agents differ, the period stays.
      const q = new URLSearchParams(location.search);
      for (const k of ["queue", "agent", "tier"]) q.delete(k);
      q.set("tenant", sel.value);
      location.href = `/reports?${q}`;
    });
    picker = h("div", { class: "field" }, h("label", { for: "rp-tenant", "data-i18n": "admin.tenant" }), sel);
  }
  form = h("form", { class: "card rp-filters", "aria-labelledby": "rp-filters-title", novalidate: true },
    h("h2", { id: "rp-filters-title", class: "sr-only", "data-i18n": "rep.filters" }),
    h("div", { class: "rp-fields" },
      picker,
      fieldBox("rp-preset", "rep.period", ctl.preset),
      fieldBox("rp-from", "rep.from", ctl.from),
      fieldBox("rp-to", "rep.to", ctl.to),
      fieldBox("rp-group", "rep.group", ctl.group),
      fieldBox("rp-queue", "rep.queue", ctl.queue),
      fieldBox("rp-tier", "rep.tier", ctl.tier),
      fieldBox("rp-channel", "rep.channel", ctl.channel),
      fieldBox("rp-agent", "rep.agent", ctl.agent),
      h("div", { class: "field rp-submit" }, h("button", { type: "submit", class: "primary", "data-i18n": "rep.show" }))),
    formErr);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    show();
  });
  tablist = h("div", { role: "tablist", class: "tabs", "data-i18n-attr": "aria-label:rep.reports" },
    tabs.map((k) => h("button", {
      type: "button", role: "tab", id: `rp-tab-${k}`, "aria-controls": "rp-panel", "aria-selected": String(k === rp.tab),
      tabindex: k === rp.tab ? "0" : "-1", "data-i18n": `rep.tab.${k}`, onclick: () => selectTab(k),
    })));
  tablist.addEventListener("keydown", (ev) => {
    const i = tabs.indexOf(rp.tab);
    let next = null;
    if (ev.key === "ArrowRight") next = tabs[(i + 1) % tabs.length];
    else if (ev.key === "ArrowLeft") next = tabs[(i + tabs.length - 1) % tabs.length];
    else if (ev.key === "Home") next = tabs[0];
    else if (ev.key === "End") next = tabs[tabs.length - 1];
    if (next) {
      ev.preventDefault();
      selectTab(next);
      document.getElementById(`rp-tab-${next}`).focus();
    }
  });
  panel = h("div", { role: "tabpanel", id: "rp-panel", "aria-labelledby": `rp-tab-${rp.tab}`, tabindex: "0" });
  drillSlot = h("div", { id: "rp-drill" });
  app.replaceChildren(form, tablist, panel, drillSlot);
  syncAgentField();
  translate(app);
}

// filtersOf lists the filters each report applies (the agents, announced
// waits and sites reports do not split by tier or channel; the abandoned
// contacts are one day's, the period's last). The others are hidden, and
// not sent.
const filtersOf = {
  queues: ["group", "queue", "tier", "channel"],
  agents: ["group", "queue", "agent"],
  ewt: ["group", "queue"],
  satisfaction: ["group", "queue", "tier", "channel"],
  sites: ["group", "queue"],
  abandoned: ["queue"],
};

function syncAgentField() {
  for (const k of ["group", "queue", "tier", "channel", "agent"]) form.querySelector(`[data-for="rp-${k}"]`).hidden = !filtersOf[rp.tab].includes(k);
}

function selectTab(k) {
  if (k === rp.tab) return;
  rp.tab = k;
  for (const b of tablist.querySelectorAll("[role=tab]")) {
    const on = b.id === `rp-tab-${k}`;
    b.setAttribute("aria-selected", String(on));
    b.tabIndex = on ? 0 : -1;
  }
  panel.setAttribute("aria-labelledby", `rp-tab-${k}`);
  syncAgentField();
  show();
}

// ---- loading ----
function readForm() {
  rp.f = {
    preset: ctl.preset.value, from: ctl.from.value, to: ctl.to.value, group: ctl.group.value, queue: ctl.queue.value,
    tier: ctl.tier.value, channel: ctl.channel.value, agent: ctl.agent.value,
  };
}

function reportURL(tab, format) {
  const f = rp.f;
  const on = (k) => filtersOf[tab].includes(k);
  const q = new URLSearchParams();
  if (tab === "abandoned") q.set("date", f.to);
  else q.set("from", f.from), q.set("to", f.to);
  if (on("group")) q.set("group", f.group);
  if (on("queue") && f.queue) q.set("queue", f.queue);
  if (on("tier") && f.tier !== allTiers) q.set("tier", f.tier);
  if (on("channel") && f.channel) q.set("channel", f.channel);
  if (on("agent") && f.agent) q.set("agent", f.agent);
  if (format) q.set("format", format);
  return `/api/v1/tenants/${rp.tid}/reports/${tab}?${q}`;
}

function clearErrors() {
  formErr.textContent = "";
  for (const [id, el] of Object.entries(errs)) {
    el.textContent = "";
    document.getElementById(id).removeAttribute("aria-invalid");
  }
}

// fieldMessage says what is wrong with a field, in the page's language.
function fieldMessage(e) {
  const m = e.message || "";
  if (e.field === "from" && /after|before/.test(m)) return t("rep.err.from_after_to");
  if (e.field === "group" && /interval/.test(m)) return t("rep.err.interval_days");
  if (e.field === "to" && /at most/.test(m)) return t("rep.err.too_long");
  if (/^(from|to|date)$/.test(e.field) && /date/.test(m)) return t("rep.err.date");
  if (e.code === "not_found") return t("rep.err.unknown");
  return `${t("rep.err.invalid")} (${m})`;
}

function showError(e) {
  const id = e instanceof ApiError && e.field ? `rp-${e.field === "date" ? "to" : e.field}` : "";
  if (id && errs[id] && !form.querySelector(`[data-for="${id}"]`).hidden) {
    errs[id].textContent = fieldMessage(e);
    document.getElementById(id).setAttribute("aria-invalid", "true");
    document.getElementById(id).focus();
  } else {
    formErr.textContent = e instanceof ApiError && e.field ? `${e.field}: ${fieldMessage(e)}` : errorText(e);
  }
  panel.replaceChildren();
}

async function show() {
  readForm();
  clearErrors();
  writeURL();
  drillSlot.replaceChildren();
  rp.drill = null;
  const seq = ++rp.seq;
  const tab = rp.tab;
  panel.setAttribute("aria-busy", "true");
  panel.replaceChildren(h("p", { class: "muted" }, t("rep.loading")));
  let data;
  try {
    data = await api("GET", reportURL(tab));
  } catch (e) {
    if (seq !== rp.seq) return;
    panel.removeAttribute("aria-busy");
    showError(e);
    return;
  }
  if (seq !== rp.seq) return;
  rp.data = { tab, f: { ...rp.f }, data };
  render();
  panel.removeAttribute("aria-busy");
  announce.textContent = t("rep.loaded", { report: t(`rep.tab.${tab}`) });
}

function render() {
  const { tab, data } = rp.data;
  const parts = { queues: renderQueues, agents: renderAgents, ewt: renderEWT, satisfaction: renderSatisfaction, sites: renderSites, abandoned: renderAbandoned }[tab](data);
  const f = rp.data.f;
  const caption = tab === "abandoned" ? t("rep.abandoned_of", { date: f.to }) : t("rep.period_of", { from: f.from, to: f.to, group: t(`rep.group.${f.group}`).toLocaleLowerCase(lang()) });
  panel.replaceChildren(
    h("div", { class: "rp-head" },
      h("h2", { id: "rp-title" }, t(`rep.tab.${tab}`)),
      h("p", { class: "muted", id: "rp-caption" }, caption),
      csvLink("rp-csv", reportURL(tab, "csv"), csvNames[tab])),
    ...parts,
    definitions(tab));
}

// csvNames are the files' names, as the API's Content-Disposition gives them.
const csvNames = {
  queues: "reportQueues.csv", agents: "reportAgents.csv", ewt: "reportEWT.csv", satisfaction: "reportSatisfaction.csv",
  sites: "reportSites.csv", abandoned: "abandoned.csv",
};

// csvLink downloads the CSV of what is shown: a plain link with the
// session's cookie; with an API token (kept for the tab by the admin page)
// the file is fetched with it and saved from memory.
function csvLink(id, href, name) {
  const a = h("a", { class: "button", id, href, download: name }, t("rep.csv"));
  a.addEventListener("click", async (ev) => {
    if (!apiToken()) return;
    ev.preventDefault();
    try {
      const blob = await apiBlob(href);
      if (!blob) throw new ApiError(404, null);
      const url = URL.createObjectURL(blob);
      const tmp = h("a", { href: url, download: name, hidden: true });
      document.body.append(tmp);
      tmp.click();
      tmp.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      announce.textContent = errorText(e);
      formErr.textContent = errorText(e);
    }
  });
  return a;
}

// ---- tables ----
// table builds a table of rows with cols: {key, label, kind, drill(row)}.
// The cells carry data-key (the JSON field) for whoever checks them.
function table(id, cols, rows, total, label) {
  const head = h("tr", {}, cols.map((c) => {
    const label = c.labelText || t(c.label);
    return h("th", { scope: "col", class: c.kind !== "text" ? "num" : false },
      c.def ? h("a", { href: `#def-${c.def}`, class: "def-link", onclick: openDefs }, label) : label);
  }));
  const line = (r, isTotal) => h("tr", { class: isTotal ? "total" : false, dataset: { period: r.period ?? "", id: r.queue_id ?? r.agent_id ?? r.site_id ?? "" } },
    cols.map((c, i) => {
      const v = c.get ? c.get(r) : r[c.key];
      const text = fmt[c.kind](v);
      const attrs = { class: c.kind !== "text" ? "num" : false, dataset: { key: c.key } };
      let content = text;
      const target = c.drill && !(isTotal && c.noTotalDrill) && typeof v === "number" && v > 0 ? c.drill(r, isTotal) : null;
      if (target) {
        content = h("button", { type: "button", class: "link cell-link", "aria-label": t("rep.drill_label", { n: text, what: target.what }), onclick: () => drill(target) }, text);
      }
      return i === 0 ? h("th", { scope: "row", dataset: { key: c.key } }, content) : h("td", attrs, content);
    }));
  const body = rows.length ? rows.map((r) => line(r, false)) : [h("tr", {}, h("td", { colspan: cols.length, class: "muted" }, t("rep.no_rows")))];
  return h("div", { class: "table-wrap" }, h("table", { id, class: "rp-table" },
    h("caption", { class: "sr-only" }, label),
    h("thead", {}, head), h("tbody", {}, body),
    total && rows.length ? h("tfoot", {}, line(total, true)) : null));
}

// periodText shows an hour's or a quarter's label ("2026-03-29T02:00+02:00")
// as its local date and time; days, weeks and months as they are.
function periodText(label) {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?:Z|[+-]\d{2}:\d{2})$/.exec(label || "");
  return m ? `${m[1]} ${m[2]}` : label;
}

const periodCol = () => ({ key: "period", kind: "text", label: "rep.period_col", get: (r) => periodText(r.period) });

const col = (key, kind, label, extra = {}) => ({ key, kind, label: label || `rep.${key}`, def: extra.def, ...extra });

function openDefs() {
  const d = document.getElementById("rp-defs");
  if (d) d.open = true;
}

// rowWindow is the instants a row's figures cover (its period), or the
// whole request for the total; tenant-wide rows keep the filter's queue.
function rowWindow(r, isTotal, rows) {
  const f = rp.data.f;
  if (isTotal) {
    const off = offsetOf(rows[0] && rows[0].period_start);
    return { from: `${f.from}T00:00:00${off}`, to: `${nextDay(f.to)}T00:00:00${off}`, label: `${f.from} \u2013 ${f.to}` };
  }
  return { from: r.period_start, to: periodEnd(r.period_start, f.group), label: r.period };
}

function queueName(id) {
  const q = rp.queues.find((x) => x.id === id);
  return q ? q.name : `#${id}`;
}

function agentName(id) {
  const a = rp.agents.find((x) => x.id === id);
  return a ? a.name : `#${id}`;
}

function queueDrill(outcome, whatKey) {
  return (r, isTotal) => {
    const w = rowWindow(r, isTotal, rp.data.data.rows);
    const queue = isTotal ? rp.data.f.queue : String(r.queue_id);
    return { from: w.from, to: w.to, queue, outcome, channel: filtersOf[rp.data.tab].includes("channel") ? rp.data.f.channel : "",
      what: t(whatKey, { queue: queue ? queueName(Number(queue)) : t("rep.all_queues"), period: w.label }) };
  };
}

// sumBy adds up rows by period for the charts (the tenant over its queues).
function byPeriod(rows) {
  const m = new Map();
  for (const r of rows) {
    if (!m.has(r.period)) m.set(r.period, { label: r.period, start: r.period_start, rows: [] });
    m.get(r.period).rows.push(r);
  }
  return [...m.values()].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}

function shortLabel(p, group) {
  if (group === "interval" || group === "hour") {
    // The time as the label gives it, in the queue's zone (as the table),
    // not the browser's.
    const m = /T(\d{2}:\d{2})/.exec(p.label || "");
    const time = m ? m[1] : p.label;
    return rp.data.f.from === rp.data.f.to ? time : `${p.label.slice(5, 10)} ${time}`;
  }
  return p.label;
}

function renderQueues(d) {
  const cols = [
    periodCol(),
    col("queue", "text", "rep.queue"),
    col("offered", "count", null, { def: "offered", drill: queueDrill("", "rep.drill_offered") }),
    col("answered", "count", null, { def: "answered", drill: queueDrill("answered", "rep.drill_answered") }),
    col("abandoned", "count", null, { def: "abandoned", drill: queueDrill("abandoned", "rep.drill_abandoned") }),
    col("short_abandoned", "count", null, { def: "short_abandoned" }),
    col("service_level", "pct", null, { def: "service_level" }),
    col("sl_threshold_seconds", "count", "rep.sl_threshold", { def: "service_level" }),
    col("answer_rate", "pct", null, { def: "answer_rate" }),
    col("abandon_rate", "pct", null, { def: "abandon_rate" }),
    col("asa_seconds", "secs", "rep.asa", { def: "asa" }),
    col("max_wait_seconds", "secs", "rep.max_wait", { def: "max_wait" }),
    col("mean_abandon_seconds", "secs", "rep.mean_abandon", { def: "mean_abandon" }),
    col("aht_seconds", "secs", "rep.aht", { def: "aht" }),
    col("talk_seconds", "secs", "rep.talk", { def: "aht" }),
    col("hold_seconds", "secs", "rep.hold", { def: "aht" }),
    col("wrap_up_seconds", "secs", "rep.wrap_up", { def: "aht" }),
    col("flowed_out", "count", null, { def: "flowed_out" }),
    col("refused", "count", null, { def: "refused" }),
    col("rona", "count", null, { def: "rona" }),
    col("callbacks_requested", "count", null, { def: "callbacks" }),
    col("callbacks_completed", "count", null, { def: "callbacks" }),
    col("csat_mean", "dec1", "rep.csat_mean", { def: "csat" }),
  ];
  const total = { ...d.total, period: t("rep.total"), queue: d.rows.length && new Set(d.rows.map((r) => r.queue_id)).size === 1 ? d.rows[0].queue : t("rep.all_queues"), sl_threshold_seconds: null };
  const points = byPeriod(d.rows).map((p) => {
    const sum = (k) => p.rows.reduce((s, r) => s + (r[k] || 0), 0);
    const base = p.rows.filter((r) => has(r.service_level)).map((r) => ({ sl: r.service_level, n: r.offered - r.short_abandoned }));
    const n = base.reduce((s, b) => s + b.n, 0);
    return { label: p.label, short: shortLabel(p, rp.data.f.group), offered: sum("offered"), answered: sum("answered"), abandoned: sum("abandoned"),
      service_level: n > 0 ? base.reduce((s, b) => s + b.sl * b.n, 0) / n : null };
  });
  const tt = d.total;
  const chart = periodChart(points, { id: "rp-chart-volume", title: t("rep.chart_volume"),
    desc: t("rep.chart_volume_desc", { offered: count(tt.offered), answered: count(tt.answered), sl: pct(tt.service_level) }) });
  return [
    tilesOf([["rep.offered", count(tt.offered)], ["rep.answered", count(tt.answered)], ["rep.abandoned", count(tt.abandoned)],
      ["rep.service_level", pct(tt.service_level)], ["rep.asa", secs(tt.asa_seconds)], ["rep.aht", secs(tt.aht_seconds)]]),
    h("section", { class: "card rp-chart", "aria-labelledby": "rp-chart-volume-h" }, h("h3", { id: "rp-chart-volume-h" }, t("rep.chart_volume")), chart),
    table("rp-rows", cols, d.rows, total, t("rep.tab.queues")),
    h("p", { class: "hint" }, t("rep.drill_hint")),
  ];
}

function tilesOf(list) {
  return h("div", { class: "tiles", id: "rp-tiles" }, list.map(([k, v]) => h("div", { class: "tile card" }, h("p", { class: "tile-label" }, t(k)), h("p", { class: "tile-value" }, v))));
}

function renderAgents(d) {
  const reasons = [...new Set(d.rows.flatMap((r) => Object.keys(r.not_ready_by_reason || {})))].sort();
  const reasonText = (r) => {
    const s = t(`reason.${r}`);
    return s === `reason.${r}` ? r : s;
  };
  const cols = [
    periodCol(),
    col("agent", "text", "rep.agent"),
    col("site", "text", "rep.site"),
    col("login_seconds", "secs", "rep.login", { def: "login" }),
    col("ready_seconds", "secs", "rep.ready", { def: "login" }),
    col("offered_seconds", "secs", "rep.ringing", { def: "login" }),
    col("busy_seconds", "secs", "rep.busy", { def: "login" }),
    col("wrap_up_seconds", "secs", "rep.wrap_up", { def: "login" }),
    col("not_ready_seconds", "secs", "rep.not_ready", { def: "login" }),
    ...reasons.map((r) => ({ key: `not_ready:${r}`, kind: "secs", label: `reason.${r}`, get: (row) => (row.not_ready_by_reason || {})[r] ?? null, labelText: reasonText(r) })),
    col("occupancy", "pct", null, { def: "occupancy" }),
    col("handled", "count", null, {
      def: "handled",
      drill: (r, isTotal) => {
        const w = rowWindow(r, isTotal, d.rows);
        const agent = isTotal ? rp.data.f.agent : String(r.agent_id);
        if (isTotal && !agent) return null;
        return { from: w.from, to: w.to, agent, queue: rp.data.f.queue, what: t("rep.drill_handled", { agent: agentName(Number(agent)), period: w.label }) };
      },
    }),
    col("aht_seconds", "secs", "rep.aht", { def: "aht" }),
    col("rona", "count", null, { def: "rona" }),
    col("csat_mean", "dec1", "rep.csat_mean", { def: "csat" }),
  ];
  // The server's total: occupancy, AHT and CSAT from the period's sums (internal/kpi).
  const total = { ...d.total, period: t("rep.total"), agent: rp.data.f.agent ? agentName(Number(rp.data.f.agent)) : t("rep.all_agents"), site: "" };
  return [
    tilesOf([["rep.login", secs(total.login_seconds)], ["rep.occupancy", pct(total.occupancy)], ["rep.handled", count(total.handled)], ["rep.aht", secs(total.aht_seconds)]]),
    table("rp-rows", cols, d.rows, total, t("rep.tab.agents")),
    h("p", { class: "hint" }, t("rep.agents_hint")),
  ];
}

// weighted combines EWT rows: each share and mean weighted by its contacts.
function weighted(rows) {
  const n = rows.reduce((s, r) => s + r.contacts, 0);
  const w = (k) => {
    const rs = rows.filter((r) => has(r[k]));
    const m = rs.reduce((s, r) => s + r.contacts, 0);
    return m > 0 ? rs.reduce((s, r) => s + r[k] * r.contacts, 0) / m : null;
  };
  return { contacts: n, mae_seconds: w("mae_seconds"), bias_seconds: w("bias_seconds"), within_30s: w("within_30s"), within_25pct: w("within_25pct"),
    told_no_agent: rows.reduce((s, r) => s + (r.told_no_agent || 0), 0) };
}

function renderEWT(d) {
  const cols = [
    periodCol(),
    col("queue", "text", "rep.queue"),
    col("contacts", "count", "rep.ewt_contacts", { def: "ewt" }),
    col("mae_seconds", "secs", "rep.mae", { def: "ewt" }),
    col("bias_seconds", "signed", "rep.bias", { def: "ewt" }),
    col("within_30s", "pct", "rep.within_30s", { def: "ewt" }),
    col("within_25pct", "pct", "rep.within_25pct", { def: "ewt" }),
    col("told_no_agent", "count", "rep.told_no_agent", { def: "told_no_agent" }),
  ];
  const total = { ...d.total, period: t("rep.total"), queue: rp.data.f.queue ? queueName(Number(rp.data.f.queue)) : t("rep.all_queues") };
  const positions = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const byPos = positions.map((p) => weighted((d.by_position || []).filter((r) => r.position === p)));
  const posLabel = (p) => (p === 11 ? "11+" : String(p));
  const periods = byPeriod(d.rows).map((p) => ({ label: shortLabel(p, rp.data.f.group), ...weighted(p.rows) }));
  const secsAxis = (v) => signed(v);
  const posChart = barChart({
    id: "rp-chart-ewt-pos", title: t("rep.chart_ewt_pos"), desc: t("rep.chart_ewt_desc", { mae: secs(total.mae_seconds), bias: signed(total.bias_seconds), n: count(total.contacts) }),
    labels: positions.map(posLabel),
    series: [{ name: t("rep.mae"), cls: "bar-mae", values: byPos.map((r) => r.mae_seconds) }, { name: t("rep.bias"), cls: "bar-bias", values: byPos.map((r) => r.bias_seconds) }],
    format: secsAxis,
  });
  const perChart = barChart({
    id: "rp-chart-ewt-period", title: t("rep.chart_ewt_period"), desc: t("rep.chart_ewt_desc", { mae: secs(total.mae_seconds), bias: signed(total.bias_seconds), n: count(total.contacts) }),
    labels: periods.map((p) => p.label),
    series: [{ name: t("rep.mae"), cls: "bar-mae", values: periods.map((r) => r.mae_seconds) }, { name: t("rep.bias"), cls: "bar-bias", values: periods.map((r) => r.bias_seconds) }],
    format: secsAxis,
  });
  const posCols = [
    col("queue", "text", "rep.queue"),
    col("position_label", "text", "rep.position"),
    ...cols.slice(2, 7),
  ];
  const posRows = (d.by_position || []).map((r) => ({ ...r, position_label: posLabel(r.position) }));
  return [
    tilesOf([["rep.ewt_contacts", count(total.contacts)], ["rep.mae", secs(total.mae_seconds)], ["rep.bias", signed(total.bias_seconds)],
      ["rep.within_30s", pct(total.within_30s)], ["rep.told_no_agent", count(total.told_no_agent)]]),
    h("section", { class: "card rp-chart", "aria-labelledby": "rp-chart-ewt-pos-h" }, h("h3", { id: "rp-chart-ewt-pos-h" }, t("rep.chart_ewt_pos")), posChart),
    h("section", { class: "card rp-chart", "aria-labelledby": "rp-chart-ewt-period-h" }, h("h3", { id: "rp-chart-ewt-period-h" }, t("rep.chart_ewt_period")), perChart),
    table("rp-rows", cols, d.rows, total, t("rep.tab.ewt")),
    h("h3", { class: "rp-sub" }, t("rep.by_position")),
    table("rp-positions", posCols, posRows, null, t("rep.by_position")),
  ];
}

function renderSatisfaction(d) {
  const dist = (i) => (r) => (r.distribution || [])[i] ?? 0;
  const cols = [
    periodCol(),
    col("queue", "text", "rep.queue"),
    col("answered", "count", null, { def: "answered", drill: queueDrill("answered", "rep.drill_answered") }),
    col("csat_responses", "count", "rep.responses", { def: "csat" }),
    col("response_rate", "pct", "rep.response_rate", { def: "csat" }),
    col("csat_mean", "dec1", "rep.csat_mean", { def: "csat" }),
    ...[0, 1, 2, 3, 4].map((i) => ({ key: `score_${i + 1}`, kind: "count", label: `rep.score_${i + 1}`, get: dist(i), def: "csat" })),
  ];
  const tt = d.total;
  const total = { ...tt, period: t("rep.total"), queue: rp.data.f.queue ? queueName(Number(rp.data.f.queue)) : t("rep.all_queues") };
  const chart = barChart({
    id: "rp-chart-csat", title: t("rep.chart_csat"),
    desc: t("rep.chart_csat_desc", { n: count(tt.csat_responses), mean: dec1(tt.csat_mean), dist: (tt.distribution || []).map((v, i) => `${i + 1}: ${v}`).join(", ") }),
    labels: ["1", "2", "3", "4", "5"],
    series: [{ name: t("rep.responses"), cls: "bar-answered", values: tt.distribution || [0, 0, 0, 0, 0] }],
    format: (v) => number(v),
  });
  const comments = d.comments || [];
  return [
    tilesOf([["rep.responses", count(tt.csat_responses)], ["rep.response_rate", pct(tt.response_rate)], ["rep.csat_mean", dec1(tt.csat_mean)]]),
    h("section", { class: "card rp-chart", "aria-labelledby": "rp-chart-csat-h" }, h("h3", { id: "rp-chart-csat-h" }, t("rep.chart_csat")), chart),
    table("rp-rows", cols, d.rows, total, t("rep.tab.satisfaction")),
    h("h3", { class: "rp-sub" }, t("rep.comments")),
    comments.length
      ? h("ul", { class: "rp-comments", id: "rp-comments" }, comments.map((c) => h("li", { class: "card" },
        h("p", { class: "muted" }, `${dateTime(c.arrived_at)} \u00b7 ${queueName(c.queue_id)} \u00b7 ${t("rep.score")} ${c.score}/5 \u00b7 #${c.interaction_id}`),
        h("p", {}, c.comment))))
      : h("p", { class: "muted" }, t("rep.no_comments")),
  ];
}

function renderSites(d) {
  const kind = (r) => (r.kind ? t(`rep.site_kind.${r.kind}`) : "");
  const cols = [
    periodCol(),
    col("site", "text", "rep.site"),
    col("country", "text", "rep.country"),
    { key: "kind", kind: "text", label: "rep.site_kind", get: kind, def: "sites" },
    col("handled", "count", null, { def: "sites" }),
    col("handled_hours", "hours", "rep.handled_hours", { def: "sites" }),
    col("login_hours", "hours", "rep.login_hours", { def: "sites" }),
  ];
  const total = { ...d.total, period: t("rep.total"), site: t("rep.all_sites"), country: "", kind: undefined };
  const countryCols = [col("country", "text", "rep.country"), ...cols.slice(4)];
  return [
    tilesOf([["rep.handled", count(total.handled)], ["rep.handled_hours", hours(total.handled_hours)], ["rep.homeshoring", pct(d.homeshoring_share)], ["rep.homeshoring_hours", pct(d.homeshoring_hours_share)]]),
    table("rp-rows", cols, d.rows, total, t("rep.tab.sites")),
    h("h3", { class: "rp-sub" }, t("rep.by_country")),
    table("rp-countries", countryCols, d.by_country || [], null, t("rep.by_country")),
  ];
}

function renderAbandoned(list) {
  const rows = list.map((c) => h("tr", { dataset: { contact: c.id } },
    h("th", { scope: "row" }, `#${c.id}`),
    h("td", {}, dateTime(c.arrived_at)),
    h("td", {}, queueName(c.queue_id)),
    h("td", {}, t(`channel.${c.channel}`)),
    h("td", { class: "num" }, secs(c.wait_seconds)),
    h("td", {}, c.customer && c.customer.name ? c.customer.name : dash),
    h("td", {}, c.customer && c.customer.phone ? h("a", { href: `tel:${c.customer.phone}` }, c.customer.phone) : dash),
    h("td", {}, c.customer && c.customer.email ? h("a", { href: `mailto:${c.customer.email}` }, c.customer.email) : dash)));
  const head = ["rep.contact", "rep.arrived", "rep.queue", "rep.channel", "rep.waited", "rep.customer", "rep.phone", "rep.email"];
  return [
    h("p", {}, t(list.length === 1 ? "rep.abandoned_count_one" : "rep.abandoned_count", { n: count(list.length) })),
    h("div", { class: "table-wrap" }, h("table", { id: "rp-abandoned", class: "rp-table" },
      h("caption", { class: "sr-only" }, t("rep.tab.abandoned")),
      h("thead", {}, h("tr", {}, head.map((k, i) => h("th", { scope: "col", class: i === 4 ? "num" : false }, t(k))))),
      h("tbody", {}, rows.length ? rows : h("tr", {}, h("td", { colspan: head.length, class: "muted" }, t("rep.no_abandoned")))))),
    h("p", { class: "hint" }, t("rep.abandoned_hint")),
  ];
}

// ---- definitions ----
const defsOf = {
  queues: ["attribution", "offered", "answered", "abandoned", "short_abandoned", "service_level", "answer_rate", "abandon_rate", "asa", "max_wait", "mean_abandon", "aht", "flowed_out", "refused", "rona", "callbacks", "csat"],
  agents: ["login", "occupancy", "handled", "aht", "rona", "csat"],
  ewt: ["attribution", "ewt", "told_no_agent"],
  satisfaction: ["attribution", "answered", "csat"],
  sites: ["attribution", "sites"],
  abandoned: ["abandoned", "short_abandoned"],
};

function definitions(tab) {
  return h("details", { class: "card rp-defs", id: "rp-defs" },
    h("summary", {}, t("rep.definitions")),
    h("dl", {}, defsOf[tab].flatMap((k) => [h("dt", { id: `def-${k}` }, t(`rep.def_title.${k}`)), h("dd", {}, t(`rep.def.${k}`))])));
}

// ---- drill-down: the contacts behind a figure ----
function searchURL(target, format, cursor) {
  const q = new URLSearchParams();
  q.set("from", target.from);
  q.set("to", target.to);
  for (const k of ["queue", "agent", "outcome", "channel"]) if (target[k]) q.set(k, target[k]);
  if (cursor) q.set("cursor", cursor);
  if (format) q.set("format", format);
  else q.set("limit", String(rp.pageSize));
  return `/api/v1/tenants/${rp.tid}/interactions?${q}`;
}

async function drill(target) {
  rp.drill = { target, rows: [], next: "" };
  const body = h("tbody", {});
  const more = h("button", { type: "button", id: "rp-more", hidden: true }, t("rep.more"));
  const status = h("p", { class: "muted", id: "rp-drill-status", role: "status" });
  const title = h("h2", { id: "rp-drill-title", tabindex: "-1" }, t("rep.drill_title", { what: target.what }));
  const head = ["rep.contact", "rep.arrived", "rep.queue", "rep.channel", "rep.tier", "rep.outcome", "rep.agent", "rep.waited", "rep.talk", "rep.wrap_up", "rep.billable", "rep.announced", "rep.customer", "rep.csat"];
  const notes = [];
  if (filtersOf[rp.data.tab].includes("tier") && rp.data.f.tier !== allTiers) notes.push(h("p", { class: "hint" }, t("rep.drill_tier_note")));
  if (!target.outcome && !target.agent) notes.push(h("p", { class: "hint" }, t("rep.drill_offered_note")));
  drillSlot.replaceChildren(h("section", { class: "card rp-drill", "aria-labelledby": "rp-drill-title" },
    h("div", { class: "rp-head" }, title,
      csvLink("rp-drill-csv", searchURL(target, "csv"), "contacts.csv"),
      h("button", { type: "button", onclick: closeDrill }, t("rep.close"))),
    ...notes,
    h("div", { class: "table-wrap" }, h("table", { id: "rp-contacts", class: "rp-table" },
      h("caption", { class: "sr-only" }, t("rep.drill_title", { what: target.what })),
      h("thead", {}, h("tr", {}, head.map((k, i) => h("th", { scope: "col", class: i >= 7 && i <= 11 ? "num" : false }, t(k))))), body)),
    status, more));
  more.addEventListener("click", () => page(body, more, status, true));
  title.focus();
  await page(body, more, status, false);
}

function closeDrill() {
  drillSlot.replaceChildren();
  rp.drill = null;
  panel.focus();
}

async function page(body, more, status, focusNew) {
  const d = rp.drill;
  if (!d) return;
  more.disabled = true;
  let res;
  try {
    res = await api("GET", searchURL(d.target, "", d.next));
  } catch (e) {
    status.textContent = errorText(e);
    more.disabled = false;
    return;
  }
  if (rp.drill !== d) return;
  const first = d.rows.length;
  d.rows.push(...res.contacts);
  d.next = res.next_cursor;
  const trs = res.contacts.map(contactRow);
  body.append(...trs);
  if (!d.rows.length) body.replaceChildren(h("tr", {}, h("td", { colspan: 14, class: "muted" }, t("rep.no_contacts"))));
  status.textContent = t(d.next ? "rep.contacts_shown_more" : d.rows.length === 1 ? "rep.contacts_shown_one" : "rep.contacts_shown", { n: count(d.rows.length) });
  more.hidden = !d.next;
  more.disabled = false;
  if (focusNew && trs.length) {
    trs[0].tabIndex = -1;
    trs[0].focus();
  } else if (focusNew && first) more.focus();
}

function contactRow(c) {
  const outcome = c.state === "ended" ? c.ended_reason : c.state;
  const cust = c.customer || {};
  return h("tr", { dataset: { contact: c.id } },
    h("th", { scope: "row" }, `#${c.id}`),
    h("td", {}, dateTime(c.arrived_at)),
    h("td", {}, queueName(c.queue_id)),
    h("td", {}, t(`channel.${c.channel}`)),
    h("td", {}, c.tier || t("rep.default_tier")),
    h("td", {}, outcome ? t(`outcome.${outcome}`) : dash),
    h("td", {}, has(c.agent_id) ? agentName(c.agent_id) : dash),
    h("td", { class: "num" }, secs(c.wait_seconds)),
    h("td", { class: "num" }, secs(c.talk_seconds)),
    h("td", { class: "num" }, secs(c.wrap_up_seconds)),
    h("td", { class: "num" }, secs(c.billable_seconds)),
    h("td", { class: "num" }, has(c.announced_ewt_seconds) ? secs(c.announced_ewt_seconds) : dash),
    h("td", {}, [cust.name, cust.phone, cust.email].filter(Boolean).join(" \u00b7 ") || dash),
    h("td", {}, has(c.csat_score) ? `${c.csat_score}/5` : dash));
}

onLang(() => {
  if (!rp.data) return;
  render();
  if (rp.drill) drill(rp.drill.target);
});

start();
