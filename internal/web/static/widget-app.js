// The customer chat widget: a button that opens a chat panel (in a shadow
// root, so that the brand's styles and ours do not mix). It talks to
// /chat/{entry}/ws: position and expected wait live, the conversation, a
// callback request, resume after a reload or a dropped connection (the
// resume token is kept in sessionStorage), and at the end a satisfaction
// survey posted to /chat/{entry}/survey.
import { h, randomId } from "./common.js";
import { langSwitch, onLang, t, translate } from "./i18n.js";

const maxComment = 1000;

export function mount({ base, entry }) {
  const key = `plateau.chat.${entry}`;
  const load = () => {
    try {
      return JSON.parse(sessionStorage.getItem(key) || "{}");
    } catch {
      return {};
    }
  };
  let saved = load();
  const save = () => {
    try {
      sessionStorage.setItem(key, JSON.stringify(saved));
    } catch {
      // storage blocked: no resume after a reload, the chat still works
    }
  };
  const clear = () => {
    saved = {};
    try {
      sessionStorage.removeItem(key);
    } catch {
      // nothing kept anyway
    }
  };

  const host = h("div", { id: "plateau-chat" });
  document.body.append(host);
  const root = host.attachShadow({ mode: "open" });
  root.append(h("link", { rel: "stylesheet", href: `${base}/static/widget.css` }));

  // Launcher and panel.
  const launcher = h("button", { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": "plateau-panel" },
    h("span", { "aria-hidden": "true", class: "bubble" }), h("span", { "data-i18n": "widget.open" }));
  const title = h("h2", { id: "plateau-title", "data-i18n": "widget.title" });
  const minimize = h("button", { type: "button", class: "icon", "data-i18n-attr": "aria-label:widget.minimize title:widget.minimize" }, "\u2013");
  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const alertLine = h("p", { class: "alert", role: "alert" });
  const body = h("div", { class: "body" });
  const panel = h("section", { id: "plateau-panel", class: "panel", role: "dialog", "aria-labelledby": "plateau-title", hidden: true },
    h("div", { class: "head" }, title, langSwitch(root), minimize),
    status, alertLine, body);
  root.append(launcher, panel);

  const setOpen = (open, focus = true) => {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.hidden = open;
    saved.open = open;
    if (saved.token) save();
    if (open && focus) {
      const f = panel.querySelector("input, textarea, button.primary") || minimize;
      f.focus();
    } else if (!open && focus) {
      launcher.focus();
    }
  };
  launcher.addEventListener("click", () => setOpen(true));
  minimize.addEventListener("click", () => setOpen(false));
  panel.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape") setOpen(false);
  });

  // Conversation state.
  let ws = null;
  let phase = "idle"; // idle | connecting | queued | connected | ended
  let retry = 0;
  let firstFrame = null;
  const seen = new Map(); // seq -> element
  const pending = new Map(); // client_msg_id -> element
  let lastWait = null; // last position frame, re-rendered on a language switch
  let agentName = saved.agent || "";

  const log = h("ol", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "data-i18n-attr": "aria-label:widget.log" });
  const composer = h("textarea", { id: "plateau-msg", rows: "2", maxlength: "4000", "data-i18n-attr": "placeholder:widget.write" });
  const send = h("button", { type: "submit", class: "primary", "data-i18n": "widget.send" });
  const composeForm = h("form", { class: "composer" },
    h("label", { for: "plateau-msg", class: "sr-only", "data-i18n": "widget.message_label" }), composer, send);
  const leave = h("button", { type: "button", class: "link", "data-i18n": "widget.leave" });
  const callbackBox = callbackForm();

  composer.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) {
      ev.preventDefault();
      composeForm.requestSubmit();
    }
  });
  composeForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = composer.value.trim();
    if (!text) return;
    const id = randomId();
    const li = addMessage({ from: "customer", body: text }, true);
    pending.set(id, li);
    if (!sendFrame({ type: "message", body: text, client_msg_id: id })) {
      li.classList.add("failed");
    }
    composer.value = "";
  });
  leave.addEventListener("click", () => {
    if (phase === "queued" || phase === "connected") sendFrame({ type: "leave" });
  });

  function sendFrame(f) {
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(f));
      return true;
    }
    return false;
  }

  function addMessage(m, mine) {
    const who = m.from === "customer" ? t("widget.you") : m.from === "agent" ? agentName || t("widget.agent") : t("widget.system");
    const li = h("li", { class: `msg from-${m.from}${mine ? " pending" : ""}` },
      h("span", { class: "who" }, who + " "), h("span", { class: "text" }, m.body));
    log.append(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }

  function note(text) {
    log.append(h("li", { class: "note" }, text));
    log.scrollTop = log.scrollHeight;
  }

  function waitText(f) {
    const parts = [];
    parts.push(f.position <= 1 ? t("widget.position_next") : t("widget.position", { n: f.position }));
    if (f.ewt_seconds > 0) {
      parts.push(f.ewt_seconds < 60 ? t("widget.ewt_under_minute") : t("widget.ewt_minutes", { n: Math.ceil(f.ewt_seconds / 60) }));
    }
    return parts.join(" ");
  }

  function callbackForm() {
    const phone = h("input", { id: "plateau-phone", type: "tel", autocomplete: "tel", inputmode: "tel", placeholder: "+33123456789" });
    const err = h("p", { class: "alert", role: "alert", id: "plateau-phone-error" });
    const call = h("button", { type: "submit", "data-i18n": "widget.callback_call" });
    const write = h("button", { type: "button", "data-i18n": "widget.callback_write" });
    const form = h("form", { class: "callback" },
      h("p", { class: "callback-title", "data-i18n": "widget.callback_title" }),
      h("div", { class: "row" },
        h("label", { for: "plateau-phone", class: "sr-only", "data-i18n": "widget.callback_phone" }), phone, call),
      err, write);
    phone.setAttribute("aria-describedby", "plateau-phone-error");
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      err.textContent = "";
      const number = phone.value.replace(/[\s.()-]/g, "");
      if (!/^\+[1-9][0-9]{5,14}$/.test(number)) {
        err.textContent = t("widget.callback_bad_phone");
        phone.setAttribute("aria-invalid", "true");
        phone.focus();
        return;
      }
      phone.removeAttribute("aria-invalid");
      sendFrame({ type: "callback", phone: number });
    });
    write.addEventListener("click", () => sendFrame({ type: "callback", write_back: true }));
    return form;
  }

  // Views.
  function showStart() {
    phase = "idle";
    lastWait = null;
    status.textContent = "";
    alertLine.textContent = "";
    const name = h("input", { id: "plateau-name", autocomplete: "name" });
    const email = h("input", { id: "plateau-email", type: "email", autocomplete: "email" });
    const form = h("form", { class: "start" },
      h("p", { "data-i18n": "widget.intro" }),
      h("div", { class: "field" }, h("label", { for: "plateau-name", "data-i18n": "widget.name" }), name),
      h("div", { class: "field" }, h("label", { for: "plateau-email", "data-i18n": "widget.email" }), email),
      h("button", { type: "submit", class: "primary", "data-i18n": "widget.start" }));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const f = { type: "start" };
      if (name.value.trim()) f.name = name.value.trim();
      if (email.value.trim()) f.email = email.value.trim();
      log.replaceChildren();
      seen.clear();
      pending.clear();
      showConversation();
      connect(f);
    });
    body.replaceChildren(form);
    translate(body);
  }

  function showConversation() {
    body.replaceChildren(callbackBox, log, composeForm, h("div", { class: "actions" }, leave));
    callbackBox.hidden = true;
    translate(body);
  }

  function showSurvey() {
    phase = "ended";
    const err = h("p", { class: "alert", role: "alert" });
    const stars = [1, 2, 3, 4, 5].map((n) =>
      h("label", { class: "star" },
        h("input", { type: "radio", name: "score", value: String(n), required: n === 1 }),
        h("span", { class: "n", "aria-hidden": "true" }, String(n)),
        h("span", { class: "sr-only" }, t(`widget.score_${n}`))));
    const comment = h("textarea", { id: "plateau-comment", rows: "3", maxlength: String(maxComment) });
    const skip = h("button", { type: "button", class: "link", "data-i18n": "widget.survey_skip" });
    const form = h("form", { class: "survey" },
      h("fieldset", {},
        h("legend", { "data-i18n": "widget.survey_question" }),
        h("div", { class: "stars" }, stars),
        h("p", { class: "scale", "aria-hidden": "true" }, h("span", { "data-i18n": "widget.score_1" }), h("span", { "data-i18n": "widget.score_5" }))),
      h("div", { class: "field" }, h("label", { for: "plateau-comment", "data-i18n": "widget.survey_comment" }), comment),
      err,
      h("div", { class: "row" }, h("button", { type: "submit", class: "primary", "data-i18n": "widget.survey_send" }), skip));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      err.textContent = "";
      const picked = form.querySelector("input[name=score]:checked");
      if (!picked) {
        err.textContent = t("widget.survey_pick");
        return;
      }
      try {
        const resp = await fetch(`${base}/chat/${encodeURIComponent(entry)}/survey`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ token: saved.token, score: Number(picked.value), comment: comment.value.trim() }),
        });
        if (resp.status === 204 || resp.status === 409) {
          showDone(t(resp.status === 204 ? "widget.survey_thanks" : "widget.survey_already"));
          return;
        }
        let msg = `HTTP ${resp.status}`;
        try {
          msg = (await resp.json()).error.message || msg;
        } catch {
          // keep the status
        }
        err.textContent = t("widget.survey_failed", { error: msg });
      } catch (e) {
        err.textContent = t("widget.survey_failed", { error: e.message });
      }
    });
    skip.addEventListener("click", () => showDone(t("widget.goodbye")));
    body.replaceChildren(form);
    translate(body);
    status.textContent = t("widget.ended");
  }

  function showDone(text) {
    clear();
    phase = "idle";
    const again = h("button", { type: "button", class: "primary", "data-i18n": "widget.again" });
    again.addEventListener("click", showStart);
    body.replaceChildren(again);
    translate(body);
    status.textContent = text;
    again.focus();
  }

  function ended(f) {
    phase = "ended";
    saved.ended = true;
    saved.survey = !!f.survey;
    save();
    if (ws) ws.close();
    ws = null;
    lastWait = null;
    if (saved.survey) {
      showSurvey();
      return;
    }
    const reasons = { abandoned: "widget.ended_left", closed: "widget.ended_closed", full: "widget.ended_full" };
    showDone(f.message || t(reasons[f.reason] || "widget.ended"));
  }

  function handle(f) {
    switch (f.type) {
      case "queued":
        retry = 0;
        phase = "queued";
        saved.token = f.resume_token || saved.token;
        if (f.contact_id) saved.contact = f.contact_id;
        save();
        lastWait = f;
        status.textContent = f.callback ? t("widget.callback_kept") : waitText(f);
        callbackBox.hidden = !!f.callback;
        break;
      case "position":
        lastWait = f;
        if (phase === "queued" && !saved.callback) status.textContent = waitText(f);
        break;
      case "connected":
        retry = 0;
        phase = "connected";
        lastWait = null;
        agentName = f.agent || "";
        saved.agent = agentName;
        save();
        callbackBox.hidden = true;
        status.textContent = t("widget.connected", { agent: agentName || t("widget.agent") });
        note(status.textContent);
        break;
      case "message": {
        if (f.seq && seen.has(f.seq)) break;
        let li = f.client_msg_id ? pending.get(f.client_msg_id) : null;
        if (li) {
          pending.delete(f.client_msg_id);
          li.classList.remove("pending");
        } else {
          li = addMessage(f, false);
        }
        if (f.seq) {
          seen.set(f.seq, li);
          saved.last_seq = Math.max(saved.last_seq || 0, f.seq);
          save();
        }
        break;
      }
      case "ack": {
        const li = pending.get(f.client_msg_id);
        if (li) {
          li.classList.remove("pending", "failed");
          pending.delete(f.client_msg_id);
          seen.set(f.seq, li);
        }
        saved.last_seq = Math.max(saved.last_seq || 0, f.seq);
        save();
        break;
      }
      case "callback":
        saved.callback = true;
        save();
        callbackBox.hidden = true;
        status.textContent = t("widget.callback_kept");
        note(t("widget.callback_kept"));
        break;
      case "ended":
        ended(f);
        break;
      case "error":
        if (f.code === "unknown_token") {
          clear();
          if (ws) ws.close();
          ws = null;
          showStart();
          alertLine.textContent = t("widget.resume_failed");
          break;
        }
        if (f.code === "rate_limited" && !saved.token) {
          // Too many chats from this connection: back to the form, told why.
          if (ws) ws.close();
          ws = null;
          showStart();
          alertLine.textContent = t("widget.too_many");
          break;
        }
        alertLine.textContent = t("widget.error", { error: f.message || f.code });
        break;
    }
  }

  function connect(first) {
    firstFrame = first;
    phase = phase === "idle" ? "connecting" : phase;
    alertLine.textContent = "";
    const url = base.replace(/^http/, "ws") + `/chat/${encodeURIComponent(entry)}/ws`;
    const sock = new WebSocket(url);
    ws = sock;
    sock.addEventListener("open", () => {
      alertLine.textContent = "";
      sock.send(JSON.stringify(firstFrame));
    });
    sock.addEventListener("message", (ev) => {
      let f;
      try {
        f = JSON.parse(ev.data);
      } catch {
        return;
      }
      handle(f);
    });
    sock.addEventListener("close", () => {
      if (ws !== sock) return;
      ws = null;
      if (phase === "ended" || phase === "idle") return;
      if (!saved.token) {
        alertLine.textContent = t("widget.unavailable");
        showStart();
        return;
      }
      // Dropped: come back with the token, the place is kept.
      alertLine.textContent = t("widget.reconnecting");
      const delay = Math.min(10000, 1000 * 2 ** retry++);
      setTimeout(() => connect({ type: "resume", token: saved.token, last_seq: saved.last_seq || 0 }), delay);
    });
  }

  onLang(() => {
    if (phase === "queued" && lastWait && !saved.callback) status.textContent = waitText(lastWait);
  });

  // Start: resume what this tab had, or offer to start.
  translate(root);
  if (saved.token && saved.ended) {
    if (saved.survey) showSurvey();
    else showDone(t("widget.ended"));
    setOpen(!!saved.open, false);
  } else if (saved.token) {
    showConversation();
    phase = "queued";
    connect({ type: "resume", token: saved.token, last_seq: 0 });
    setOpen(saved.open !== false, false);
  } else {
    showStart();
  }
}
