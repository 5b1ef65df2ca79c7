// The wallboard's per-agent current contacts, and a supervisor's read-only
// watch of a live chat with a private note to its agent: the watch reads
// GET /api/v1/tenants/{tid}/interactions/{id}/live every 2 s (messages
// after the last seen, and the notes); the note goes by POST .../notes and
// reaches the agent's desk only, never the customer.
import { api, errorText, h, linkified, messageTime } from "./common.js";
import { lang, t, translate } from "./i18n.js";

const w = { panel: null, title: null, log: null, notes: null, timer: null, id: 0, lastSeq: 0, opener: null, ok: null, err: null, body: null, tid: 0, agent: "" };

// agentContactCell fills an agent row's current-contact cell: each
// contact's customer, channel and time held (counting up, see r.held), a
// consult request, and for a chat a Watch button (supervisors only).
export function agentContactCell(wb, r, a) {
  const list = a.contacts || [];
  const key = list.map((c) => `${c.contact_id}:${c.state}:${c.since}:${c.consult || ""}:${c.customer || ""}`).join("|");
  if (r.contactKey === key) return;
  r.contactKey = key;
  r.held = [];
  if (!list.length) {
    r.contact.replaceChildren("\u2014");
    return;
  }
  r.contact.replaceChildren(...list.map((c) => {
    const time = h("span", { class: "num" });
    if (c.since) r.held.push([time, Date.parse(c.since)]);
    const what = [c.customer || t("agent.anonymous"), t(`channel.${c.channel}`)].join(" \u00b7 ") + (c.state === "wrap_up" ? ` \u00b7 ${t("state.wrap_up")}` : "");
    const parts = [h("span", { class: "held" }, `${what} `, time)];
    if (c.consult) parts.push(h("span", { class: "consult" }, t("wb.consult", { text: c.consult })));
    if (wb.canAct && c.channel === "chat") {
      const b = h("button", { type: "button", class: "watch-btn", "aria-label": t("wb.watch_this", { agent: a.name }) }, t("wb.watch"));
      b.addEventListener("click", () => openWatch(wb, c, a, b));
      parts.push(b);
    }
    return h("div", {}, ...parts);
  }));
}

// watchPanel is the (hidden) section the watch opens in.
export function watchPanel(wb) {
  w.tid = wb.tid;
  w.title = h("h2", { id: "watch-title", tabindex: "-1" });
  w.log = h("ol", { class: "watch-log chat-log", "aria-live": "polite", "aria-labelledby": "watch-title" });
  w.notes = h("ul", { class: "notes-list" });
  w.body = h("textarea", { id: "whisper-body", rows: "2", maxlength: "2000", required: true });
  w.ok = h("p", { class: "ok-text", role: "status" });
  w.err = h("p", { class: "form-error", role: "alert" });
  const form = h("form", { class: "whisper-form" },
    h("div", { class: "field" }, h("label", { for: "whisper-body", "data-i18n": "wb.whisper" }), w.body),
    w.err, w.ok,
    h("button", { type: "submit", class: "primary", "data-i18n": "wb.whisper_send" }));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    w.err.textContent = w.ok.textContent = "";
    const body = w.body.value.trim();
    if (!body) {
      w.body.focus();
      return;
    }
    try {
      await api("POST", `/api/v1/tenants/${w.tid}/interactions/${w.id}/notes`, { body });
      w.body.value = "";
      w.ok.textContent = t("wb.whisper_sent");
      poll();
    } catch (e) {
      w.err.textContent = errorText(e);
    }
  });
  const close = h("button", { type: "button", class: "watch-close", "data-i18n": "wb.watch_close" });
  close.addEventListener("click", () => closeWatch());
  w.panel = h("section", { class: "card watch", hidden: true, "aria-labelledby": "watch-title" },
    w.title,
    h("p", { class: "hint", "data-i18n": "wb.watch_readonly" }),
    w.log,
    h("h3", { "data-i18n": "note.title" }), w.notes,
    form, close);
  return w.panel;
}

function openWatch(wb, c, a, opener) {
  closeWatch(false);
  w.id = c.contact_id;
  w.lastSeq = 0;
  w.opener = opener;
  w.agent = a.name;
  w.title.textContent = t("wb.watch_title", { agent: a.name, customer: c.customer || t("agent.anonymous") });
  w.log.replaceChildren();
  w.notes.replaceChildren();
  w.ok.textContent = w.err.textContent = "";
  w.panel.hidden = false;
  translate(w.panel);
  w.title.focus();
  poll();
  w.timer = setInterval(poll, 2000);
}

// closeWatch stops watching; focus goes back to the Watch button.
export function closeWatch(refocus = true) {
  clearInterval(w.timer);
  w.timer = null;
  if (!w.panel || w.panel.hidden) return;
  w.panel.hidden = true;
  w.id = 0;
  if (refocus && w.opener && w.opener.isConnected) w.opener.focus();
}

async function poll() {
  const id = w.id;
  if (!id) return;
  let d;
  try {
    d = await api("GET", `/api/v1/tenants/${w.tid}/interactions/${id}/live?after_seq=${w.lastSeq}`);
  } catch (e) {
    w.err.textContent = errorText(e);
    return;
  }
  if (id !== w.id) return;
  for (const m of d.messages || []) {
    if (m.seq <= w.lastSeq) continue;
    w.lastSeq = m.seq;
    const who = m.sender === "agent" ? w.agent : m.sender === "customer" ? (d.customer && d.customer.name) || t("agent.customer") : t("agent.system");
    w.log.append(h("li", { class: `msg from-${m.sender}` },
      h("span", { class: "who" }, `${who} `, messageTime(m.sent_at, lang())), h("span", { class: "text" }, linkified(m.body))));
  }
  w.log.scrollTop = w.log.scrollHeight;
  const notes = d.notes || [];
  if (w.notes.childElementCount !== notes.length) {
    w.notes.replaceChildren(...notes.map((n) => h("li", { class: `desk-note kind-${n.kind}` },
      h("span", { class: "who" }, `${t(`note.kind_${n.kind}`)} \u00b7 ${n.author || ""} `, messageTime(n.created_at, lang())),
      h("span", { class: "text" }, n.body))));
  }
  if (d.state === "ended") {
    clearInterval(w.timer);
    w.timer = null;
  }
}

