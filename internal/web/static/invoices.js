// The invoices page (/invoices): a tenant's issued invoices and credit
// notes, the month's draft (admins), issue and credit notes, and one
// invoice laid out for print on A4 (invoice.css), in French or English,
// each line opening onto the contacts or agent time behind it.
import { api, apiBlob, errorText, h, initPage, logout, me, signInForm } from "./common.js";
import { dateTime, lang, onLang, t, translate } from "./i18n.js";
import { money } from "./billing-admin.js";

const app = document.getElementById("app");
const who = document.getElementById("who");
const signout = document.getElementById("signout");
const announce = document.getElementById("announce");
document.head.append(h("link", { rel: "stylesheet", href: "/static/invoice.css" }));
initPage();

const params = new URLSearchParams(location.search);
const view = { me: null, tenant: Number(params.get("tenant")) || null, id: Number(params.get("id")) || null, month: params.get("month") || "", doc: null };

function amount(cents, currency) {
  // From the integer: the digits are never computed in floating point.
  const s = money(cents);
  const [whole, frac] = s.replace("-", "").split(".");
  const sep = lang() === "fr" ? { group: "\u202f", dec: "," } : { group: ",", dec: "." };
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, sep.group);
  const sym = currency === "EUR" ? "€" : currency;
  const sign = cents < 0 ? "-" : "";
  const n = `${grouped}${sep.dec}${frac}`;
  return lang() === "fr" ? `${sign}${n} ${sym}` : `${sign}${sym}${n}`;
}

function decimal(s) {
  return lang() === "fr" ? String(s).replace(".", ",") : String(s);
}

function day(iso, zone) {
  return new Intl.DateTimeFormat(lang(), { dateStyle: "long", timeZone: zone || "Europe/Paris" }).format(new Date(iso));
}

function monthName(period, zone) {
  const [y, m] = period.split("-").map(Number);
  return new Intl.DateTimeFormat(lang(), { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(Date.UTC(y, m - 1, 15)));
}

function lineLabel(l) {
  const unit = l.unit ? t(`bill.unit.${l.unit}`) + (l.channel ? ` (${t(`channel.${l.channel}`)})` : "") : "";
  switch (l.kind) {
    case "minimum":
      return t("bill.line.minimum");
    case "adjustment":
      return t("bill.line.adjustment", { period: l.period, unit });
    case "minimum_adjustment":
      return t("bill.line.minimum_adjustment", { period: l.period });
    case "service_level":
      return slLabel(l);
    case "credit":
      return t("bill.line.credit") + (unit ? ` — ${unit}` : l.label.startsWith("Credit: ") ? ` — ${l.label.slice(8)}` : "");
  }
  return unit;
}

// slLabel is a service-level line: bonus, penalty or neither, the
// commitment, its target, the measured value and the percentage applied
// to the month's usage lines.
function slLabel(l) {
  const d = l.service_level || {};
  const key = d.applied_bp > 0 ? "sl.bonus" : d.applied_bp < 0 ? "sl.penalty" : "sl.neither";
  const pct = (bp) => `${bp > 0 ? "+" : ""}${decimal(money(bp))} %`;
  const detail = d.status === "no_data" || !d.measured_pct
    ? t("sl.no_data", { name: d.commitment_name, target: d.target_pct ? `${d.comparison === "<=" ? "≤" : "≥"} ${decimal(d.target_pct)} %` : "–" })
    : t("sl.detail", { name: d.commitment_name, target: `${d.comparison === "<=" ? "≤" : "≥"} ${decimal(d.target_pct)} %`,
      measured: `${decimal(d.measured_pct)} %`, pct: pct(d.applied_bp), base: amount(d.base_cents, view.currency || "EUR"),
      lines: (d.base_lines || []).join(", ") || "–" }) + (d.capped ? ` ${t("sl.capped", { rule: pct(d.rule_bp), cap: decimal(money(d.cap_bp)) })}` : "");
  const link = h("a", { class: "no-print sl-report", href: `/commitments?tenant=${view.tenant}&period=${encodeURIComponent(l.period)}` }, t("sl.report"));
  return h("span", { class: "sl-line" }, h("strong", {}, t(key)), h("span", { class: "line-span sl-detail" }, ` ${detail} `), link);
}

function quantityUnit(l) {
  if (l.kind === "service_level" || (l.kind === "credit" && l.service_level)) return "";
  if (l.kind === "minimum" || l.kind === "minimum_adjustment" || (l.kind === "credit" && !l.unit)) return "";
  return t(`bill.qty.${l.unit}`);
}

async function start() {
  let m;
  try {
    m = await me();
  } catch (e) {
    app.replaceChildren(h("p", { class: "notice error", role: "alert" }, errorText(e)));
    return;
  }
  if (!m) m = await signInForm(app, { withToken: true });
  view.me = m;
  who.textContent = m.user ? m.user.display_name || m.user.login : (m.token && m.token.name) || "";
  signout.hidden = false;
  if (!m.platform_admin) view.tenant = m.tenant_id;
  if (!view.tenant && m.platform_admin) {
    const tenants = await api("GET", "/api/v1/tenants");
    view.tenant = tenants.length ? tenants[0].id : null;
  }
  await render();
}

signout.addEventListener("click", async () => {
  await logout();
  location.reload();
});

onLang(() => {
  if (view.me) render();
});

const isAdmin = () => view.me && view.me.role === "admin";

async function render() {
  try {
    if (!view.tenant) {
      app.replaceChildren(h("p", { class: "notice", "data-i18n": "bill.no_tenant" }));
    } else if (view.id || view.month) {
      await renderInvoice();
    } else {
      await renderList();
    }
  } catch (e) {
    app.replaceChildren(h("p", { class: "notice error", role: "alert" }, errorText(e)));
  }
  translate(app);
}

function go(q) {
  const u = new URL(location.href);
  u.search = new URLSearchParams({ tenant: view.tenant, ...q }).toString();
  history.pushState(null, "", u);
  view.id = Number(q.id) || null;
  view.month = q.month || "";
  render();
}

window.addEventListener("popstate", () => {
  const p = new URLSearchParams(location.search);
  view.id = Number(p.get("id")) || null;
  view.month = p.get("month") || "";
  render();
});

async function renderList() {
  const base = `/api/v1/tenants/${view.tenant}/billing`;
  const list = await api("GET", `${base}/invoices`);
  const rows = list.map((s) => h("tr", {},
    h("td", {}, h("a", { href: `?tenant=${view.tenant}&id=${s.id}`, onclick: (ev) => { ev.preventDefault(); go({ id: s.id }); } }, s.number)),
    h("td", { "data-i18n": `bill.kind.${s.kind}` }),
    h("td", {}, monthName(s.period)),
    h("td", { class: "num" }, amount(s.total_ht_cents, s.currency)),
    h("td", { class: "num" }, amount(s.vat_cents, s.currency)),
    h("td", { class: "num" }, amount(s.total_cents, s.currency)),
    h("td", {}, dateTime(s.issued_at))));
  const parts = [h("h2", { "data-i18n": "bill.invoices" })];
  if (isAdmin()) {
    const now = new Date();
    const month = h("input", { id: "draft-month", type: "month", value: `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}` });
    const err = h("p", { class: "form-error", role: "alert", id: "issue-error" });
    const preview = h("button", { type: "button", id: "preview", "data-i18n": "bill.preview" });
    preview.addEventListener("click", () => go({ month: month.value }));
    const issue = h("button", { type: "button", class: "primary", id: "issue", "data-i18n": "bill.issue" });
    issue.addEventListener("click", async () => {
      err.textContent = "";
      if (!confirm(t("bill.confirm_issue", { month: month.value }))) return;
      try {
        const inv = await api("POST", `${base}/invoices`, { month: month.value });
        announce.textContent = t("bill.issued", { number: inv.number });
        go({ id: inv.id });
      } catch (e) {
        err.textContent = errorText(e);
      }
    });
    const csv = h("button", { type: "button", id: "csv-all", "data-i18n": "bill.csv_all" });
    csv.addEventListener("click", () => download(`${base}/invoices?format=csv`, "invoice-lines.csv"));
    parts.push(h("div", { class: "card no-print draft-bar" },
      h("div", { class: "field inline" }, h("label", { for: "draft-month", "data-i18n": "bill.month" }), month), preview, issue, csv, err),
      h("p", { class: "no-print" }, h("a", { href: "/admin", "data-i18n": "bill.contracts_link" })));
  }
  parts.push(list.length === 0 ? h("p", { class: "muted", "data-i18n": "bill.none" }) : h("div", { class: "table-wrap" }, h("table", { id: "invoice-list" },
    h("thead", {}, h("tr", {}, ["bill.number", "bill.kind", "bill.period", "bill.total_ht", "bill.vat_amount", "bill.total", "bill.issued_at"]
      .map((k) => h("th", { scope: "col", "data-i18n": k })))),
    h("tbody", {}, rows))));
  app.replaceChildren(...parts);
}

async function download(path, name) {
  const blob = await apiBlob(path);
  if (!blob) return;
  const a = h("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

async function renderInvoice() {
  const base = `/api/v1/tenants/${view.tenant}/billing`;
  const inv = view.id ? await api("GET", `${base}/invoices/${view.id}`) : await api("GET", `${base}/preview?month=${encodeURIComponent(view.month)}`);
  const cur = inv.currency;
  view.currency = cur;
  const zone = inv.time_zone;
  const title = inv.kind === "credit_note" ? "bill.credit_note" : inv.status === "draft" ? "bill.draft" : "bill.invoice";
  const party = (p, key) => h("div", { class: `party ${key}` }, h("h3", { "data-i18n": `bill.${key}` }), h("p", { class: "party-name" }, p.name),
    p.address ? h("p", { class: "party-address" }, p.address) : null,
    p.registration ? h("p", {}, p.registration) : null, p.vat_number ? h("p", {}, `${t("bill.vat_number")} ${p.vat_number}`) : null,
    p.email ? h("p", {}, p.email) : null);
  const lastDay = new Date(new Date(inv.period_end).getTime() - 1).toISOString();
  const lines = inv.lines.map((l) => {
    const tr = h("tr", { class: `line line-${l.kind}` },
      h("td", { class: "num" }, String(l.no)),
      h("td", {}, lineLabel(l), l.kind !== "minimum" && l.kind !== "minimum_adjustment" && l.kind !== "service_level" && (l.from !== inv.period_start || l.to !== inv.period_end)
        ? h("span", { class: "line-span" }, ` ${t("bill.from_to", { from: day(l.from, zone), to: day(new Date(new Date(l.to).getTime() - 1).toISOString(), zone) })}`) : null),
      h("td", { class: "num" }, quantityUnit(l) ? `${decimal(l.quantity_text)} ${quantityUnit(l)}` : ""),
      h("td", { class: "num" }, quantityUnit(l) ? `${decimal(l.unit_price)} ${cur === "EUR" ? "€" : cur}` : ""),
      h("td", { class: "num" }, amount(l.amount_cents, cur)));
    if (inv.status === "issued" && inv.kind === "invoice" && l.kind !== "minimum" && l.kind !== "minimum_adjustment" && l.kind !== "service_level") {
      const b = h("button", { type: "button", class: "link no-print drill", "aria-expanded": "false", "data-line": l.no }, t("bill.details"));
      b.addEventListener("click", () => drill(b, tr, l));
      tr.children[1].append(" ", b);
    }
    return tr;
  });
  const revisions = inv.revisions.map((r) => h("li", {}, t("bill.revision", {
    date: day(r.at, zone), index: r.index, s0m: r.s0_month, s0: decimal(r.s0), s1m: r.s1_month, s1: decimal(r.s1),
    a: decimal(money(r.fixed_part_bp)), factor: decimal(r.factor),
    prices: r.prices.map((p) => `${t(`bill.unit.${p.unit}`)} ${decimal(p.before)} → ${decimal(p.after)}`).join(", "),
  })));
  const actions = h("div", { class: "no-print invoice-actions" },
    h("button", { type: "button", onclick: () => go({}), "data-i18n": "bill.back" }),
    h("button", { type: "button", class: "primary", id: "print", onclick: () => window.print(), "data-i18n": "bill.print" }),
    inv.id ? h("button", { type: "button", id: "csv", onclick: () => download(`${base}/invoices/${inv.id}?format=csv`, `${inv.number}.csv`), "data-i18n": "bill.csv" }) : null);
  if (isAdmin() && inv.status === "issued" && inv.kind === "invoice") actions.append(creditForm(inv));
  const doc = h("article", { class: "invoice", id: "invoice", lang: lang() },
    h("header", { class: "invoice-head" },
      party(inv.provider, "provider"),
      h("div", { class: "invoice-title" }, h("h2", { "data-i18n": title }),
        inv.number ? h("p", { class: "invoice-number" }, `${t("bill.number")} ${inv.number}`) : h("p", { class: "draft-note", "data-i18n": "bill.draft_note" }),
        inv.issued_at ? h("p", {}, `${t("bill.issued_on")} ${day(inv.issued_at, zone)}`) : null,
        h("p", {}, `${t("bill.period")} ${monthName(inv.period)} (${day(inv.period_start, zone)} – ${day(lastDay, zone)})`),
        inv.credits_number ? h("p", { class: "credits" }, t("bill.credits", { number: inv.credits_number })) : null,
        inv.reason ? h("p", {}, `${t("bill.reason")} ${inv.reason}`) : null,
        inv.reference ? h("p", {}, `${t("bill.reference")} ${inv.reference}`) : null),
      party(inv.client, "client")),
    h("table", { class: "invoice-lines" },
      h("thead", {}, h("tr", {}, ["#", "bill.description", "bill.quantity", "bill.unit_price", "bill.amount"]
        .map((k) => h("th", { scope: "col", class: k === "bill.description" ? "" : "num", "data-i18n": k === "#" ? null : k }, k === "#" ? "#" : null)))),
      h("tbody", {}, lines),
      h("tfoot", {},
        h("tr", {}, h("td", { colspan: 4, "data-i18n": "bill.total_ht" }), h("td", { class: "num", id: "total-ht" }, amount(inv.total_ht_cents, cur))),
        h("tr", {}, h("td", { colspan: 4 }, t("bill.vat_line", { rate: decimal(money(inv.vat_rate_bp)) })), h("td", { class: "num", id: "vat" }, amount(inv.vat_cents, cur))),
        h("tr", { class: "grand" }, h("td", { colspan: 4, "data-i18n": "bill.total" }), h("td", { class: "num", id: "total" }, amount(inv.total_cents, cur))))),
    revisions.length ? h("section", { class: "revisions" }, h("h3", { "data-i18n": "bill.indexation" }), h("ul", {}, revisions)) : null,
    inv.kind === "invoice" ? h("section", { class: "waiting" }, h("p", { id: "waiting" }, t("bill.waiting", {
      minutes: decimal(inv.waiting_not_billed_minutes), contacts: inv.contacts, handled: inv.handled_contacts,
    }))) : null,
    inv.minimum_cents > 0 ? h("p", { class: "muted" }, t("bill.minimum_line", { amount: amount(inv.minimum_cents, cur) })) : null,
    h("footer", { class: "invoice-foot" }, h("p", { "data-i18n": "bill.legal" })));
  app.replaceChildren(actions, doc);
}

async function drill(button, tr, l) {
  const open = button.getAttribute("aria-expanded") === "true";
  const next = tr.nextElementSibling;
  if (open) {
    if (next && next.classList.contains("drill-row")) next.remove();
    button.setAttribute("aria-expanded", "false");
    return;
  }
  const d = await api("GET", `/api/v1/tenants/${view.tenant}/billing/invoices/${view.id}/details?line=${l.no}`);
  const minutes = (ms) => decimal((ms / 60000).toFixed(2));
  const table = l.unit === "staffed_hour"
    ? h("table", { class: "drill-table" }, h("thead", {}, h("tr", {}, ["bill.agent", "bill.state_id", "bill.hours"].map((k) => h("th", { "data-i18n": k })))),
      h("tbody", {}, d.agent_time.map((s) => h("tr", {}, h("td", {}, `#${s.agent_id}`), h("td", {}, `#${s.agent_state_id}`), h("td", { class: "num" }, decimal((s.ms / 3600000).toFixed(2)))))))
    : h("table", { class: "drill-table" }, h("thead", {}, h("tr", {}, ["bill.contact", "bill.arrived", "bill.billed_min", "bill.waited_min"].map((k) => h("th", { "data-i18n": k })))),
      h("tbody", {}, d.contacts.map((c) => h("tr", {}, h("td", {}, `#${c.interaction_id}`), h("td", {}, dateTime(c.arrived_at)),
        h("td", { class: "num" }, minutes(c.billable_ms)), h("td", { class: "num" }, minutes(c.wait_ms))))));
  const row = h("tr", { class: "drill-row no-print" }, h("td", { colspan: 5 }, h("p", { class: "muted" }, t("bill.drill_count", { n: d.contacts.length + d.agent_time.length })), table));
  translate(row);
  tr.after(row);
  button.setAttribute("aria-expanded", "true");
}

function creditForm(inv) {
  const reason = h("input", { id: "credit-reason", required: true });
  const amountIn = h("input", { id: "credit-amount", inputmode: "decimal", placeholder: t("bill.credit_all") });
  const err = h("p", { class: "form-error", role: "alert" });
  const form = h("form", { class: "credit-form" },
    h("div", { class: "field inline" }, h("label", { for: "credit-reason", "data-i18n": "bill.reason" }), reason),
    h("div", { class: "field inline" }, h("label", { for: "credit-amount", "data-i18n": "bill.credit_amount" }), amountIn),
    h("button", { type: "submit", "data-i18n": "bill.credit" }), err);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    const body = { reason: reason.value };
    if (amountIn.value.trim()) {
      const m = /^\s*(\d{1,12})(?:[.,](\d{0,2}))?\s*$/.exec(amountIn.value);
      if (!m) {
        err.textContent = t("bill.bad_amount");
        return;
      }
      body.amount_cents = Number(m[1]) * 100 + Number((m[2] || "").padEnd(2, "0"));
    }
    try {
      const cn = await api("POST", `/api/v1/tenants/${view.tenant}/billing/invoices/${inv.id}/credit-notes`, body);
      go({ id: cn.id });
    } catch (e) {
      err.textContent = errorText(e);
    }
  });
  return form;
}

start();
