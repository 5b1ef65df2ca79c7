// The admin pages: tenants (platform admins), queues, skills, agents,
// schedules and entry points through the REST API. An API error that names
// a field is shown next to that field.
import { api, apiBlob, ApiError, apiMessage, errorText, h, initPage, logout, me, signInForm } from "./common.js";
import { onLang, t, translate } from "./i18n.js";
import { guardResources, queueFields } from "./admin-guard.js";
import { registerSection } from "./register.js";
import { renderContracts } from "./billing-admin.js";
import { commitments } from "./admin_commitments.js";

const app = document.getElementById("app");
const who = document.getElementById("who");
const signout = document.getElementById("signout");
const announce = document.getElementById("announce");
initPage();

const days = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, dim: 0, lun: 1, mar: 2, mer: 3, jeu: 4, ven: 5, sam: 6 };
const dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

// Field kinds: text, number, checkbox, select (options: list of [value, key]
// or a function of the loaded lists), skills ("name:level, ..."), weekly
// (lines "mon 09:00-18:00"), dates ("2026-12-25, ..."), menu (lines "1 =
// queue name"), lines (a textarea the field's format(value, lists) fills
// and parse(text, lists) reads, throwing an Error to refuse). A field with
// createOnly is left out of the edit form; type sets a text input's type;
// label is the key of its label (default field.<name>), hint of its hint.
// A resource with render(body, ctx) draws its own section; note is a hint
// key shown under the section's title; cell(item, col, lists) formats a
// column (undefined: the default).
const resources = {
  tenants: {
    platform: true,
    path: () => "/api/v1/tenants",
    columns: ["slug", "name"],
    blank: { slug: "", name: "" },
    fields: [{ name: "slug", required: true }, { name: "name", required: true }],
  },
  queues: {
    path: (tid) => `/api/v1/tenants/${tid}/queues`,
    columns: ["name", "channel", "priority", "wrap_up_seconds"],
    blank: { name: "", channel: "chat", priority: 0, sl_target_pct: 80, sl_threshold_seconds: 20, skills: [], relax: [], max_wait_seconds: 0, max_waiting: 0,
      overflow: { action: "none", queue_id: null, message: "" }, schedule_id: null, tiers: [], aging_per_minute: 0, strategy: "longest_idle",
      offer_timeout_seconds: 20, wrap_up_seconds: 30, recording: false, recording_retention_days: 0, voice_survey: false },
    fields: [
      { name: "name", required: true },
      { name: "channel", kind: "select", options: [["chat", "channel.chat"], ["voice", "channel.voice"]] },
      { name: "priority", kind: "number" },
      { name: "sl_target_pct", kind: "number", step: "any" },
      { name: "sl_threshold_seconds", kind: "number" },
      { name: "skills", kind: "skills", levelKey: "min_level" },
      { name: "strategy", kind: "select", options: ["longest_idle", "most_skilled", "least_handled", "round_robin"].map((s) => [s, `strategy.${s}`]) },
      { name: "offer_timeout_seconds", kind: "number" },
      { name: "wrap_up_seconds", kind: "number" },
      { name: "max_wait_seconds", kind: "number" },
      { name: "max_waiting", kind: "number" },
      { name: "overflow.action", kind: "select", options: ["none", "queue", "callback", "close"].map((s) => [s, `overflow_action.${s}`]) },
      { name: "overflow.queue_id", kind: "select", nullable: true, options: (l) => l.queues.map((q) => [q.id, q.name]) },
      { name: "overflow.message" },
      { name: "schedule_id", kind: "select", nullable: true, options: (l) => l.schedules.map((s) => [s.id, s.name]) },
      ...queueFields,
    ],
  },
  skills: {
    path: (tid) => `/api/v1/tenants/${tid}/skills`,
    columns: ["name"],
    blank: { name: "" },
    fields: [{ name: "name", required: true }],
  },
  agents: {
    path: (tid) => `/api/v1/tenants/${tid}/agents`,
    columns: ["name", "site_id", "chat_capacity", "skills"],
    blank: { name: "", site_id: 0, skills: [], voice_capacity: 0, chat_capacity: 3, blend: false },
    fields: [
      { name: "name", required: true },
      { name: "site_id", kind: "select", options: (l) => l.sites.map((s) => [s.id, s.name]) },
      { name: "skills", kind: "skills", levelKey: "level" },
      { name: "chat_capacity", kind: "number" },
      { name: "voice_capacity", kind: "number" },
      { name: "blend", kind: "checkbox" },
    ],
  },
  schedules: {
    path: (tid) => `/api/v1/tenants/${tid}/schedules`,
    columns: ["name", "time_zone", "always_open"],
    blank: { name: "", time_zone: "Europe/Paris", always_open: false, weekly: [], holidays: [] },
    fields: [
      { name: "name", required: true },
      { name: "time_zone", required: true },
      { name: "always_open", kind: "checkbox" },
      { name: "weekly", kind: "weekly" },
      { name: "holidays", kind: "dates" },
    ],
  },
  "entry-points": {
    path: (tid) => `/api/v1/tenants/${tid}/entry-points`,
    columns: ["kind", "address", "queue_id", "menu"],
    blank: { kind: "chat", address: "", queue_id: 0, schedule_id: null, welcome: "", menu: null },
    fields: [
      { name: "kind", kind: "select", options: [["chat", "channel.chat"], ["phone", "entry.phone"]] },
      { name: "address", required: true },
      { name: "queue_id", kind: "select", options: (l) => l.queues.map((q) => [q.id, q.name]) },
      { name: "schedule_id", kind: "select", nullable: true, options: (l) => l.schedules.map((s) => [s.id, s.name]) },
      { name: "welcome" },
      { name: "menu", kind: "menu" },
    ],
    // The recorded prompt of a phone entry's menu, uploaded apart.
    extra: (item, slot) => (item && item.kind === "phone" ? promptEditor(item, slot) : null),
  },
  // Prepared answers agents insert by their code ("/delivery"); {name} is
  // the customer's name.
  "canned-responses": {
    path: (tid) => `/api/v1/tenants/${tid}/canned-responses`,
    columns: ["code", "title"],
    blank: { code: "", title: "", body: "" },
    fields: [{ name: "code", required: true }, { name: "title" }, { name: "body", kind: "longtext", required: true }],
  },
  ...guardResources,
  // The workforce register draws itself (register.js).
  register: { custom: (body) => registerSection(body, view.tenant, say) },
  // Contract versions and invoices: their own module.
  contracts: { render: renderContracts },
  commitments, // admin_commitments.js
};

const view = { me: null, tenant: null, tenants: [], section: "queues", lists: { queues: [], schedules: [], sites: [], skills: [], agents: [] } };

function getPath(obj, p) {
  return p.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
}
function setPath(obj, p, v) {
  const ks = p.split(".");
  let o = obj;
  for (const k of ks.slice(0, -1)) {
    if (o[k] == null || typeof o[k] !== "object") o[k] = {};
    o = o[k];
  }
  o[ks[ks.length - 1]] = v;
}

function say(text) {
  announce.textContent = text;
}

// ---- start ----
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
  if (m.role !== "admin") {
    app.replaceChildren(h("p", { class: "notice error", role: "alert" }, t("admin.not_admin")));
    return;
  }
  if (m.platform_admin) {
    view.section = "tenants";
    await loadTenants();
  } else {
    view.tenant = m.tenant_id;
  }
  await render();
}

signout.addEventListener("click", async () => {
  await logout();
  location.reload();
});

async function loadTenants() {
  view.tenants = await api("GET", "/api/v1/tenants");
  if (!view.tenant && view.tenants.length) view.tenant = view.tenants[0].id;
  if (view.tenant && !view.tenants.some((x) => x.id === view.tenant)) view.tenant = view.tenants.length ? view.tenants[0].id : null;
}

async function loadLists() {
  const tid = view.tenant;
  if (!tid) return;
  const [queues, schedules, sites, skills, agents] = await Promise.all(
    ["queues", "schedules", "sites", "skills", "agents"].map((r) => api("GET", `/api/v1/tenants/${tid}/${r}`)));
  view.lists = { queues, schedules, sites, skills, agents };
}

// ---- layout ----
async function render(focusSection) {
  if (promptURL) URL.revokeObjectURL(promptURL);
  promptURL = null;
  const nav = h("nav", { class: "admin-nav", "data-i18n-attr": "aria-label:admin.sections" });
  const sections = Object.keys(resources).filter((k) => !resources[k].platform || view.me.platform_admin);
  for (const s of sections) {
    const b = h("button", { type: "button", "aria-current": s === view.section ? "page" : false, "data-i18n": `admin.section.${s}` });
    b.addEventListener("click", () => {
      view.section = s;
      openState = null;
      render(true);
    });
    nav.append(b);
  }
  let picker = null;
  if (view.me.platform_admin && view.section !== "tenants") {
    const sel = h("select", { id: "tenant-picker" }, view.tenants.map((x) => h("option", { value: x.id, selected: x.id === view.tenant }, `${x.name} (${x.slug})`)));
    sel.addEventListener("change", () => {
      view.tenant = Number(sel.value);
      openState = null;
      render();
    });
    picker = h("div", { class: "field inline" }, h("label", { for: "tenant-picker", "data-i18n": "admin.tenant" }), sel);
  }
  const body = h("section", { class: "admin-body", "aria-labelledby": "section-title" });
  app.replaceChildren(h("div", { class: "admin-bar" }, nav, picker), body);
  translate(app);
  try {
    if (view.section !== "tenants") {
      if (!view.tenant) {
        body.replaceChildren(h("p", { class: "notice", "data-i18n": "admin.no_tenant" }));
        translate(body);
        return;
      }
      await loadLists();
    }
    await renderSection(body);
    if (focusSection) body.querySelector("h2").focus();
  } catch (e) {
    body.replaceChildren(h("p", { class: "notice error", role: "alert" }, errorText(e)));
  }
}

function cell(res, item, col) {
  const own = res.cell ? res.cell(item, col, view.lists) : undefined;
  if (own !== undefined) return own;
  const v = item[col];
  if (res.cell) {
    const s = res.cell(item, col, view.lists);
    if (s !== undefined) return s;
  }
  if (col === "skills") {
    return (v || []).map((s) => `${skillName(s.skill_id)}:${s.level ?? s.min_level}`).join(", ");
  }
  if (col === "site_id") return (view.lists.sites.find((s) => s.id === v) || {}).name || v;
  if (col === "queue_id") return queueName(v);
  if (col === "menu") {
    if (!v || !v.options.length) return "";
    const keys = v.options.map((o) => `${o.key} ${queueName(o.queue_id)}`).join(", ");
    return item.menu_prompt_ms > 0 ? `${keys}; 0 ${queueName(item.queue_id)}` : `${keys} (${t("admin.menu_no_prompt")})`;
  }
  if (col === "channel" || (col === "kind" && v === "chat")) return t(`channel.${v}`);
  if (col === "kind") return t(`entry.${v}`);
  if (typeof v === "boolean") return v ? t("admin.yes") : t("admin.no");
  return v ?? "";
}

function queueName(id) {
  return (view.lists.queues.find((q) => q.id === id) || {}).name || `#${id}`;
}

function skillName(id) {
  return (view.lists.skills.find((s) => s.id === id) || {}).name || `#${id}`;
}

// label names a row in buttons and titles.
function label(item) {
  return item.name || item.address || item.slug || item.login || item.label || item.code;
}

async function renderSection(body) {
  const key = view.section;
  const res = resources[key];
  if (res.render) {
    await res.render(body, { tenant: view.tenant, me: view.me, lists: view.lists, say });
    translate(body);
    return;
  }
  if (res.custom) return res.custom(body);
  const items = await api("GET", res.path(view.tenant));
  const formSlot = h("div", { class: "form-slot" });
  const add = h("button", { type: "button", class: "primary", "data-i18n": "admin.new" });
  add.addEventListener("click", () => openForm(formSlot, res, null, body));
  const rows = items.map((item) => {
    const edit = h("button", { type: "button", "aria-label": t("admin.edit_named", { name: label(item) }) }, t("admin.edit"));
    const del = h("button", { type: "button", class: "danger", "aria-label": t("admin.delete_named", { name: label(item) }) }, t("admin.delete"));
    edit.addEventListener("click", () => openForm(formSlot, res, item, body));
    del.addEventListener("click", async () => {
      if (!confirm(t("admin.confirm_delete", { name: label(item) }))) return;
      try {
        await api("DELETE", `${res.path(view.tenant)}/${item.id}`);
        say(t("admin.deleted"));
        if (key === "tenants") await loadTenants();
        await render();
      } catch (e) {
        formSlot.replaceChildren(h("p", { class: "notice error", role: "alert" }, errorText(e)));
      }
    });
    return h("tr", { dataset: { id: item.id } },
      h("td", { class: "num" }, item.id),
      res.columns.map((c) => h("td", {}, cell(res, item, c))),
      h("td", { class: "row-actions" }, edit, " ", del));
  });
  body.replaceChildren(
    h("div", { class: "section-head" }, h("h2", { id: "section-title", tabindex: "-1", "data-i18n": `admin.section.${key}` }), add,
      res.tools ? res.tools({ tid: view.tenant, reload: render, say, slot: formSlot }) : null),
    ...(res.note ? [h("p", { class: "hint", "data-i18n": res.note })] : []),
    formSlot,
    items.length === 0
      ? h("p", { class: "muted", "data-i18n": "admin.empty" })
      : h("div", { class: "table-wrap" },
          h("table", {},
            h("caption", { class: "sr-only", "data-i18n": `admin.section.${key}` }),
            h("thead", {}, h("tr", {}, h("th", { class: "num", scope: "col" }, "#"),
              res.columns.map((c) => h("th", { scope: "col", "data-i18n": `field.${c}` })),
              h("th", { scope: "col", class: "row-actions", "data-i18n": "admin.actions" }))),
            h("tbody", {}, rows))));
  translate(body);
}

// ---- the form ----
function control(f, value) {
  const id = "f-" + f.name.replace(/\W/g, "-");
  const errId = id + "-error";
  let input;
  switch (f.kind) {
    case "number":
      input = h("input", { id, type: "number", step: f.step || "1", value: value ?? 0 });
      break;
    case "checkbox":
      input = h("input", { id, type: "checkbox", checked: !!value });
      break;
    case "select": {
      const opts = typeof f.options === "function" ? f.options(view.lists) : f.options.map(([v, k]) => [v, t(k)]);
      input = h("select", { id },
        f.nullable ? h("option", { value: "" }, t("admin.none")) : null,
        !f.nullable && !opts.some(([v]) => String(v) === String(value)) ? h("option", { value: "" }, t("admin.choose")) : null,
        opts.map(([v, label]) => h("option", { value: v, selected: String(v) === String(value) }, label)));
      break;
    }
    case "skills":
      input = h("input", { id, value: (value || []).map((s) => `${skillName(s.skill_id)}:${s[f.levelKey]}`).join(", "), spellcheck: "false" });
      break;
    case "weekly":
      input = h("textarea", { id, rows: "4", spellcheck: "false" }, (value || []).map((w) => `${dayNames[w.day]} ${w.from}-${w.to}`).join("\n"));
      break;
    case "dates":
      input = h("input", { id, value: (value || []).join(", "), spellcheck: "false" });
      break;
    case "longtext":
      input = h("textarea", { id, rows: "5", required: !!f.required }, value ?? "");
      break;
    case "custom": // the field draws and reads its own control
      input = f.input(id, value, view.lists);
      break;
    case "menu":
      input = h("textarea", { id, rows: "3", spellcheck: "false" }, ((value && value.options) || []).map((o) => `${o.key} = ${queueName(o.queue_id)}`).join("\n"));
      break;
    case "lines":
      input = h("textarea", { id, rows: "3", spellcheck: "false" }, f.format(value, view.lists));
      break;
    default:
      input = h("input", { id, type: f.type, autocomplete: f.autocomplete, maxlength: f.maxlength, value: value ?? "", required: !!f.required });
  }
  const hintKey = f.hint || `hint.${f.kind || ""}`;
  const hint = f.hint || ["skills", "weekly", "dates", "menu", "longtext"].includes(f.kind) ? h("p", { class: "hint", id: id + "-hint", "data-i18n": hintKey }) : null;
  input.setAttribute("aria-describedby", [hint ? id + "-hint" : "", errId].filter(Boolean).join(" "));
  const err = h("p", { class: "field-error", id: errId });
  const wrap = h("div", { class: f.kind === "checkbox" ? "field inline" : "field", dataset: { field: f.name } },
    f.kind === "checkbox" ? [input, h("label", { for: id, "data-i18n": f.label || `field.${f.name}` })] : [h("label", { for: id, "data-i18n": f.label || `field.${f.name}` }), input],
    hint, err);
  return { f, input, err, wrap, original: value };
}

class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

function read(c) {
  const { f, input } = c;
  switch (f.kind) {
    case "number":
      if (input.value.trim() === "" || Number.isNaN(Number(input.value))) throw new FieldError(f.name, t("admin.need_number"));
      return Number(input.value);
    case "checkbox":
      return input.checked;
    case "select":
      if (input.value === "") return f.nullable ? null : 0;
      return input.value;
    case "skills":
      return input.value.split(",").map((s) => s.trim()).filter(Boolean).map((part) => {
        const m = part.match(/^(.+?)\s*:\s*(\d+)$/);
        if (!m) throw new FieldError(f.name, t("admin.bad_skill", { part }));
        const sk = view.lists.skills.find((s) => s.name.toLowerCase() === m[1].trim().toLowerCase());
        if (!sk) throw new FieldError(f.name, t("admin.unknown_skill", { name: m[1].trim() }));
        return { skill_id: sk.id, [f.levelKey]: Number(m[2]) };
      });
    case "weekly":
      return input.value.split("\n").map((s) => s.trim()).filter(Boolean).map((line) => {
        const m = line.toLowerCase().match(/^([a-z]{3}|[0-6])\w*\s+(\d\d:\d\d)\s*-\s*(\d\d:\d\d)$/);
        const day = m ? (/^\d$/.test(m[1]) ? Number(m[1]) : days[m[1]]) : undefined;
        if (!m || day === undefined) throw new FieldError(f.name, t("admin.bad_weekly", { line }));
        return { day, from: m[2], to: m[3] };
      });
    case "dates":
      return input.value.split(",").map((s) => s.trim()).filter(Boolean);
    case "lines":
      try {
        return f.parse(input.value, view.lists);
      } catch (e) {
        throw new FieldError(f.name, e.message);
      }
    case "custom":
      return f.read(input, (message) => {
        throw new FieldError(f.name, message);
      });
    case "menu": {
      // Labels set through the API stay while a key keeps its queue.
      const before = (c.original && c.original.options) || [];
      const options = input.value.split("\n").map((s) => s.trim()).filter(Boolean).map((line) => {
        const m = line.match(/^(\d)\s*=\s*(.+)$/);
        if (!m) throw new FieldError(f.name, t("admin.bad_menu", { line }));
        const q = view.lists.queues.find((x) => x.name.toLowerCase() === m[2].trim().toLowerCase());
        if (!q) throw new FieldError(f.name, t("admin.unknown_queue", { name: m[2].trim() }));
        if (q.channel !== "voice") throw new FieldError(f.name, t("admin.not_voice_queue", { name: q.name }));
        const kept = before.find((o) => o.key === m[1] && o.queue_id === q.id);
        return { key: m[1], queue_id: q.id, label: kept ? kept.label : q.name };
      });
      return options.length ? { options } : null;
    }
    default:
      return f.type === "password" ? input.value : input.value.trim();
  }
}

// openState is the open form, so that a switch of language redraws the
// page and opens it again as it was (restore: what was typed, the error).
let openState = null;

const rawOf = (input) => (input.type === "checkbox" ? input.checked : input.value);

function openForm(slot, res, item, body, restore) {
  if (promptURL) URL.revokeObjectURL(promptURL);
  promptURL = null;
  const editing = !!item;
  const original = structuredClone(item || res.blank);
  const controls = res.fields.filter((f) => !(editing && f.createOnly)).map((f) => control(f, getPath(original, f.name)));
  if (restore) {
    controls.forEach((c, i) => {
      if (c.input.type === "checkbox") c.input.checked = !!restore.raw[i];
      else c.input.value = restore.raw[i];
    });
  }
  const state = { section: view.section, item, raw: () => controls.map((c) => rawOf(c.input)), error: null };
  openState = state;
  const formErr = h("p", { class: "form-error", role: "alert" });
  const cancel = h("button", { type: "button", "data-i18n": "admin.cancel" });
  const form = h("form", { class: "card admin-form", "aria-labelledby": "form-title", novalidate: true },
    h("h3", { id: "form-title" }, editing ? t("admin.editing", { name: label(item) }) : t("admin.creating")),
    h("div", { class: "form-grid" }, controls.map((c) => c.wrap)),
    formErr,
    h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary", "data-i18n": editing ? "admin.save" : "admin.create" }), cancel));
  const extra = res.extra ? res.extra(item, slot) : null;
  const clearErrors = () => {
    formErr.textContent = "";
    for (const c of controls) {
      c.err.textContent = "";
      c.input.removeAttribute("aria-invalid");
    }
  };
  const showError = (field, message) => {
    const c = controls.find((x) => x.f.name === field) ||
      controls.find((x) => field.startsWith(x.f.name + "[") || field.startsWith(x.f.name + ".")) ||
      controls.find((x) => x.f.name.startsWith(field + "."));
    if (!c) {
      const name = t(`field.${field}`);
      formErr.textContent = field ? `${name === `field.${field}` ? field : name}: ${message}` : message;
      return;
    }
    c.err.textContent = message;
    c.input.setAttribute("aria-invalid", "true");
    c.input.focus();
  };
  const showApiError = (e) => {
    if (e instanceof ApiError && e.field) showError(e.field, apiMessage(e));
    else formErr.textContent = errorText(e);
  };
  // collect reads the controls, null when one is refused (its error shown).
  const collect = () => {
    const out = structuredClone(original);
    try {
      for (const c of controls) {
        let v = read(c);
        if (c.f.kind === "select" && typeof c.f.options === "function" && v !== null && v !== "") v = Number(v);
        setPath(out, c.f.name, v);
      }
    } catch (e) {
      if (e instanceof FieldError) {
        state.error = { client: true };
        showError(e.field, e.message);
        return null;
      }
      throw e;
    }
    return out;
  };
  cancel.addEventListener("click", () => {
    openState = null;
    slot.replaceChildren();
  });
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors();
    state.error = null;
    const out = collect();
    if (!out) return;
    delete out.created_at;
    try {
      if (editing) await api("PUT", `${res.path(view.tenant)}/${item.id}`, out);
      else await api("POST", res.path(view.tenant), out);
      say(t(editing ? "admin.saved" : "admin.created"));
      openState = null;
      if (view.section === "tenants") await loadTenants();
      await render();
      const st = document.getElementById("section-title");
      if (st) st.focus();
    } catch (e) {
      state.error = { api: e };
      showApiError(e);
    }
  });
  slot.replaceChildren(form);
  if (extra) slot.append(extra);
  translate(slot);
  controls[0].input.focus();
  if (restore && restore.error) {
    state.error = restore.error;
    if (restore.error.api) showApiError(restore.error.api);
    else collect();
  }
}

// promptEditor lets an admin listen to, upload and remove the recorded
// prompt of a phone entry's menu (a WAV file; the server converts it to
// what callers hear).
// refreshMenuCell shows an entry point's menu again in the list (its
// prompt changed).
function refreshMenuCell(item) {
  const res = resources["entry-points"];
  const row = document.querySelector(`.admin-body tbody tr[data-id="${item.id}"]`);
  if (row) row.cells[1 + res.columns.indexOf("menu")].textContent = cell(res, item, "menu");
}

let promptURL = null; // the blob URL of the prompt being shown, revoked when replaced

function promptEditor(item, slot) {
  const path = `${resources["entry-points"].path(view.tenant)}/${item.id}/menu-prompt`;
  const status = h("p", { id: "prompt-status" });
  const player = h("audio", { controls: true, hidden: true, "data-i18n-attr": "aria-label:admin.prompt_player" });
  const file = h("input", { id: "prompt-file", type: "file", accept: "audio/wav,audio/x-wav,.wav", "aria-describedby": "prompt-hint prompt-error" });
  const upload = h("button", { type: "button", class: "primary", "data-i18n": "admin.prompt_upload" });
  const remove = h("button", { type: "button", class: "danger", "data-i18n": "admin.prompt_delete", hidden: true });
  const err = h("p", { class: "field-error", id: "prompt-error", role: "alert" });
  let shown = 0; // the latest show() call: an older, slower one does nothing
  const show = async (ms) => {
    const mine = ++shown;
    if (promptURL) URL.revokeObjectURL(promptURL);
    promptURL = null;
    status.textContent = ms > 0 ? t("admin.prompt_length", { seconds: (ms / 1000).toFixed(1) }) : t("admin.prompt_none");
    remove.hidden = !(ms > 0);
    player.hidden = true;
    player.removeAttribute("src");
    if (ms > 0) {
      const blob = await apiBlob(path);
      if (blob && mine === shown && player.isConnected) {
        promptURL = URL.createObjectURL(blob);
        player.src = promptURL;
        player.hidden = false;
      }
    }
  };
  upload.addEventListener("click", async () => {
    err.textContent = "";
    file.removeAttribute("aria-invalid");
    if (!file.files.length) {
      err.textContent = t("admin.prompt_choose");
      file.setAttribute("aria-invalid", "true");
      file.focus();
      return;
    }
    try {
      const ep = await api("PUT", path, new Blob([file.files[0]], { type: "audio/wav" }));
      item.menu_prompt_ms = ep.menu_prompt_ms;
      refreshMenuCell(item);
      await show(ep.menu_prompt_ms);
      say(t("admin.prompt_saved"));
    } catch (e) {
      err.textContent = errorText(e);
      file.setAttribute("aria-invalid", "true");
      file.focus();
    }
  });
  remove.addEventListener("click", async () => {
    err.textContent = "";
    try {
      await api("DELETE", path);
      item.menu_prompt_ms = 0;
      refreshMenuCell(item);
      await show(0);
      say(t("admin.prompt_deleted"));
    } catch (e) {
      err.textContent = errorText(e);
    }
  });
  show(item.menu_prompt_ms).catch((e) => (err.textContent = errorText(e)));
  return h("section", { class: "card admin-form", "aria-labelledby": "prompt-title" },
    h("h3", { id: "prompt-title", "data-i18n": "admin.prompt_title" }),
    h("p", { class: "hint", id: "prompt-hint", "data-i18n": "hint.prompt" }),
    status, player,
    h("div", { class: "field" }, h("label", { for: "prompt-file", "data-i18n": "admin.prompt_file" }), file, err),
    h("div", { class: "buttons" }, upload, remove));
}

// A switch of language redraws the page; an open form opens again as it
// was, with its error in the new language. A section that draws itself
// (render) is translated in place, so what is typed there stays.
onLang(async () => {
  if (!view.me || view.me.role !== "admin") return;
  const res = resources[view.section];
  if (res && res.render) {
    translate(app);
    if (res.relang) res.relang();
    return;
  }
  const open = openState && openState.section === view.section ? { section: openState.section, item: openState.item, raw: openState.raw(), error: openState.error } : null;
  await render();
  const slot = app.querySelector(".form-slot");
  if (open && slot && view.section === open.section) openForm(slot, res, open.item, null, open);
});

start();
