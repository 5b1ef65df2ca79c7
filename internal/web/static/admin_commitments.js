// The admin page's commitments section: a tenant's service commitments
// (/api/v1/tenants/{tid}/commitments), edited with admin.js's generic
// form, and the default set restored in one click. The monthly report is
// the /commitments page.
import { api, errorText, h } from "./common.js";
import { t } from "./i18n.js";

const kinds = ["service_level", "abandon_rate", "announced_wait", "callback", "open_hours", "satisfaction", "recording_announced"];

// Fields admin.js cannot draw itself: the channel ("" for both), the
// queues (several, none for all) and the weekdays.
const channelField = {
  name: "channel", kind: "custom",
  input: (id, value) => h("select", { id },
    [["", "cm.channel.both"], ["voice", "channel.voice"], ["chat", "channel.chat"]].map(([v, k]) => h("option", { value: v, selected: (value || "") === v }, t(k)))),
  read: (input) => input.value,
};

const queuesField = {
  name: "queue_ids", kind: "custom",
  input: (id, value, lists) => h("select", { id, multiple: true, size: String(Math.min(6, Math.max(2, lists.queues.length))) },
    lists.queues.map((q) => h("option", { value: q.id, selected: (value || []).includes(q.id) }, q.name))),
  read: (input) => [...input.selectedOptions].map((o) => Number(o.value)),
};

const daysField = {
  name: "days", kind: "custom",
  input: (id, value) => h("input", { id, value: (value || []).join(", "), spellcheck: "false", inputmode: "numeric" }),
  read: (input, fail) => input.value.split(/[,\s]+/).filter(Boolean).map((s) => {
    if (!/^[0-6]$/.test(s)) fail(t("cm.admin.bad_day", { day: s }));
    return Number(s);
  }),
};

// commitments is the section's resource for admin.js.
export const commitments = {
  path: (tid) => `/api/v1/tenants/${tid}/commitments`,
  columns: ["name", "kind", "target_pct", "channel", "queue_ids"],
  blank: { name: "", kind: "service_level", target_pct: 80, seconds: 20, min_score: 0, opens: "", closes: "", days: [], queue_ids: [], channel: "", source: "", position: 100 },
  fields: [
    { name: "name", required: true },
    { name: "kind", kind: "select", options: kinds.map((k) => [k, `cm.kind.${k}`]) },
    { name: "target_pct", kind: "number", step: "any" },
    { name: "seconds", kind: "number" },
    { name: "min_score", kind: "number", step: "any" },
    { name: "opens" },
    { name: "closes" },
    daysField,
    queuesField,
    channelField,
    { name: "source" },
    { name: "position", kind: "number" },
  ],
  cell: (item, col, lists) => {
    if (col === "kind") return t(`cm.kind.${item.kind}`);
    if (col === "channel") return item.channel ? t(`channel.${item.channel}`) : t("cm.channel.both");
    if (col === "queue_ids") {
      if (!item.queue_ids.length) return t("cm.admin.all_queues");
      return item.queue_ids.map((id) => (lists.queues.find((q) => q.id === id) || {}).name || `#${id}`).join(", ");
    }
    if (col === "target_pct") return `${item.kind === "abandon_rate" ? "\u2264" : "\u2265"} ${item.target_pct} %`;
    return undefined;
  },
  // tools: restoring the default set, and the way to the report.
  tools: ({ tid, reload, say, slot }) => {
    const restore = h("button", { type: "button", id: "cm-restore" }, t("cm.admin.restore"));
    restore.addEventListener("click", async () => {
      if (!confirm(t("cm.admin.confirm_restore"))) return;
      try {
        await api("POST", `/api/v1/tenants/${tid}/commitments/defaults`);
        say(t("cm.admin.restored"));
        await reload();
      } catch (e) {
        slot.replaceChildren(h("p", { class: "notice error", role: "alert" }, errorText(e)));
      }
    });
    return h("div", { class: "buttons" }, restore, h("a", { class: "button", href: `/commitments?tenant=${tid}` }, t("cm.admin.report")));
  },
};
