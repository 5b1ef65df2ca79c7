// The admin page's contracts section: a tenant's contract versions (kept,
// never overwritten) and the form of a new version, through
// /api/v1/tenants/{tid}/billing/contracts. Amounts are typed as decimals
// and sent as integer cents and decimal strings: never as floats.
import { api, errorText, h } from "./common.js";
import { t, translate } from "./i18n.js";

// cents reads "1500" or "1500.5" as integer cents; null if it is not a decimal.
export function cents(s) {
  const m = /^\s*(\d{1,12})(?:[.,](\d{0,2}))?\s*$/.exec(s || "");
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || "").padEnd(2, "0"));
}

// basisPoints reads a percentage "20" or "5.5" as basis points.
function basisPoints(s) {
  const m = /^\s*(\d{1,3})(?:[.,](\d{0,2}))?\s*$/.exec(s || "");
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || "").padEnd(2, "0"));
}

// money formats integer cents as a decimal string "1234.50".
export function money(c) {
  const neg = c < 0;
  const a = Math.abs(c);
  return `${neg ? "-" : ""}${Math.floor(a / 100)}.${String(a % 100).padStart(2, "0")}`;
}

function field(id, key, input, hint) {
  return h("div", { class: "field" }, h("label", { for: id, "data-i18n": key }), input,
    hint ? h("p", { class: "hint", "data-i18n": hint }) : null, h("p", { class: "field-error", id: `${id}-error`, role: "alert" }));
}

function unitRow(u, rows) {
  const unit = h("select", { "aria-label": t("bill.unit"), class: "unit-unit" },
    ["handled_minute", "handled_contact", "staffed_hour"].map((v) => h("option", { value: v, selected: u.unit === v }, t(`bill.unit.${v}`))));
  const channel = h("select", { "aria-label": t("bill.channel"), class: "unit-channel" },
    [["", "bill.channel.all"], ["voice", "channel.voice"], ["chat", "channel.chat"]].map(([v, k]) => h("option", { value: v, selected: (u.channel || "") === v }, t(k))));
  const price = h("input", { class: "unit-price", inputmode: "decimal", value: u.price || "", "aria-label": t("bill.price"), placeholder: "0.4250" });
  const del = h("button", { type: "button", class: "danger", "aria-label": t("bill.remove_unit") }, "×");
  const row = h("div", { class: "row-fields unit-row" }, unit, channel, price, del);
  del.addEventListener("click", () => row.remove());
  rows.append(row);
}

// renderContracts fills body with the tenant's versions and the form.
export async function renderContracts(body, { tenant, say }) {
  const versions = await api("GET", `/api/v1/tenants/${tenant}/billing/contracts`);
  const commitments = await api("GET", `/api/v1/tenants/${tenant}/commitments`).catch(() => []);
  const cmName = (id) => (commitments.find((c) => c.id === id) || { name: `#${id}` }).name;
  const slText = (sl) => sl ? t("sl.summary", { name: cmName(sl.commitment_id), penalty: money(sl.penalty_bp_per_point), bonus: money(sl.bonus_bp_per_point),
    cap: money(sl.cap_bp) }) : t("admin.no");
  const last = versions[versions.length - 1];
  const table = h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, ["bill.version", "bill.valid_from", "bill.units", "bill.minimum", "bill.indexation", "sl.clause", "bill.vat", "bill.retroactive"]
      .map((k) => h("th", { scope: "col", "data-i18n": k })))),
    h("tbody", {}, versions.map((v) => h("tr", {},
      h("td", {}, String(v.version)), h("td", {}, v.valid_from),
      h("td", {}, v.units.map((u) => `${t(`bill.unit.${u.unit}`)}${u.channel ? ` (${t(`channel.${u.channel}`)})` : ""} ${u.price}`).join(", ")),
      h("td", {}, `${money(v.monthly_minimum_cents)} ${v.currency}`),
      h("td", {}, v.indexation ? `${v.indexation.index} ${v.indexation.base_month}, ${v.indexation.anniversary}` : t("admin.no")),
      h("td", { class: "sl-summary" }, slText(v.service_level)),
      h("td", {}, `${money(v.vat_rate_bp)} %`),
      h("td", {}, v.retroactive_discount ? t("admin.yes") : t("admin.no")))))));

  const base = last || { valid_from: "", currency: "EUR", time_zone: "Europe/Paris", units: [{ unit: "handled_minute", price: "" }],
    monthly_minimum_cents: 0, indexation: null, vat_rate_bp: 2000, client: { name: "" }, reference: "" };
  const inp = (id, value, attrs = {}) => h("input", { id, value: value ?? "", ...attrs });
  const validFrom = inp("c-valid_from", "", { type: "date", required: true });
  const currency = inp("c-currency", base.currency, { maxlength: 3 });
  const zone = inp("c-time_zone", base.time_zone);
  const minimum = inp("c-minimum", money(base.monthly_minimum_cents), { inputmode: "decimal" });
  const vat = inp("c-vat", money(base.vat_rate_bp), { inputmode: "decimal" });
  const rows = h("div", { class: "unit-rows", id: "c-units" });
  for (const u of base.units) unitRow(u, rows);
  const addUnit = h("button", { type: "button", "data-i18n": "bill.add_unit" });
  addUnit.addEventListener("click", () => unitRow({ unit: "handled_minute", price: "" }, rows));
  const ix = base.indexation || {};
  const indexed = h("input", { id: "c-indexed", type: "checkbox", checked: !!base.indexation });
  const index = inp("c-index", ix.index || "syntec");
  const baseMonth = inp("c-base_month", ix.base_month || "", { type: "month", placeholder: "2025-10" });
  const anniversary = inp("c-anniversary", ix.anniversary || "01-01", { placeholder: "01-01", pattern: "\\d\\d-\\d\\d" });
  const fixed = inp("c-fixed", String((ix.fixed_part_bp || 1500) / 100), { inputmode: "decimal" });
  const sl = base.service_level || {};
  const slOn = h("input", { id: "c-sl", type: "checkbox", checked: !!base.service_level });
  const slCommitment = h("select", { id: "c-sl_commitment" }, h("option", { value: "" }, "—"),
    commitments.filter((c) => c.kind !== "satisfaction").map((c) => h("option", { value: String(c.id), selected: c.id === sl.commitment_id }, c.name)));
  const slPenalty = inp("c-sl_penalty", money(sl.penalty_bp_per_point ?? 100), { inputmode: "decimal" });
  const slBonus = inp("c-sl_bonus", money(sl.bonus_bp_per_point ?? 25), { inputmode: "decimal" });
  const slCap = inp("c-sl_cap", money(sl.cap_bp ?? 500), { inputmode: "decimal" });
  const cl = base.client || {};
  const cname = inp("c-client_name", cl.name, { required: true });
  const caddr = h("textarea", { id: "c-client_address", rows: 2 }, cl.address || "");
  const cvat = inp("c-client_vat", cl.vat_number);
  const creg = inp("c-client_registration", cl.registration);
  const cmail = inp("c-client_email", cl.email, { type: "email" });
  const ref = inp("c-reference", base.reference);
  const formErr = h("p", { class: "form-error", role: "alert", id: "contract-error" });
  const form = h("form", { class: "card contract-form", "aria-labelledby": "contract-form-title", novalidate: true },
    h("h3", { id: "contract-form-title", "data-i18n": last ? "bill.new_version" : "bill.first_version" }),
    h("p", { class: "hint", "data-i18n": "bill.no_retroactive" }),
    field("c-valid_from", "bill.valid_from", validFrom),
    h("div", { class: "row-fields" }, field("c-currency", "bill.currency", currency), field("c-time_zone", "bill.time_zone", zone)),
    h("fieldset", {}, h("legend", { "data-i18n": "bill.units" }), h("p", { class: "hint", "data-i18n": "bill.units_hint" }), rows, addUnit,
      h("p", { class: "field-error", id: "c-units-error", role: "alert" })),
    h("div", { class: "row-fields" }, field("c-minimum", "bill.minimum", minimum), field("c-vat", "bill.vat_pct", vat)),
    h("fieldset", {}, h("legend", { "data-i18n": "bill.indexation" }),
      h("div", { class: "field inline" }, indexed, h("label", { for: "c-indexed", "data-i18n": "bill.indexed" })),
      h("p", { class: "hint", "data-i18n": "bill.formula" }),
      h("div", { class: "row-fields" }, field("c-index", "bill.index", index), field("c-base_month", "bill.base_month", baseMonth),
        field("c-anniversary", "bill.anniversary", anniversary), field("c-fixed", "bill.fixed_part", fixed))),
    h("fieldset", { id: "c-sl-set" }, h("legend", { "data-i18n": "sl.clause" }),
      h("div", { class: "field inline" }, slOn, h("label", { for: "c-sl", "data-i18n": "sl.enabled" })),
      h("p", { class: "hint", "data-i18n": "sl.rule" }),
      field("c-sl_commitment", "sl.commitment", slCommitment),
      h("div", { class: "row-fields" }, field("c-sl_penalty", "sl.penalty_per_point", slPenalty), field("c-sl_bonus", "sl.bonus_per_point", slBonus),
        field("c-sl_cap", "sl.cap", slCap)),
      h("p", { class: "field-error", id: "c-sl-error", role: "alert" })),
    h("fieldset", {}, h("legend", { "data-i18n": "bill.client" }),
      field("c-client_name", "bill.client_name", cname), field("c-client_address", "bill.client_address", caddr),
      h("div", { class: "row-fields" }, field("c-client_vat", "bill.client_vat", cvat), field("c-client_registration", "bill.client_registration", creg),
        field("c-client_email", "bill.client_email", cmail)),
      field("c-reference", "bill.reference_field", ref)),
    formErr,
    h("button", { type: "submit", class: "primary", "data-i18n": "bill.save_version" }));
  const fieldIDs = { valid_from: "c-valid_from", currency: "c-currency", time_zone: "c-time_zone", monthly_minimum_cents: "c-minimum",
    vat_rate_bp: "c-vat", "indexation.index": "c-index", "indexation.base_month": "c-base_month", "indexation.anniversary": "c-anniversary",
    "indexation.fixed_part_bp": "c-fixed", "client.name": "c-client_name", "client.address": "c-client_address", "client.vat_number": "c-client_vat",
    "client.registration": "c-client_registration", "client.email": "c-client_email", reference: "c-reference",
    service_level: "c-sl", "service_level.commitment_id": "c-sl_commitment", "service_level.penalty_bp_per_point": "c-sl_penalty",
    "service_level.bonus_bp_per_point": "c-sl_bonus", "service_level.cap_bp": "c-sl_cap" };
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
    formErr.textContent = "";
    const show = (f, msg) => {
      const id = fieldIDs[f] || (f.startsWith("units") ? "c-units" : "");
      const el = id && form.querySelector(`#${id}-error`);
      if (el) {
        el.textContent = msg;
        const input = form.querySelector(`#${id}`);
        if (input && input.focus) input.focus();
      } else formErr.textContent = msg;
    };
    const min = cents(minimum.value);
    const vatBP = basisPoints(vat.value);
    const fixedBP = basisPoints(fixed.value);
    if (min === null) return show("monthly_minimum_cents", t("bill.bad_amount"));
    if (vatBP === null) return show("vat_rate_bp", t("bill.bad_amount"));
    const terms = {
      valid_from: validFrom.value, currency: currency.value.trim(), time_zone: zone.value.trim(), monthly_minimum_cents: min, vat_rate_bp: vatBP,
      units: [...rows.querySelectorAll(".unit-row")].map((r) => {
        const u = { unit: r.querySelector(".unit-unit").value, price: r.querySelector(".unit-price").value.trim().replace(",", ".") };
        const ch = r.querySelector(".unit-channel").value;
        if (ch) u.channel = ch;
        return u;
      }),
      client: { name: cname.value, address: caddr.value, vat_number: cvat.value, registration: creg.value, email: cmail.value },
      reference: ref.value,
    };
    if (indexed.checked) {
      if (fixedBP === null) return show("indexation.fixed_part_bp", t("bill.bad_amount"));
      terms.indexation = { index: index.value.trim(), base_month: baseMonth.value, anniversary: anniversary.value.trim(), fixed_part_bp: fixedBP };
    }
    if (slOn.checked) {
      const pen = basisPoints(slPenalty.value), bon = basisPoints(slBonus.value), cap = basisPoints(slCap.value);
      if (pen === null) return show("service_level.penalty_bp_per_point", t("bill.bad_amount"));
      if (bon === null) return show("service_level.bonus_bp_per_point", t("bill.bad_amount"));
      if (cap === null) return show("service_level.cap_bp", t("bill.bad_amount"));
      terms.service_level = { commitment_id: Number(slCommitment.value) || 0, penalty_bp_per_point: pen, bonus_bp_per_point: bon, cap_bp: cap };
    }
    try {
      const v = await api("POST", `/api/v1/tenants/${tenant}/billing/contracts`, terms);
      say(t("bill.saved", { version: v.version }));
      await renderContracts(body, { tenant, say });
      const st = body.querySelector("#contract-status");
      if (st) {
        st.hidden = false;
        st.textContent = t("bill.saved", { version: v.version });
      }
    } catch (e) {
      show(e.field || "", errorText(e));
    }
  });
  body.replaceChildren(
    h("h2", { id: "section-title", tabindex: "-1", "data-i18n": "admin.section.contracts" }),
    h("p", {}, h("a", { href: `/invoices?tenant=${tenant}`, "data-i18n": "bill.see_invoices" })),
    h("p", { class: "notice", id: "contract-status", role: "status", hidden: !!versions.length }, versions.length ? "" : t("bill.no_contract")),
    table, form);
  translate(body);
}
