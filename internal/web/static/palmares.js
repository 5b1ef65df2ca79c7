// The palmarès (platform admins): the provider's sites and its clients'
// programmes ranked by the social-responsibility score over a period (GET
// /api/v1/workforce/palmares), with the formula and its weights published
// on the page, each criterion's value and score, ties ("=") and missing
// data ("not available", left out of the score) shown.
import { api, h } from "./common.js";
import { onLang, t, translate } from "./i18n.js";
import { dash, dec, fieldBox, has, pct, showError, startPlatformPage, ymd } from "./workforce-page.js";

const critKeys = {
  localisation: "wf.crit.localisation", permanent: "wf.crit.permanent", training: "wf.crit.training",
  turnover: "wf.crit.turnover", commitments: "wf.crit.commitments", fair_contracts: "wf.crit.fair_contracts",
};
const critDefs = {
  localisation: "wf.critdef.localisation", permanent: "wf.critdef.permanent", training: "wf.critdef.training",
  turnover: "wf.critdef.turnover", commitments: "wf.critdef.commitments", fair_contracts: "wf.critdef.fair_contracts",
};
const st = { from: "", to: "", data: null };

function readURL() {
  const q = new URLSearchParams(location.search);
  const now = new Date();
  const ok = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || "");
  st.to = ok(q.get("to")) ? q.get("to") : ymd(now);
  st.from = ok(q.get("from")) ? q.get("from") : ymd(new Date(now.getFullYear() - 1, now.getMonth(), now.getDate() + 1));
}

// value shows a criterion's raw value: shares in %, training in hours
// per FTE over the period.
function value(c) {
  if (!has(c.value)) return dash;
  return c.name === "training" ? t("wf.hours_per_fte", { h: dec(c.value, 1) }) : pct(c.value);
}

function formula(d) {
  const w = d.config.weights;
  const names = Object.keys(critKeys);
  return h("section", { class: "card", id: "pal-formula", "aria-labelledby": "pal-formula-title" },
    h("h2", { id: "pal-formula-title", "data-i18n": "wf.formula_title" }),
    h("p", { "data-i18n": "wf.formula" }),
    h("div", { class: "table-wrap" }, h("table", {},
      h("caption", { class: "sr-only", "data-i18n": "wf.formula_title" }),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", "data-i18n": "wf.criterion" }), h("th", { scope: "col", class: "num", "data-i18n": "wf.weight" }),
        h("th", { scope: "col", "data-i18n": "wf.definition" }))),
      h("tbody", {}, names.map((n) => h("tr", { dataset: { crit: n } },
        h("th", { scope: "row", "data-i18n": critKeys[n] }),
        h("td", { class: "num" }, dec(w[n], 0)),
        h("td", {}, t(critDefs[n], { target: dec(d.config.training_target_hours, 0), cap: pct(d.config.turnover_cap) }),
          d.not_available[n] ? h("span", { class: "muted" }, " ", t("wf.left_out", { why: n === "commitments" ? t("wf.na.commitments") : t("wf.na.fair_contracts") })) : null)))))),
    h("p", { class: "hint", "data-i18n": "wf.formula_rules" }));
}

function ranking(id, titleKey, entries, site) {
  const names = Object.keys(critKeys);
  return h("section", { class: "card", "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title`, "data-i18n": titleKey }),
    entries.length === 0 ? h("p", { class: "muted", "data-i18n": "wf.nobody" }) :
      h("div", { class: "table-wrap" }, h("table", { id },
        h("caption", { class: "sr-only", "data-i18n": titleKey }),
        h("thead", {}, h("tr", {},
          h("th", { scope: "col", class: "num", "data-i18n": "wf.rank" }),
          h("th", { scope: "col", "data-i18n": site ? "wf.site" : "wf.programme" }),
          site ? h("th", { scope: "col", "data-i18n": "wf.country" }) : null,
          h("th", { scope: "col", class: "num", "data-i18n": "wf.jobs" }),
          names.map((n) => h("th", { scope: "col", class: "num", "data-i18n": critKeys[n] })),
          h("th", { scope: "col", class: "num", "data-i18n": "wf.score" }))),
        h("tbody", {}, entries.map((e) => h("tr", { dataset: { rank: e.rank } },
          h("td", { class: "num" }, e.rank ? (e.tied ? `=${e.rank}` : String(e.rank)) : h("span", { class: "muted", "data-i18n": "wf.not_ranked" })),
          h("th", { scope: "row" }, site ? `${e.site} (${e.tenant})` : e.tenant),
          site ? h("td", {}, e.country) : null,
          h("td", { class: "num" }, String(e.jobs.headcount)),
          e.criteria.map((c) => h("td", { class: "num", title: c.available ? t("wf.crit_score", { s: pct(c.score) }) : c.reason },
            c.available ? value(c) : h("span", { class: "muted" }, t("wf.na")))),
          h("td", { class: "num score" }, has(e.score) ? dec(e.score, 1) : dash)))))),
    h("p", { class: "hint", "data-i18n": "wf.ties" }));
}

async function run(app) {
  readURL();
  const errs = {};
  const from = h("input", { type: "date", required: true, value: st.from });
  const to = h("input", { type: "date", required: true, value: st.to });
  const formErr = h("p", { class: "form-error", role: "alert" });
  const form = h("form", { class: "card rp-form", id: "pal-form" },
    h("div", { class: "rp-fields" }, fieldBox("pal-from", "wf.from", from, errs), fieldBox("pal-to", "wf.to", to, errs)),
    formErr, h("button", { type: "submit", class: "primary", "data-i18n": "wf.show" }));
  const out = h("div", { id: "pal-out" });
  app.replaceChildren(h("p", { class: "muted", "data-i18n": "wf.palmares_intro" }), form, out);
  translate(app);
  const draw = () => {
    const d = st.data;
    if (!d) return;
    out.replaceChildren(formula(d), ranking("pal-sites", "wf.sites_title", d.sites, true), ranking("pal-programmes", "wf.programmes_title", d.programmes, false));
    translate(out);
  };
  const load = async () => {
    st.from = from.value;
    st.to = to.value;
    const q = `from=${encodeURIComponent(st.from)}&to=${encodeURIComponent(st.to)}`;
    history.replaceState(null, "", `${location.pathname}?${q}`);
    try {
      st.data = await api("GET", `/api/v1/workforce/palmares?${q}`);
      showError(null, errs, formErr, "pal");
      draw();
    } catch (e) {
      showError(e, errs, formErr, "pal");
      out.replaceChildren();
    }
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    load();
  });
  onLang(draw);
  await load();
}

startPlatformPage(run);
