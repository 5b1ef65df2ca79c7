// The admin pages' personal-data section (GDPR, CNIL): erase a customer's
// data (by phone, e-mail or customer id, after a preview of what goes),
// the tenant's retention periods, and the audit log searched by person,
// action, object and period, exported as CSV.
import { api, apiBlob, errorText, h } from "./common.js";
import { dateTime, t, translate } from "./i18n.js";
import { field, showFieldError } from "./admin-guard.js";

// Suggestions for the audit filters: operation ids and kinds of data.
const actions = ["login", "getInteraction", "listInteractionMessages", "getRecording", "eraseCustomer", "previewErasure", "setRetention",
  "createUser", "updateUser", "deleteUser", "setUserPassword", "createToken", "deleteToken", "updateQueue", "setWidgetSettings"];
const targets = ["interactions", "messages", "voice", "users", "tokens", "session", "audit", "queues", "agents", "sites", "skills",
  "schedules", "entry-points", "canned-responses", "dispositions", "not-ready-reasons", "admin"];

const pageSize = 100;

// The CNIL's limit on keeping call recordings, in days (model.MaxRecordingDays).
const maxRecordingDays = 183;

function summary(key, r) {
  return t(key, { interactions: r.interactions, messages: r.messages, recordings: r.recordings, open: r.still_open });
}

export async function gdprSection(body, ctx, res) {
  const tid = ctx.tenant;
  const retention = await api("GET", `/api/v1/tenants/${tid}/retention`);
  const relangs = [];
  res.relang = () => relangs.forEach((fn) => fn());

  // ---- erasure ----
  const phone = h("input", { id: "erase-phone", type: "tel", autocomplete: "off", spellcheck: "false" });
  const email = h("input", { id: "erase-email", type: "email", autocomplete: "off", spellcheck: "false" });
  const customer = h("input", { id: "erase-customer", autocomplete: "off", spellcheck: "false" });
  const eraseErr = h("p", { class: "form-error", role: "alert" });
  const outcome = h("div", { class: "erase-outcome", "aria-live": "polite" });
  const er = { preview: null, result: null, error: null, key: null };
  const keyNow = () => ({ phone: phone.value.replace(/[\s.()-]/g, ""), email: email.value.trim(), customer_id: customer.value.trim() });
  const eraseForm = h("form", { class: "card admin-form", "aria-labelledby": "erase-title", novalidate: true },
    h("h3", { id: "erase-title", "data-i18n": "gdpr.erase_title" }),
    h("p", { class: "hint", "data-i18n": "gdpr.erase_hint" }),
    h("div", { class: "form-grid" }, field("phone", phone, "hint.erase_phone"), field("email", email), field("customer_id", customer)),
    eraseErr,
    h("div", { class: "buttons" }, h("button", { type: "submit", id: "erase-check", class: "primary", "data-i18n": "gdpr.erase_check" })),
    outcome);
  const paintErase = () => {
    showFieldError(eraseForm, eraseErr, er.error);
    outcome.replaceChildren();
    if (er.result) {
      outcome.append(h("p", { class: "notice", role: "status", id: "erase-result" }, summary("gdpr.erased", er.result)));
      return;
    }
    const p = er.preview;
    if (!p) return;
    if (p.interactions === 0 && p.still_open === 0) {
      outcome.append(h("p", { class: "notice", id: "erase-preview" }, t("gdpr.erase_nothing")));
      return;
    }
    const go = h("button", { type: "button", id: "erase-confirm", class: "danger", disabled: p.interactions === 0 }, t("gdpr.erase_confirm"));
    const cancel = h("button", { type: "button" }, t("admin.cancel"));
    go.addEventListener("click", async () => {
      try {
        er.error = null;
        er.result = await api("POST", `/api/v1/tenants/${tid}/erasure`, er.key);
        er.preview = null;
        ctx.say(summary("gdpr.erased", er.result));
      } catch (e) {
        er.error = e;
      }
      paintErase();
      const r = outcome.querySelector("#erase-result");
      if (r) r.focus();
    });
    cancel.addEventListener("click", () => {
      er.preview = null;
      paintErase();
    });
    outcome.append(h("div", { class: "notice warn", id: "erase-preview", tabindex: "-1" },
      h("p", {}, summary("gdpr.erase_preview", p)),
      p.still_open > 0 ? h("p", {}, t("gdpr.erase_open", { open: p.still_open })) : null,
      h("p", {}, t("gdpr.erase_kept")),
      h("div", { class: "buttons" }, go, cancel)));
  };
  // What is typed changed: the preview no longer says what would go.
  for (const el of [phone, email, customer]) {
    el.addEventListener("input", () => {
      if (er.preview || er.result) {
        er.preview = er.result = null;
        paintErase();
      }
    });
  }
  eraseForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    er.error = er.result = er.preview = null;
    er.key = keyNow();
    try {
      er.preview = await api("POST", `/api/v1/tenants/${tid}/erasure/preview`, er.key);
    } catch (e) {
      er.error = e;
    }
    paintErase();
    const p = outcome.querySelector("#erase-preview");
    if (p) p.focus();
  });
  relangs.push(paintErase);

  // ---- retention ----
  const rInputs = {
    transcript_days: h("input", { id: "ret-transcripts", type: "number", min: "0", value: retention.transcript_days }),
    recording_days: h("input", { id: "ret-recordings", type: "number", min: "1", max: String(maxRecordingDays), value: retention.recording_days }),
    customer_days: h("input", { id: "ret-customers", type: "number", min: "0", value: retention.customer_days }),
  };
  const retErr = h("p", { class: "form-error", role: "alert" });
  let retLast = null;
  const retForm = h("form", { class: "card admin-form", "aria-labelledby": "ret-title", novalidate: true },
    h("h3", { id: "ret-title", "data-i18n": "gdpr.retention_title" }),
    h("p", { class: "hint", "data-i18n": "gdpr.retention_hint" }),
    h("div", { class: "form-grid" },
      field("transcript_days", rInputs.transcript_days, "hint.keep_zero"),
      field("recording_days", rInputs.recording_days, "hint.recording_days"),
      field("customer_days", rInputs.customer_days, "hint.keep_zero")),
    retErr,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", "data-i18n": "admin.save" })));
  retForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    retLast = null;
    showFieldError(retForm, retErr, null);
    const out = {};
    for (const [k, el] of Object.entries(rInputs)) out[k] = el.value.trim() === "" ? -1 : Number(el.value);
    try {
      await api("PUT", `/api/v1/tenants/${tid}/retention`, out);
      ctx.say(t("admin.saved"));
    } catch (e) {
      retLast = e;
      showFieldError(retForm, retErr, e);
    }
  });
  relangs.push(() => showFieldError(retForm, retErr, retLast));

  // ---- audit log ----
  const f = {
    actor: h("input", { id: "audit-actor", autocomplete: "off" }),
    action: h("input", { id: "audit-action", list: "audit-actions", autocomplete: "off", spellcheck: "false" }),
    target: h("input", { id: "audit-target", list: "audit-targets", autocomplete: "off", spellcheck: "false" }),
    from: h("input", { id: "audit-from", type: "date" }),
    to: h("input", { id: "audit-to", type: "date" }),
  };
  const auditErr = h("p", { class: "form-error", role: "alert" });
  const table = h("div", { class: "audit-results" });
  const more = h("button", { type: "button", id: "audit-more", hidden: true, "data-i18n": "gdpr.audit_more" });
  const exportBtn = h("button", { type: "button", id: "audit-export", "data-i18n": "gdpr.audit_export" });
  const au = { lines: [], error: null, full: false };
  const query = (extra) => {
    const q = new URLSearchParams();
    for (const k of ["actor", "action", "target"]) if (f[k].value.trim()) q.set(k, f[k].value.trim());
    // Dates are the reader's days: from midnight to the next midnight.
    if (f.from.value) q.set("from", new Date(`${f.from.value}T00:00:00`).toISOString());
    if (f.to.value) {
      const end = new Date(`${f.to.value}T00:00:00`);
      end.setDate(end.getDate() + 1);
      q.set("to", end.toISOString());
    }
    for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
    return q.toString();
  };
  const paintAudit = () => {
    auditErr.textContent = au.error ? errorText(au.error) : "";
    more.hidden = au.full;
    if (au.lines.length === 0) {
      table.replaceChildren(h("p", { class: "muted", id: "audit-empty" }, t("gdpr.audit_none")));
      return;
    }
    table.replaceChildren(h("div", { class: "table-wrap" }, h("table", { id: "audit-table" },
      h("caption", { class: "sr-only" }, t("gdpr.audit_title")),
      h("thead", {}, h("tr", {}, ["at", "actor", "address", "action", "target", "target_id"].map((c) => h("th", { scope: "col" }, t(`gdpr.col_${c}`))))),
      h("tbody", {}, au.lines.map((e) => h("tr", {},
        h("td", {}, dateTime(e.at)), h("td", {}, e.actor), h("td", {}, e.address), h("td", {}, e.action), h("td", {}, e.target),
        h("td", { class: "num" }, e.target_id ?? "")))))));
  };
  const search = async (append) => {
    au.error = null;
    try {
      const extra = { limit: String(pageSize) };
      if (append && au.lines.length) extra.after_id = String(au.lines[au.lines.length - 1].id);
      const page = await api("GET", `/api/v1/tenants/${tid}/audit?${query(extra)}`);
      au.lines = append ? au.lines.concat(page) : page;
      au.full = page.length < pageSize;
    } catch (e) {
      au.error = e;
    }
    paintAudit();
  };
  const auditForm = h("form", { class: "card admin-form", "aria-labelledby": "audit-title", novalidate: true },
    h("h3", { id: "audit-title", "data-i18n": "gdpr.audit_title" }),
    h("p", { class: "hint", "data-i18n": "gdpr.audit_hint" }),
    h("datalist", { id: "audit-actions" }, actions.map((a) => h("option", { value: a }))),
    h("datalist", { id: "audit-targets" }, targets.map((a) => h("option", { value: a }))),
    h("div", { class: "form-grid" },
      field("audit_actor", f.actor, "hint.audit_actor"), field("audit_action", f.action), field("audit_target", f.target),
      field("audit_from", f.from), field("audit_to", f.to)),
    auditErr,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", "data-i18n": "gdpr.audit_search" }), exportBtn),
    table, more);
  auditForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    search(false);
  });
  more.addEventListener("click", () => search(true));
  exportBtn.addEventListener("click", async () => {
    au.error = null;
    try {
      const blob = await apiBlob(`/api/v1/tenants/${tid}/audit?${query({ format: "csv" })}`);
      const url = URL.createObjectURL(blob);
      const a = h("a", { href: url, download: "audit.csv", hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      ctx.say(t("gdpr.audit_exported"));
    } catch (e) {
      au.error = e;
    }
    paintAudit();
  });
  relangs.push(paintAudit);

  body.replaceChildren(
    h("div", { class: "section-head" }, h("h2", { id: "section-title", tabindex: "-1", "data-i18n": "admin.section.gdpr" })),
    eraseForm, retForm, auditForm);
  translate(body);
  await search(false);
}
