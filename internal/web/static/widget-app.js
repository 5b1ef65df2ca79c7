// The customer chat widget: a button that opens a chat panel (in a shadow
// root, so that the brand's styles and ours do not mix). It talks to
// /chat/{entry}/ws: position and expected wait live, the conversation, a
// callback request, resume after a reload or a dropped connection (the
// resume token is kept in sessionStorage), and at the end a satisfaction
// survey posted to /chat/{entry}/survey.
import { h, linkified, messageTime, randomId } from "./common.js";
import { lang, langSwitch, onLang, t, translate } from "./i18n.js";

const maxComment = 1000;
// The server's limits: a name (characters), an e-mail, and a message body
// (4 KiB of UTF-8; the widget says 4,000 characters and checks both).
const maxName = 100;
const maxEmail = 200;
const maxMessage = 4000;
const maxMessageBytes = 4096;

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

  // The brand's look and texts, set on the admin page (GET
  // /api/v1/widget): colours as custom properties the stylesheet uses, a
  // logo in the header, a greeting on the start form, a text out of hours.
  const look = { greeting: "", closed: "" };
  fetch(`${base}/api/v1/widget?entry=${encodeURIComponent(entry)}`)
    .then((r) => (r.ok ? r.json() : null))
    .then((w) => {
      if (!w) return;
      if (w.colour && w.text_colour) {
        host.style.setProperty("--brand", w.colour);
        host.style.setProperty("--brand-text", w.text_colour);
      }
      if (w.logo_url) title.before(h("img", { class: "logo", src: w.logo_url, alt: "" }));
      look.greeting = w.greeting || "";
      look.closed = w.closed_text || "";
      const intro = body.querySelector("form.start > p.intro");
      if (intro && look.greeting) intro.replaceWith(h("p", { class: "intro greeting" }, look.greeting));
    })
    .catch(() => {}); // the defaults stay

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

  let phoneRefused = () => {};

  // Conversation state.
  let ws = null;
  let phase = "idle"; // idle | connecting | queued | connected | ended
  let retry = 0;
  let firstFrame = null;
  const seen = new Map(); // seq -> element
  const pending = new Map(); // client_msg_id -> element
  let lastWait = null; // last position frame, re-rendered on a language switch
  let agentName = saved.agent || "";
  // What the customer typed in the start form, given back if the server
  // refuses it; startError is the refusal to show there.
  let draft = { name: "", email: "" };
  let startError = null;

  const log = h("ol", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions", "data-i18n-attr": "aria-label:widget.log" });
  // No maxlength: a pasted text over the limit is not cut without a word;
  // the counter says how long it is and sending it is refused.
  const composer = h("textarea", { id: "plateau-msg", rows: "2", "aria-describedby": "plateau-count", "data-i18n-attr": "placeholder:widget.write" });
  const send = h("button", { type: "submit", class: "primary", "data-i18n": "widget.send" });
  const counter = h("p", { class: "counter", id: "plateau-count" });
  const composeForm = h("form", { class: "composer" },
    h("label", { for: "plateau-msg", class: "sr-only", "data-i18n": "widget.message_label" }), composer, send);
  const tooLong = (text) => [...text].length > maxMessage || new TextEncoder().encode(text).length > maxMessageBytes;
  const renderCounter = () => {
    const n = [...composer.value].length;
    const over = tooLong(composer.value);
    counter.textContent = over ? t("widget.count_over", { n, max: maxMessage }) : t("widget.count", { n, max: maxMessage });
    counter.classList.toggle("over", over);
    counter.hidden = n < maxMessage * 0.8 && !over;
    if (over) composer.setAttribute("aria-invalid", "true");
    else composer.removeAttribute("aria-invalid");
  };
  composer.addEventListener("input", () => {
    renderCounter();
    // Tell the agent, at most every 2 seconds, that the customer types.
    if (phase === "connected" && composer.value && Date.now() - lastTyping > 2000) {
      lastTyping = Date.now();
      sendFrame({ type: "typing" });
    }
  });
  let lastTyping = 0;
  // The agent is typing: shown for 4 seconds after its last signal.
  const typing = h("p", { class: "typing", hidden: true });
  let typingTimer = null;
  const hideTyping = () => {
    clearTimeout(typingTimer);
    typing.hidden = true;
  };
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
    if (tooLong(text)) {
      renderCounter();
      alertLine.textContent = t("widget.too_long", { max: maxMessage });
      composer.focus();
      return;
    }
    alertLine.textContent = "";
    const id = randomId();
    const li = addMessage({ from: "customer", body: text }, true);
    pending.set(id, li);
    if (!sendFrame({ type: "message", body: text, client_msg_id: id })) {
      li.classList.add("failed");
    }
    composer.value = "";
    renderCounter();
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
      h("span", { class: "who" }, who + " ", messageTime(m.sent_at, lang())), h("span", { class: "text" }, linkified(m.body)));
    log.append(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }

  function note(text) {
    log.append(h("li", { class: "note" }, text));
    log.scrollTop = log.scrollHeight;
  }

  function waitText(f) {
    // Nobody is signed in: no position or wait that would promise a reply.
    if (f.no_agent) return t("widget.no_agent");
    const parts = [];
    parts.push(f.position <= 1 ? t("widget.position_next") : t("widget.position", { n: f.position }));
    if (f.ewt_seconds > 0) {
      parts.push(f.ewt_seconds < 60 ? t("widget.ewt_under_minute") : t("widget.ewt_minutes", { n: Math.ceil(f.ewt_seconds / 60) }));
    }
    return parts.join(" ");
  }

  function callbackForm() {
    const phone = h("input", { id: "plateau-phone", type: "tel", autocomplete: "tel", inputmode: "tel", maxlength: "30", "data-i18n-attr": "placeholder:widget.phone_placeholder" });
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
      // National numbers ("06 12 34 56 78") are read by the server in the
      // brand's country; only what cannot be a number is refused here.
      const number = phone.value.trim();
      if (!/^\+?[0-9][0-9\s.()/-]{4,24}$/.test(number)) {
        phoneRefused();
        return;
      }
      phone.removeAttribute("aria-invalid");
      sendFrame({ type: "callback", phone: number });
    });
    write.addEventListener("click", () => sendFrame({ type: "callback", write_back: true }));
    phoneRefused = () => {
      err.textContent = t("widget.callback_bad_phone");
      phone.setAttribute("aria-invalid", "true");
      phone.focus();
    };
    return form;
  }

  // Views.
  function showStart() {
    phase = "idle";
    lastWait = null;
    status.textContent = "";
    alertLine.textContent = "";
    const name = h("input", { id: "plateau-name", autocomplete: "name", maxlength: String(maxName) });
    const email = h("input", { id: "plateau-email", type: "email", autocomplete: "email", maxlength: String(maxEmail) });
    name.value = draft.name;
    email.value = draft.email;
    const nameErr = h("p", { class: "alert", id: "plateau-name-error" });
    const emailErr = h("p", { class: "alert", id: "plateau-email-error" });
    name.setAttribute("aria-describedby", "plateau-name-error");
    email.setAttribute("aria-describedby", "plateau-email-error");
    const form = h("form", { class: "start" },
      look.greeting ? h("p", { class: "intro greeting" }, look.greeting) : h("p", { class: "intro", "data-i18n": "widget.intro" }),
      h("div", { class: "field" }, h("label", { for: "plateau-name", "data-i18n": "widget.name" }), name, nameErr),
      h("div", { class: "field" }, h("label", { for: "plateau-email", "data-i18n": "widget.email" }), email, emailErr),
      h("button", { type: "submit", class: "primary", "data-i18n": "widget.start" }));
    if (startError) {
      // The server refused what was typed: say so next to the field.
      const field = startError.field;
      const input = field === "customer.email" ? email : field === "customer.name" ? name : null;
      if (input) {
        (input === name ? nameErr : emailErr).textContent = t(input === name ? "widget.bad_name" : "widget.bad_email", { max: input === name ? maxName : maxEmail });
        input.setAttribute("aria-invalid", "true");
      } else {
        alertLine.textContent = t("widget.start_failed");
      }
      startError = null;
      setTimeout(() => (input || name).focus(), 0);
    }
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      draft = { name: name.value, email: email.value };
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
    body.replaceChildren(callbackBox, log, typing, composeForm, counter, h("div", { class: "actions" }, leave));
    renderCounter();
    callbackBox.hidden = true;
    translate(body);
  }

  // transcriptLink offers the conversation shown as a text file to keep,
  // made in the page (nothing is sent anywhere); null without messages.
  function transcriptLink() {
    const lines = [...log.querySelectorAll(".msg")].map((li) => {
      const who = li.querySelector(".who")?.firstChild?.textContent.trim() || "";
      const at = li.querySelector("time")?.textContent || "";
      return `[${at}] ${who}: ${li.querySelector(".text")?.textContent || ""}`;
    });
    if (lines.length === 0) return null;
    const text = `${t("widget.title")}\n${new Date().toLocaleDateString(lang())}\n\n${lines.join("\n")}\n`;
    // A data: address (a blob: one would be refused by pages whose policy
    // allows only their own origin).
    const href = "data:text/plain;charset=utf-8," + encodeURIComponent(text);
    return h("a", { class: "transcript", href, download: "conversation.txt", "data-i18n": "widget.transcript" });
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
    body.replaceChildren(...[transcriptLink(), form].filter(Boolean));
    translate(body);
    status.textContent = t("widget.ended");
  }

  function showDone(text) {
    clear();
    phase = "idle";
    const again = h("button", { type: "button", class: "primary", "data-i18n": "widget.again" });
    again.addEventListener("click", showStart);
    body.replaceChildren(...[transcriptLink(), again].filter(Boolean));
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
    if (!f.message && f.reason === "closed" && f.opens_at) {
      const when = new Intl.DateTimeFormat(lang(), { weekday: "long", hour: "numeric", minute: "2-digit" }).format(new Date(f.opens_at));
      showDone((look.closed ? `${look.closed} ` : "") + t("widget.ended_closed_until", { when }));
      return;
    }
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
        if (f.transferred) {
          // The conversation goes on with another advisor: the log stays.
          hideTyping();
          note(t("widget.transferred"));
        }
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
      case "typing":
        if (phase !== "connected") break;
        typing.textContent = t("widget.typing", { agent: agentName || t("widget.agent") });
        typing.hidden = false;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(hideTyping, 4000);
        break;
      case "message": {
        if (f.from === "agent") hideTyping();
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
        if (phase === "connecting" && !saved.token) {
          // The start was refused (a name too long...): back to the form,
          // with what was typed and why, instead of a dead conversation.
          startError = { field: f.field || "", code: f.code };
          const sock = ws;
          ws = null;
          if (sock) sock.close();
          showStart();
          break;
        }
        if (f.field === "callback.number") {
          phoneRefused();
          break;
        }
        if (f.code === "too_large") {
          alertLine.textContent = t("widget.too_long", { max: maxMessage });
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
    renderCounter();
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
