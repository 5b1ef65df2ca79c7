// The employment barometer (platform admins): the provider's jobs, hires
// and exits by month, country, contract and homeshoring, over every tenant
// and site (GET /api/v1/workforce/barometer), drawn as SVG bar charts, a
// table, the CSV, and the anonymised open data (GET
// /api/v1/workforce/open-data: counts under 5 shown "<5", counts that
// would give one away "x").
import { api, apiBlob, errorText, h } from "./common.js";
import { barChart } from "./chart.js";
import { number, onLang, t, translate } from "./i18n.js";
import { dec, fieldBox, int, showError, startPlatformPage, ym, ymd } from "./workforce-page.js";
import { indicators } from "./register.js";

const contracts = ["permanent", "fixed_term", "temporary", "apprentice"];
const contractKeys = { permanent: "wf.contract.permanent", fixed_term: "wf.contract.fixed_term", temporary: "wf.contract.temporary", apprentice: "wf.contract.apprentice" };
const palette = ["bar-wf1", "bar-wf2", "bar-wf3", "bar-wf4"];
const st = { from: "", to: "", data: null, open: null, ind: null };

function readURL() {
  const q = new URLSearchParams(location.search);
  const now = new Date();
  st.to = /^\d{4}-\d{2}$/.test(q.get("to") || "") ? q.get("to") : ym(now);
  st.from = /^\d{4}-\d{2}$/.test(q.get("from") || "") ? q.get("from") : ym(new Date(now.getFullYear(), now.getMonth() - 11, 1));
}

async function download(path, name) {
  const blob = await apiBlob(path);
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function charts(d) {
  const labels = d.months.map((m) => m.month);
  const countries = d.countries;
  const byCountry = barChart({
    id: "bar-jobs-country", title: t("wf.chart_jobs_country"),
    desc: t("wf.chart_jobs_country_desc", { months: labels.length, countries: countries.join(", ") }),
    labels,
    series: countries.slice(0, 4).map((c, i) => ({ name: c, cls: palette[i], values: d.months.map((m) => (m.by_country[c] || {}).jobs || 0) })),
    format: (v) => number(v),
  });
  const flows = barChart({
    id: "bar-flows", title: t("wf.chart_flows"),
    desc: t("wf.chart_flows_desc", { hires: d.months.reduce((s, m) => s + m.total.hires, 0), exits: d.months.reduce((s, m) => s + m.total.exits, 0) }),
    labels,
    series: [
      { name: t("wf.hires"), cls: "bar-wf1", values: d.months.map((m) => m.total.hires) },
      { name: t("wf.exits"), cls: "bar-wf3", values: d.months.map((m) => m.total.exits) },
    ],
    format: (v) => number(v),
  });
  const byContract = barChart({
    id: "bar-jobs-contract", title: t("wf.chart_jobs_contract"), desc: t("wf.chart_jobs_contract_desc"),
    labels,
    series: contracts.map((c, i) => ({ name: t(contractKeys[c]), cls: palette[i], values: d.months.map((m) => (m.by_contract[c] || {}).jobs || 0) })),
    format: (v) => number(v),
  });
  const home = barChart({
    id: "bar-jobs-home", title: t("wf.chart_jobs_home"), desc: t("wf.chart_jobs_home_desc"),
    labels,
    series: [
      { name: t("wf.on_site"), cls: "bar-wf1", values: d.months.map((m) => (m.by_homeshoring.no || {}).jobs || 0) },
      { name: t("wf.homeshoring"), cls: "bar-wf2", values: d.months.map((m) => (m.by_homeshoring.yes || {}).jobs || 0) },
    ],
    format: (v) => number(v),
  });
  return [
    h("section", { class: "card", "aria-labelledby": "bar-jobs-country-title" }, byCountry),
    h("section", { class: "card", "aria-labelledby": "bar-flows-title" }, flows),
    h("section", { class: "card", "aria-labelledby": "bar-jobs-contract-title" }, byContract),
    h("section", { class: "card", "aria-labelledby": "bar-jobs-home-title" }, home),
  ];
}

function table(d) {
  const cs = d.countries;
  return h("section", { class: "card" }, h("div", { class: "table-wrap" }, h("table", { id: "bar-table" },
    h("caption", { "data-i18n": "wf.table_caption" }),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col", "data-i18n": "wf.month" }),
      h("th", { scope: "col", class: "num", "data-i18n": "wf.jobs" }),
      h("th", { scope: "col", class: "num", "data-i18n": "wf.fte" }),
      h("th", { scope: "col", class: "num", "data-i18n": "wf.hires" }),
      h("th", { scope: "col", class: "num", "data-i18n": "wf.exits" }),
      cs.map((c) => h("th", { scope: "col", class: "num" }, `${t("wf.jobs")} ${c}`)),
      h("th", { scope: "col", class: "num", "data-i18n": "wf.homeshoring" }),
      h("th", { scope: "col", class: "num", "data-i18n": "wf.contract.permanent" }))),
    h("tbody", {}, d.months.map((m) => h("tr", {},
      h("th", { scope: "row" }, m.month),
      h("td", { class: "num" }, int(m.total.jobs)),
      h("td", { class: "num" }, dec(m.total.fte, 1)),
      h("td", { class: "num" }, int(m.total.hires)),
      h("td", { class: "num" }, int(m.total.exits)),
      cs.map((c) => h("td", { class: "num" }, int((m.by_country[c] || {}).jobs || 0))),
      h("td", { class: "num" }, int((m.by_homeshoring.yes || {}).jobs || 0)),
      h("td", { class: "num" }, int((m.by_contract.permanent || {}).jobs || 0))))))));
}

function openTable(rows) {
  const last = rows.length ? rows[rows.length - 1].month : "";
  const shown = rows.filter((r) => r.month === last);
  return h("section", { class: "card", "aria-labelledby": "bar-open-title" },
    h("h2", { id: "bar-open-title", "data-i18n": "wf.open_title" }),
    h("p", { class: "muted", "data-i18n": "wf.open_text" }),
    h("div", { class: "table-wrap" }, h("table", { id: "bar-open" },
      h("caption", {}, t("wf.open_caption", { month: last })),
      h("thead", {}, h("tr", {}, ["wf.dimension", "wf.category", "wf.jobs", "wf.hires", "wf.exits"].map((k, i) =>
        h("th", { scope: "col", class: i >= 2 ? "num" : false, "data-i18n": k })))),
      h("tbody", {}, shown.map((r) => h("tr", {},
        h("td", {}, r.dimension), h("td", {}, r.category),
        h("td", { class: "num" }, r.jobs), h("td", { class: "num" }, r.hires), h("td", { class: "num" }, r.exits)))))));
}

async function run(app) {
  readURL();
  const errs = {};
  const from = h("input", { type: "month", required: true, value: st.from });
  const to = h("input", { type: "month", required: true, value: st.to });
  const formErr = h("p", { class: "form-error", role: "alert" });
  const csv = h("button", { type: "button", id: "bar-csv", "data-i18n": "wf.download_csv" });
  const open = h("button", { type: "button", id: "bar-open-csv", "data-i18n": "wf.download_open" });
  const form = h("form", { class: "card rp-form", id: "bar-form" },
    h("div", { class: "rp-fields" }, fieldBox("bar-from", "wf.from_month", from, errs), fieldBox("bar-to", "wf.to_month", to, errs)),
    formErr,
    h("div", { class: "rp-actions" }, h("button", { type: "submit", class: "primary", "data-i18n": "wf.show" }), " ", csv, " ", open));
  const out = h("div", { id: "bar-out" });
  app.replaceChildren(h("p", { class: "muted", "data-i18n": "wf.barometer_intro" }), form, out);
  translate(app);
  const q = () => `from=${encodeURIComponent(st.from)}&to=${encodeURIComponent(st.to)}`;
  const draw = () => {
    if (!st.data) return;
    out.replaceChildren(
      st.ind ? h("section", { class: "card", id: "bar-indicators", "aria-labelledby": "bar-ind-title" },
        h("h2", { id: "bar-ind-title" }, t("wf.provider_indicators", { from: st.ind.from, to: st.ind.to })), ...indicators(st.ind)) : null,
      ...charts(st.data), table(st.data), openTable(st.open || []));
    translate(out);
  };
  const load = async () => {
    st.from = from.value;
    st.to = to.value;
    history.replaceState(null, "", `${location.pathname}?${q()}`);
    try {
      // The label's indicators of the whole provider over the same months
      // (to today at most).
      const [y, m] = st.to.split("-").map(Number);
      const last = ymd(new Date(Math.min(new Date(y, m, 0), new Date())));
      const [d, od, ind] = await Promise.all([api("GET", `/api/v1/workforce/barometer?${q()}`), api("GET", `/api/v1/workforce/open-data?${q()}&format=json`),
        api("GET", `/api/v1/workforce/indicators?from=${st.from}-01&to=${last}`).catch(() => null)]);
      st.data = d;
      st.open = od;
      st.ind = ind;
      showError(null, errs, formErr, "bar");
      draw();
    } catch (e) {
      showError(e, errs, formErr, "bar");
      out.replaceChildren();
    }
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    load();
  });
  csv.addEventListener("click", () => download(`/api/v1/workforce/barometer?${q()}&format=csv`, `barometer-${st.from}-${st.to}.csv`).catch((e) => (formErr.textContent = errorText(e))));
  open.addEventListener("click", () => download(`/api/v1/workforce/open-data?${q()}`, `barometer-open-data-${st.from}-${st.to}.csv`).catch((e) => (formErr.textContent = errorText(e))));
  onLang(draw);
  await load();
}

startPlatformPage(run);
