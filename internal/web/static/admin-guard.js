// The admin sections that were only in the API: users (create, password
// reset, roles), sites, API tokens, the tenant's language, the desk's
// editable lists (dispositions, not-ready reasons), the chat widget's look
// and texts, and the personal-data section (admin-gdpr.js); with the
// queue's tiers, relaxation steps and recording as fields of the queue
// form. admin.js merges guardResources into its table of sections and
// queueFields into the queue form.
import { api, ApiError, apiMessage, errorText, h } from "./common.js";
import { dateTime, number, t, translate } from "./i18n.js";
import { gdprSection } from "./admin-gdpr.js";

const roles = ["admin", "supervisor", "agent", "client_viewer"];
const siteKinds = ["onsite", "nearshore", "offshore", "homeshoring"];

function skillByName(lists, name) {
  return lists.skills.find((s) => s.name.toLowerCase() === name.trim().toLowerCase());
}

function skillNameOf(lists, id) {
  return (lists.skills.find((s) => s.id === id) || {}).name || `#${id}`;
}

// Tiers, one per line: "premium 10" (a name, then its priority).
function formatTiers(v) {
  return (v || []).map((x) => `${x.name} ${x.priority}`).join("\n");
}

function parseTiers(text) {
  return text.split("\n").map((s) => s.trim()).filter(Boolean).map((line) => {
    const m = line.match(/^(.+?)\s+(\d+)$/);
    if (!m) throw new Error(t("admin.bad_tier", { line }));
    return { name: m[1].trim(), priority: Number(m[2]) };
  });
}

// Relaxation steps, one per line: "60: support:3, sales:2" (after 60 s
// waiting, these skills at these levels); nothing after the colon: any
// agent of the queue.
function formatRelax(v, lists) {
  return (v || []).map((r) => `${r.after_seconds}: ${(r.skills || []).map((s) => `${skillNameOf(lists, s.skill_id)}:${s.min_level}`).join(", ")}`.trim()).join("\n");
}

function parseRelax(text, lists) {
  return text.split("\n").map((s) => s.trim()).filter(Boolean).map((line) => {
    const m = line.match(/^(\d+)\s*(?:s\s*)?:(.*)$/);
    if (!m) throw new Error(t("admin.bad_relax", { line }));
    const skills = m[2].split(",").map((s) => s.trim()).filter(Boolean).map((part) => {
      const p = part.match(/^(.+?)\s*:\s*(\d+)$/);
      if (!p) throw new Error(t("admin.bad_skill", { part }));
      const sk = skillByName(lists, p[1]);
      if (!sk) throw new Error(t("admin.unknown_skill", { name: p[1].trim() }));
      return { skill_id: sk.id, min_level: Number(p[2]) };
    });
    return { after_seconds: Number(m[1]), skills };
  });
}

export const queueFields = [
  { name: "tiers", kind: "lines", hint: "hint.tiers", format: formatTiers, parse: parseTiers },
  { name: "aging_per_minute", kind: "number", step: "any" },
  { name: "relax", kind: "lines", hint: "hint.relax", format: formatRelax, parse: parseRelax },
  { name: "recording", kind: "checkbox" },
  { name: "recording_retention_days", kind: "number" },
  // Voice queues: the keypad survey (1-5) once the agent hangs up.
  { name: "voice_survey", kind: "checkbox", hint: "hint.voice_survey" },
];

// showFieldError puts an API error next to its field in a form of ours
// (inputs named by data-field), else in the form's own error line.
function showFieldError(form, formErr, e) {
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of form.querySelectorAll(".field-error")) el.textContent = "";
  formErr.textContent = "";
  if (!e) return;
  const wrap = e instanceof ApiError && e.field ? form.querySelector(`[data-field="${CSS.escape(e.field)}"]`) : null;
  if (wrap) {
    wrap.querySelector(".field-error").textContent = apiMessage(e);
    const input = wrap.querySelector("input, select, textarea");
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  formErr.textContent = errorText(e);
}

// field is a labelled input of ours; kind "textarea" or an input type.
export function field(name, input, hintKey) {
  const id = input.id;
  const err = h("p", { class: "field-error", id: `${id}-error` });
  const hint = hintKey ? h("p", { class: "hint", id: `${id}-hint`, "data-i18n": hintKey }) : null;
  input.setAttribute("aria-describedby", [hint ? `${id}-hint` : "", `${id}-error`].filter(Boolean).join(" "));
  const inline = input.type === "checkbox";
  return h("div", { class: inline ? "field inline" : "field", dataset: { field: name } },
    inline ? [input, h("label", { for: id, "data-i18n": `field.${name}` })] : [h("label", { for: id, "data-i18n": `field.${name}` }), input],
    hint, err);
}

export { showFieldError };

// passwordReset sets a user's password (the user's other sessions and open
// desks close at once).
function passwordReset(item) {
  const input = h("input", { id: "reset-password", type: "password", autocomplete: "new-password" });
  const formErr = h("p", { class: "form-error", role: "alert" });
  const done = h("p", { role: "status" });
  let lastErr = null;
  const form = h("form", { class: "card admin-form", "aria-labelledby": "reset-title", novalidate: true },
    h("h3", { id: "reset-title", "data-i18n": "admin.reset_title" }),
    field("password", input, "hint.password"),
    formErr, done,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", "data-i18n": "admin.reset_password" })));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    done.textContent = "";
    lastErr = null;
    showFieldError(form, formErr, null);
    try {
      await api("POST", `/api/v1/tenants/${item.tenant_id}/users/${item.id}/password`, { password: input.value });
      input.value = "";
      done.textContent = t("admin.password_set", { name: item.login });
    } catch (e) {
      lastErr = e;
      showFieldError(form, formErr, e);
    }
  });
  form.relang = () => showFieldError(form, formErr, lastErr);
  return form;
}

const users = {
  path: (tid) => `/api/v1/tenants/${tid}/users`,
  columns: ["login", "display_name", "role", "agent_id", "disabled"],
  blank: { login: "", display_name: "", pseudonym: "", role: "supervisor", agent_id: null, disabled: false, password: "" },
  fields: [
    { name: "login", required: true, autocomplete: "off" },
    { name: "display_name", required: true },
    // Customers see it instead of the first name (agents).
    { name: "pseudonym", hint: "hint.pseudonym", maxlength: 30 },
    { name: "role", kind: "select", options: roles.map((r) => [r, `role.${r}`]) },
    { name: "agent_id", kind: "select", nullable: true, options: (l) => l.agents.map((a) => [a.id, a.name]) },
    { name: "password", type: "password", autocomplete: "new-password", createOnly: true, hint: "hint.password" },
    { name: "disabled", kind: "checkbox", hint: "hint.disabled" },
  ],
  note: "admin.note_users",
  cell: (item, col, lists) => {
    if (col === "role") return t(`role.${item.role}`);
    if (col === "agent_id") return item.agent_id ? (lists.agents.find((a) => a.id === item.agent_id) || {}).name || `#${item.agent_id}` : "";
    return undefined;
  },
  extra: (item) => (item ? passwordReset(item) : null),
};

const sites = {
  path: (tid) => `/api/v1/tenants/${tid}/sites`,
  columns: ["name", "country", "kind", "cost_per_hour"],
  blank: { name: "", country: "FR", kind: "onsite", cost_per_hour: 0 },
  fields: [
    { name: "name", required: true },
    { name: "country", required: true, hint: "hint.country" },
    { name: "kind", kind: "select", options: siteKinds.map((k) => [k, `site_kind.${k}`]) },
    // An amount to the cent: the server refuses more than 2 decimals. The
    // number typed goes out as the same decimal (JSON.stringify writes the
    // shortest form, exact for amounts of up to 15 digits).
    { name: "cost_per_hour", kind: "number", step: "0.01" },
  ],
  cell: (item, col) => {
    if (col === "kind") return t(`site_kind.${item.kind}`);
    if (col === "cost_per_hour") return number(item.cost_per_hour, 2);
    return undefined;
  },
};

const reasonList = (plural, note) => ({
  path: (tid) => `/api/v1/tenants/${tid}/${plural}`,
  columns: ["code", "label", "position"],
  blank: { code: "", label: "", position: 0 },
  fields: [{ name: "code", label: "field.reason_code", required: true, hint: "hint.reason_code" }, { name: "label", required: true }, { name: "position", kind: "number" }],
  note,
});

// ---- API tokens ----
async function renderTokens(body, ctx) {
  const q = ctx.me.platform_admin ? `?tenant_id=${ctx.tenant}` : "";
  const list = await api("GET", `/api/v1/tokens${q}`);
  const name = h("input", { id: "token-name", autocomplete: "off" });
  const formErr = h("p", { class: "form-error", role: "alert" });
  const created = h("div", { class: "token-created" });
  let lastErr = null;
  const form = h("form", { class: "card admin-form", "aria-labelledby": "token-form-title", novalidate: true },
    h("h3", { id: "token-form-title", "data-i18n": "admin.token_new" }),
    field("name", name),
    formErr,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", "data-i18n": "admin.create" })));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    lastErr = null;
    showFieldError(form, formErr, null);
    try {
      const tok = await api("POST", "/api/v1/tokens", { name: name.value.trim(), tenant_id: ctx.tenant });
      await renderTokens(body, ctx);
      const out = h("output", { id: "token-plaintext", class: "token-plaintext" }, tok.token);
      body.querySelector(".token-created").replaceChildren(h("div", { class: "notice", role: "status" },
        h("p", { "data-i18n": "admin.token_once" }), out));
      translate(body);
      ctx.say(t("admin.created"));
    } catch (e) {
      lastErr = e;
      showFieldError(form, formErr, e);
    }
  });
  resources.tokens.relang = () => showFieldError(form, formErr, lastErr);
  const rows = list.map((tok) => {
    const del = h("button", { type: "button", class: "danger", "aria-label": t("admin.revoke_named", { name: tok.name }) }, t("admin.revoke"));
    del.addEventListener("click", async () => {
      if (!confirm(t("admin.confirm_revoke", { name: tok.name }))) return;
      try {
        await api("DELETE", `/api/v1/tokens/${tok.id}${q}`);
        ctx.say(t("admin.revoked"));
        await renderTokens(body, ctx);
      } catch (e) {
        formErr.textContent = errorText(e);
      }
    });
    return h("tr", { dataset: { id: tok.id } },
      h("td", { class: "num" }, tok.id),
      h("td", {}, tok.name),
      h("td", {}, dateTime(tok.created_at)),
      h("td", {}, tok.last_used_at ? dateTime(tok.last_used_at) : "\u2014"),
      h("td", { class: "row-actions" }, del));
  });
  body.replaceChildren(
    h("div", { class: "section-head" }, h("h2", { id: "section-title", tabindex: "-1", "data-i18n": "admin.section.tokens" })),
    h("p", { class: "hint", "data-i18n": "admin.note_tokens" }),
    created, form,
    list.length === 0
      ? h("p", { class: "muted", "data-i18n": "admin.empty" })
      : h("div", { class: "table-wrap" }, h("table", {},
          h("caption", { class: "sr-only", "data-i18n": "admin.section.tokens" }),
          h("thead", {}, h("tr", {}, h("th", { class: "num", scope: "col" }, "#"),
            ["name", "created_at", "last_used_at"].map((c) => h("th", { scope: "col", "data-i18n": `field.${c}` })),
            h("th", { scope: "col", class: "row-actions", "data-i18n": "admin.actions" }))),
          h("tbody", {}, rows))));
  translate(body);
}

// ---- the tenant's language ----
async function renderLanguage(body, ctx) {
  const path = `/api/v1/tenants/${ctx.tenant}/language`;
  const cur = await api("GET", path);
  const sel = h("select", { id: "tenant-language" },
    ["fr", "en"].map((l) => h("option", { value: l, selected: l === cur.language, "data-i18n": `admin.lang_${l}` })));
  const formErr = h("p", { class: "form-error", role: "alert" });
  let lastErr = null;
  const form = h("form", { class: "card admin-form", "aria-labelledby": "section-title", novalidate: true },
    field("language", sel, "hint.language"),
    formErr,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", "data-i18n": "admin.save" })));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    lastErr = null;
    showFieldError(form, formErr, null);
    try {
      await api("PUT", path, { language: sel.value });
      ctx.say(t("admin.saved"));
    } catch (e) {
      lastErr = e;
      showFieldError(form, formErr, e);
    }
  });
  resources.language.relang = () => showFieldError(form, formErr, lastErr);
  body.replaceChildren(h("div", { class: "section-head" }, h("h2", { id: "section-title", tabindex: "-1", "data-i18n": "admin.section.language" })), form);
}

// ---- the chat widget ----
// contrast is the WCAG ratio of two #rrggbb colours (as the server checks).
export function contrast(a, b) {
  const lum = (hex) => {
    const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

async function renderWidget(body, ctx) {
  const entries = (await api("GET", `/api/v1/tenants/${ctx.tenant}/entry-points`)).filter((e) => e.kind === "chat");
  const head = h("div", { class: "section-head" }, h("h2", { id: "section-title", tabindex: "-1", "data-i18n": "admin.section.widget" }));
  if (entries.length === 0) {
    body.replaceChildren(head, h("p", { class: "muted", "data-i18n": "admin.widget_no_chat" }));
    return;
  }
  const state = resources.widget.state || (resources.widget.state = {});
  if (!entries.some((e) => e.id === state.entry)) state.entry = entries[0].id;
  const pick = h("select", { id: "widget-entry" }, entries.map((e) => h("option", { value: e.id, selected: e.id === state.entry }, e.address)));
  const slot = h("div");
  pick.addEventListener("change", () => {
    state.entry = Number(pick.value);
    showEntry().catch((e) => slot.replaceChildren(h("p", { class: "notice error", role: "alert" }, errorText(e))));
  });
  const showEntry = async () => {
    const ep = entries.find((e) => e.id === state.entry);
    const path = `/api/v1/tenants/${ctx.tenant}/entry-points/${ep.id}/widget`;
    const w = await api("GET", path);
    const custom = h("input", { id: "widget-custom", type: "checkbox", checked: !!w.colour });
    const colour = h("input", { id: "widget-colour", type: "color", value: w.colour || "#0b5cad" });
    const text = h("input", { id: "widget-text-colour", type: "color", value: w.text_colour || "#ffffff" });
    const logo = h("input", { id: "widget-logo", value: w.logo_url, spellcheck: "false", placeholder: "https://" });
    const greeting = h("textarea", { id: "widget-greeting", rows: "2" }, w.greeting);
    const closed = h("textarea", { id: "widget-closed", rows: "2" }, w.closed_text);
    const sample = h("span", { class: "widget-sample-text", "data-i18n": "admin.widget_sample" });
    const ratio = h("span", { class: "widget-ratio" });
    const preview = h("div", { class: "widget-preview", "aria-hidden": "true" }, sample);
    const formErr = h("p", { class: "form-error", role: "alert" });
    let lastErr = null;
    const paint = () => {
      colour.disabled = text.disabled = !custom.checked;
      preview.style.background = custom.checked ? colour.value : "";
      preview.style.color = custom.checked ? text.value : "";
      const r = contrast(colour.value, text.value);
      ratio.textContent = custom.checked ? t("admin.widget_contrast", { ratio: r.toFixed(1) }) : "";
      ratio.classList.toggle("bad", custom.checked && r < 4.5);
    };
    for (const el of [custom, colour, text]) el.addEventListener("input", paint);
    const form = h("form", { class: "card admin-form", "aria-labelledby": "widget-form-title", novalidate: true },
      h("h3", { id: "widget-form-title" }, ep.address),
      h("div", { class: "form-grid" },
        field("custom_colours", custom),
        field("colour", colour),
        field("text_colour", text, "hint.text_colour"),
        h("div", { class: "field" }, preview, ratio),
        field("logo_url", logo, "hint.logo_url"),
        field("greeting", greeting, "hint.greeting"),
        field("closed_text", closed, "hint.closed_text")),
      formErr,
      h("div", { class: "buttons" },
        h("button", { type: "submit", class: "primary", "data-i18n": "admin.save" }),
        h("a", { class: "button", href: `/try/${encodeURIComponent(ep.address)}`, target: "_blank", rel: "noopener", "data-i18n": "admin.widget_try" })));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      lastErr = null;
      showFieldError(form, formErr, null);
      const out = {
        colour: custom.checked ? colour.value : "",
        text_colour: custom.checked ? text.value : "",
        logo_url: logo.value.trim(),
        greeting: greeting.value.trim(),
        closed_text: closed.value.trim(),
      };
      try {
        await api("PUT", path, out);
        ctx.say(t("admin.saved"));
      } catch (e) {
        lastErr = e;
        showFieldError(form, formErr, e);
      }
    });
    resources.widget.relang = () => {
      paint();
      showFieldError(form, formErr, lastErr);
    };
    slot.replaceChildren(form);
    translate(slot);
    paint();
  };
  body.replaceChildren(head, h("p", { class: "hint", "data-i18n": "admin.note_widget" }),
    h("div", { class: "field inline" }, h("label", { for: "widget-entry", "data-i18n": "admin.widget_entry" }), pick), slot);
  await showEntry();
}

// The sections, in the order of the navigation after admin.js's own.
export const guardResources = {
  users,
  sites,
  dispositions: reasonList("dispositions", "admin.note_dispositions"),
  "not-ready-reasons": reasonList("not-ready-reasons", "admin.note_not_ready"),
  widget: { render: renderWidget },
  language: { render: renderLanguage },
  tokens: { render: renderTokens },
  gdpr: { render: (body, ctx) => gdprSection(body, ctx, resources.gdpr) },
};

const resources = guardResources;
