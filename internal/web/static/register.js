// The admin page's workforce register (tenant admins and platform admins;
// every read is in the audit log): the tenant's employees with a form to
// add, change or remove one, the CSV import (all or nothing: a refused
// file says its line and field) and export, and the label's indicators
// over a period, planned beside actual France share. Definitions:
// internal/workforce (docs/workforce.md).
import { api, apiBlob, errorText, h } from "./common.js";
import { t, translate } from "./i18n.js";
import { dash, dec, has, int, pct, ymd } from "./workforce-page.js";

const contracts = ["permanent", "fixed_term", "temporary", "apprentice"];
const contractKeys = { permanent: "wf.contract.permanent", fixed_term: "wf.contract.fixed_term", temporary: "wf.contract.temporary", apprentice: "wf.contract.apprentice" };
const reasons = ["resignation", "end_of_contract", "dismissal", "mutual_agreement", "retirement", "trial_period", "transfer", "other"];
const reasonKeys = {
  resignation: "wf.reason.resignation", end_of_contract: "wf.reason.end_of_contract", dismissal: "wf.reason.dismissal",
  mutual_agreement: "wf.reason.mutual_agreement", retirement: "wf.reason.retirement", trial_period: "wf.reason.trial_period",
  transfer: "wf.reason.transfer", other: "wf.reason.other",
};
const blank = { ref: "", name: "", job: "", site_id: 0, agent_id: null, user_id: null, homeshoring: false, contract: "permanent", fte: 1,
  hire_date: "", exit_date: null, exit_reason: "", disability_recognition: false, training: [] };

// The form's fields: [API field, label key, kind].
const fields = [
  ["ref", "wf.ref", "text"], ["name", "wf.name", "text"], ["job", "wf.job", "text"], ["site_id", "wf.site", "site"],
  ["agent_id", "wf.agent", "agent"], ["contract", "wf.contract", "contract"], ["fte", "wf.fte", "decimal"],
  ["homeshoring", "wf.homeshoring", "check"], ["hire_date", "wf.hire_date", "date"], ["exit_date", "wf.exit_date", "date"],
  ["exit_reason", "wf.exit_reason", "reason"], ["disability_recognition", "wf.disability", "check"], ["training", "wf.training", "training"],
];

const trainingText = (list) => (list || []).map((x) => `${x.date} ${x.hours}${x.subject ? " " + x.subject : ""}`).join("\n");

function parseTraining(text) {
  return text.split("\n").map((s) => s.trim()).filter(Boolean).map((line) => {
    const m = line.match(/^(\d{4}-\d{2}-\d{2})\s+([\d.,]+)\s*(.*)$/);
    if (!m) throw Object.assign(new Error(t("wf.bad_training", { line })), { field: "training" });
    return { date: m[1], hours: Number(m[2].replace(",", ".")), subject: m[3] };
  });
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

// registerSection draws the register of tenant tid into body; say
// announces to screen readers.
export async function registerSection(body, tid, say) {
  const base = `/api/v1/tenants/${tid}/employees`;
  const [list, sites, agents] = await Promise.all([api("GET", base), api("GET", `/api/v1/tenants/${tid}/sites`), api("GET", `/api/v1/tenants/${tid}/agents`)]);
  const siteName = (id) => (sites.find((s) => s.id === id) || {}).name || `#${id}`;
  const again = () => registerSection(body, tid, say);
  const slot = h("div", { class: "form-slot" });
  const add = h("button", { type: "button", class: "primary", "data-i18n": "admin.new" });
  add.addEventListener("click", () => openForm(null));

  function openForm(item) {
    const cur = structuredClone(item || blank);
    const ctl = {};
    const errs = {};
    const boxes = fields.map(([name, key, kind]) => {
      const id = `wf-f-${name}`;
      let input;
      const v = cur[name];
      switch (kind) {
        case "site":
          input = h("select", { id }, !sites.some((s) => s.id === v) ? h("option", { value: "" }, t("admin.choose")) : null,
            sites.map((s) => h("option", { value: s.id, selected: s.id === v }, `${s.name} (${s.country})`)));
          break;
        case "agent":
          input = h("select", { id }, h("option", { value: "" }, t("admin.none")), agents.map((a) => h("option", { value: a.id, selected: a.id === v }, a.name)));
          break;
        case "contract":
          input = h("select", { id }, contracts.map((c) => h("option", { value: c, selected: c === v }, t(contractKeys[c]))));
          break;
        case "reason":
          input = h("select", { id }, h("option", { value: "" }, t("admin.none")), reasons.map((r) => h("option", { value: r, selected: r === v }, t(reasonKeys[r]))));
          break;
        case "check":
          input = h("input", { id, type: "checkbox", checked: !!v });
          break;
        case "date":
          input = h("input", { id, type: "date", value: v || "" });
          break;
        case "decimal":
          input = h("input", { id, type: "text", inputmode: "decimal", value: String(v ?? "") });
          break;
        case "training":
          input = h("textarea", { id, rows: "3", spellcheck: "false" }, trainingText(v));
          break;
        default:
          input = h("input", { id, value: v ?? "" });
      }
      ctl[name] = input;
      const err = h("p", { class: "field-error", id: `${id}-error` });
      errs[name] = err;
      const hintKey = { training: "wf.training_hint", decimal: "wf.fte_hint" }[kind];
      const hint = hintKey ? h("p", { class: "hint", id: `${id}-hint`, "data-i18n": hintKey }) : null;
      input.setAttribute("aria-describedby", [hint ? `${id}-hint` : "", `${id}-error`].filter(Boolean).join(" "));
      return h("div", { class: kind === "check" ? "field inline" : "field", dataset: { field: name } },
        kind === "check" ? [input, h("label", { for: id, "data-i18n": key })] : [h("label", { for: id, "data-i18n": key }), input], hint, err);
    });
    const formErr = h("p", { class: "form-error", role: "alert" });
    const cancel = h("button", { type: "button", "data-i18n": "admin.cancel" });
    const form = h("form", { class: "card admin-form", id: "wf-form", "aria-labelledby": "wf-form-title", novalidate: true },
      h("h3", { id: "wf-form-title" }, item ? t("admin.editing", { name: item.name || item.ref }) : t("wf.adding")),
      h("div", { class: "form-grid" }, boxes), formErr,
      h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", "data-i18n": item ? "admin.save" : "admin.create" }), cancel));
    cancel.addEventListener("click", () => slot.replaceChildren());
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      formErr.textContent = "";
      for (const [name, e] of Object.entries(errs)) {
        e.textContent = "";
        ctl[name].removeAttribute("aria-invalid");
      }
      const fail = (field, msg) => {
        const key = (field || "").replace(/\[.*$/, "");
        if (errs[key]) {
          errs[key].textContent = msg;
          ctl[key].setAttribute("aria-invalid", "true");
          ctl[key].focus();
        } else formErr.textContent = msg;
      };
      let out;
      try {
        const fte = ctl.fte.value.trim().replace(",", ".");
        if (fte === "" || Number.isNaN(Number(fte))) throw Object.assign(new Error(t("admin.need_number")), { field: "fte" });
        out = {
          ...cur, ref: ctl.ref.value.trim(), name: ctl.name.value.trim(), job: ctl.job.value.trim(),
          site_id: Number(ctl.site_id.value) || 0, agent_id: ctl.agent_id.value ? Number(ctl.agent_id.value) : null,
          contract: ctl.contract.value, fte: Number(fte), homeshoring: ctl.homeshoring.checked,
          hire_date: ctl.hire_date.value, exit_date: ctl.exit_date.value || null, exit_reason: ctl.exit_reason.value,
          disability_recognition: ctl.disability_recognition.checked, training: parseTraining(ctl.training.value),
        };
        delete out.id;
        delete out.tenant_id;
      } catch (e) {
        fail(e.field, e.message);
        return;
      }
      try {
        if (item) await api("PUT", `${base}/${item.id}`, out);
        else await api("POST", base, out);
        say(t("admin.saved"));
        await again();
      } catch (e) {
        fail(e.field, errorText(e));
      }
    });
    slot.replaceChildren(form);
    translate(form);
    ctl.ref.focus();
  }

  // Import and export.
  const file = h("input", { type: "file", id: "wf-import-file", accept: ".csv,text/csv" });
  const importBtn = h("button", { type: "button", id: "wf-import", "data-i18n": "wf.import" });
  const exportBtn = h("button", { type: "button", id: "wf-export", "data-i18n": "wf.export" });
  const ioMsg = h("p", { class: "form-error", role: "alert", id: "wf-import-error" });
  const ioOK = h("p", { class: "muted", role: "status", id: "wf-import-result" });
  importBtn.addEventListener("click", async () => {
    ioMsg.textContent = "";
    ioOK.textContent = "";
    if (!file.files.length) {
      ioMsg.textContent = t("wf.choose_file");
      return;
    }
    try {
      const r = await api("POST", `${base}/import`, new Blob([file.files[0]], { type: "text/csv" }));
      await again();
      say(t("wf.imported", { created: r.created, updated: r.updated }));
      const msg = document.getElementById("wf-import-result");
      if (msg) msg.textContent = t("wf.imported", { created: r.created, updated: r.updated });
    } catch (e) {
      ioMsg.textContent = t("wf.import_refused", { error: errorText(e) });
    }
  });
  exportBtn.addEventListener("click", () => download(`${base}?format=csv`, "register.csv").catch((e) => (ioMsg.textContent = errorText(e))));
  const io = h("section", { class: "card", "aria-labelledby": "wf-io-title" },
    h("h3", { id: "wf-io-title", "data-i18n": "wf.io_title" }),
    h("p", { class: "hint", id: "wf-import-hint", "data-i18n": "wf.import_hint" }),
    h("div", { class: "field" }, h("label", { for: "wf-import-file", "data-i18n": "wf.import_file" }), file),
    h("div", { class: "buttons" }, importBtn, " ", exportBtn), ioMsg, ioOK);
  file.setAttribute("aria-describedby", "wf-import-hint wf-import-error");

  const rows = list.map((e) => {
    const edit = h("button", { type: "button", "aria-label": t("admin.edit_named", { name: e.name || e.ref }) }, t("admin.edit"));
    const del = h("button", { type: "button", class: "danger", "aria-label": t("admin.delete_named", { name: e.name || e.ref }) }, t("admin.delete"));
    edit.addEventListener("click", () => openForm(e));
    del.addEventListener("click", async () => {
      if (!confirm(t("admin.confirm_delete", { name: e.name || e.ref }))) return;
      try {
        await api("DELETE", `${base}/${e.id}`);
        say(t("admin.deleted"));
        await again();
      } catch (err) {
        slot.replaceChildren(h("p", { class: "notice error", role: "alert" }, errorText(err)));
      }
    });
    const hours = (e.training || []).reduce((s, x) => s + x.hours, 0);
    return h("tr", { dataset: { id: e.id } },
      h("td", {}, e.ref), h("td", {}, e.name), h("td", {}, e.job), h("td", {}, siteName(e.site_id)),
      h("td", {}, t(contractKeys[e.contract])), h("td", { class: "num" }, String(e.fte)),
      h("td", {}, e.homeshoring ? t("admin.yes") : ""), h("td", { class: "nowrap" }, e.hire_date),
      h("td", {}, e.exit_date ? [h("span", { class: "nowrap" }, e.exit_date), ` (${t(reasonKeys[e.exit_reason] || "wf.reason.other")})`] : ""),
      h("td", {}, e.disability_recognition ? t("admin.yes") : ""), h("td", { class: "num" }, dec(hours, 1)),
      h("td", { class: "row-actions" }, edit, " ", del));
  });
  const cols = ["wf.ref", "wf.name", "wf.job", "wf.site", "wf.contract", "wf.fte", "wf.homeshoring", "wf.hire_date", "wf.exit_date", "wf.disability", "wf.training_hours"];
  body.replaceChildren(
    h("div", { class: "section-head" }, h("h2", { id: "section-title", tabindex: "-1", "data-i18n": "admin.section.register" }), add),
    h("p", { class: "hint", "data-i18n": "wf.register_note" }),
    slot,
    list.length === 0 ? h("p", { class: "muted", "data-i18n": "admin.empty" }) :
      h("div", { class: "table-wrap" }, h("table", { id: "wf-register" },
        h("caption", { class: "sr-only", "data-i18n": "admin.section.register" }),
        h("thead", {}, h("tr", {}, cols.map((k, i) => h("th", { scope: "col", class: i === 5 || i === 10 ? "num" : false, "data-i18n": k })),
          h("th", { scope: "col", class: "row-actions", "data-i18n": "admin.actions" }))),
        h("tbody", {}, rows))),
    io,
    indicatorsPanel(tid));
  translate(body);
}

// indicatorsPanel is the label's indicators over a period.
function indicatorsPanel(tid) {
  const now = new Date();
  const from = h("input", { type: "date", id: "wf-ind-from", value: ymd(new Date(now.getFullYear(), 0, 1)) });
  const to = h("input", { type: "date", id: "wf-ind-to", value: ymd(now) });
  const err = h("p", { class: "form-error", role: "alert" });
  const out = h("div", { id: "wf-indicators" });
  const form = h("form", { class: "rp-fields" },
    h("div", { class: "field" }, h("label", { for: "wf-ind-from", "data-i18n": "wf.from" }), from),
    h("div", { class: "field" }, h("label", { for: "wf-ind-to", "data-i18n": "wf.to" }), to),
    h("div", { class: "field" }, h("span", {}, "\u00a0"), h("button", { type: "submit", class: "primary", "data-i18n": "wf.show" })));
  const load = async () => {
    err.textContent = "";
    try {
      const d = await api("GET", `/api/v1/tenants/${tid}/workforce/indicators?from=${from.value}&to=${to.value}`);
      out.replaceChildren(...indicators(d));
      translate(out);
    } catch (e) {
      err.textContent = errorText(e);
      out.replaceChildren();
    }
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    load();
  });
  load();
  return h("section", { class: "card", "aria-labelledby": "wf-ind-title" },
    h("h3", { id: "wf-ind-title", "data-i18n": "wf.indicators_title" }), form, err, out,
    h("p", { class: "hint", "data-i18n": "wf.indicators_defs" }));
}

function tile(id, key, value, note) {
  return h("div", { class: "card tile", id }, h("p", { class: "tile-label", "data-i18n": key }), h("p", { class: "tile-value" }, value),
    note ? h("p", { class: "hint" }, note) : null);
}

export function indicators(d) {
  const met = d.france_hire_target_met;
  return [
    h("div", { class: "tiles" },
      tile("wf-t-jobs", "wf.jobs", int(d.jobs.headcount), t("wf.fte_n", { n: dec(d.jobs.fte, 1) })),
      tile("wf-t-france-hires", "wf.france_hire_share", pct(d.france_hire_share),
        has(met) ? t(met ? "wf.target_met" : "wf.target_missed", { target: pct(d.france_hire_target), n: d.hires_france, of: d.hires }) : t("wf.no_hires")),
      tile("wf-t-france-hours", "wf.france_hours_actual", pct(d.paid_hours.france_share),
        t("wf.hours_n", { france: dec(d.paid_hours.france_hours, 0), total: dec(d.paid_hours.total_hours, 0) })),
      tile("wf-t-france-planned", "wf.france_hours_planned", pct(d.planned_hours.france_share),
        d.planned_hours.missing.length ? t("wf.missing_plans", { months: d.planned_hours.missing.join(", ") }) : t("wf.all_planned")),
      tile("wf-t-home", "wf.homeshoring_share", pct(d.homeshoring_share)),
      tile("wf-t-cdi", "wf.permanent_share", pct(d.permanent_share)),
      tile("wf-t-turnover", "wf.turnover", pct(d.turnover), t("wf.turnover_n", { exits: d.exits, avg: dec(d.average_headcount, 1) })),
      tile("wf-t-training", "wf.training_per_fte", has(d.training_hours_per_fte) ? dec(d.training_hours_per_fte, 1) : dash, t("wf.training_n", { h: dec(d.training_hours, 1) })),
      tile("wf-t-rqth", "wf.disability_share", pct(d.disability_share))),
    h("div", { class: "table-wrap" }, h("table", { id: "wf-by-site" },
      h("caption", { "data-i18n": "wf.by_site" }),
      h("thead", {}, h("tr", {}, h("th", { scope: "col", "data-i18n": "wf.site" }), h("th", { scope: "col", "data-i18n": "wf.country" }),
        h("th", { scope: "col", class: "num", "data-i18n": "wf.jobs" }), h("th", { scope: "col", class: "num", "data-i18n": "wf.fte" }))),
      h("tbody", {}, d.by_site.map((s) => h("tr", {}, h("th", { scope: "row" }, s.site), h("td", {}, s.country),
        h("td", { class: "num" }, int(s.headcount)), h("td", { class: "num" }, dec(s.fte, 1)))),
      d.by_country.map((c) => h("tr", { class: "total" }, h("th", { scope: "row" }, t("wf.country_total", { c: c.country })), h("td", {}, c.country),
        h("td", { class: "num" }, int(c.headcount)), h("td", { class: "num" }, dec(c.fte, 1)))))))];
}
