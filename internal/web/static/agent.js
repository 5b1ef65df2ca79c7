// The agent desktop: signs in with the API's password session (POST
// /api/v1/login: an HttpOnly cookie) and on /agent/ws with the same
// password (handed to the request and the socket, never kept); a reload
// within the session's lifetime opens the socket with a login frame the
// server checks against the session cookie: no password again. Then the agent's real state (what it does and the presence
// it returns to) with a reason, a notice with a one-click Ready after a
// missed or declined offer, offers with the customer's history, several
// chats in tabs, and the wrap-up of each with a disposition, notes and a
// visible timer.
import { api, duration, errorText, h, initPage, linkified, logout, me, messageTime, randomId } from "./common.js";
import { dateTime, lang, onLang, t, translate } from "./i18n.js";
import { createSoftphone } from "./softphone.js";
import { createDeskTools } from "./desk-tools.js";
import { createDeskLookup } from "./desk-lookup.js";
import { pseudonymSettings } from "./desk-pseudonym.js";

// The built-in lists, offered while the tenant has none of its own (the
// admin page's dispositions and not-ready reasons, GET /api/v1/me/desk-lists).
const reasons = ["break", "training", "meeting", "admin"];
const dispositions = ["resolved", "information", "follow_up", "escalated", "not_resolved", "other"];

const deskLists = { dispositions: [], not_ready_reasons: [] };

// listOptions are a list's <option>s: the tenant's labels, or the built-in
// keys translated.
function listOptions(own, builtIn, ns) {
  return own.length
    ? own.map((r) => h("option", { value: r.code }, r.label))
    : builtIn.map((k) => h("option", { value: k, "data-i18n": `${ns}.${k}` }));
}

function listLabel(own, ns, code) {
  const mine = own.find((r) => r.code === code);
  if (mine) return mine.label;
  const k = `${ns}.${code}`;
  const s = t(k);
  return s === k ? code : s;
}

async function loadDeskLists() {
  try {
    Object.assign(deskLists, await api("GET", "/api/v1/me/desk-lists"));
  } catch {
    return; // the built-in lists stay
  }
  if (reasonSelect && deskLists.not_ready_reasons.length) {
    reasonSelect.replaceChildren(...listOptions(deskLists.not_ready_reasons, reasons, "reason"));
    if (deskLists.not_ready_reasons.some((r) => r.code === desk.reason)) reasonSelect.value = desk.reason;
  }
}

const app = document.getElementById("app");
const who = document.getElementById("who");
const signout = document.getElementById("signout");
const announce = document.getElementById("announce");

initPage();

const desk = {
  ws: null,
  name: "",
  state: "logged_out",
  presence: "logged_out",
  reason: "",
  since: Date.now(),
  chats: new Map(), // contact_id -> chat
  canned: [], // the tenant's canned responses (code, title, body)
  offers: new Map(), // contact_id -> element
  selected: null,
  leaving: false,
};

// ---- alerts: a sound, a desktop notification and a flashing tab title on
// a new offer and on a customer's message while the tab is in the
// background; each can be turned off (kept in localStorage).
const alertsKey = "plateau.desk.alerts";
const alerts = (() => {
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem(alertsKey) || "{}");
  } catch {
    saved = {};
  }
  return { sound: saved.sound !== false, notify: saved.notify === true, flash: saved.flash !== false };
})();
function saveAlerts() {
  try {
    localStorage.setItem(alertsKey, JSON.stringify(alerts));
  } catch {
    // not remembered; the choice holds for this page
  }
}
const baseTitle = () => t("agent.title");
let flashTimer = null;
function stopFlash() {
  clearInterval(flashTimer);
  flashTimer = null;
  document.title = baseTitle();
}
document.addEventListener("visibilitychange", () => {
  if (!document.hidden) stopFlash();
});
let audio = null;
function beep() {
  try {
    audio = audio || new AudioContext();
    const o = audio.createOscillator();
    const g = audio.createGain();
    o.frequency.value = 880;
    g.gain.setValueAtTime(0.15, audio.currentTime);
    g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(audio.currentTime + 0.4);
  } catch {
    // no audio here: the other alerts still work
  }
}
// alert signals an event: always the sound (when on) for an offer; for
// a message, and for the title and the notification, only in the background.
function alertAgent(text, offer) {
  const background = document.hidden;
  if (alerts.sound && (offer || background)) beep();
  if (!background) return;
  if (alerts.flash) {
    stopFlash();
    let on = false;
    flashTimer = setInterval(() => {
      on = !on;
      document.title = on ? `\u25cf ${text}` : baseTitle();
    }, 1000);
    document.title = `\u25cf ${text}`;
  }
  if (alerts.notify && "Notification" in window && Notification.permission === "granted") {
    try {
      const n = new Notification(text, { tag: "plateau-desk" });
      n.onclick = () => window.focus();
    } catch {
      // some browsers refuse notifications outside a service worker
    }
  }
}

function alertSettings() {
  const box = (id, key, label) => {
    const input = h("input", { type: "checkbox", id });
    input.checked = alerts[key];
    input.addEventListener("change", async () => {
      if (key === "notify" && input.checked && "Notification" in window && Notification.permission !== "granted") {
        const p = await Notification.requestPermission().catch(() => "denied");
        if (p !== "granted") {
          input.checked = false;
          hint.textContent = t("agent.alerts_denied");
          return;
        }
      }
      hint.textContent = "";
      alerts[key] = input.checked;
      saveAlerts();
      if (key === "flash" && !input.checked) stopFlash();
    });
    return h("div", { class: "check" }, input, h("label", { for: id, "data-i18n": label }));
  };
  const hint = h("p", { class: "muted", role: "status" });
  return h("details", { class: "card alerts" },
    h("summary", { "data-i18n": "agent.alerts" }),
    box("alert-sound", "sound", "agent.alert_sound"),
    box("alert-notify", "notify", "agent.alert_notify"),
    box("alert-flash", "flash", "agent.alert_flash"),
    hint);
}

function say(text) {
  announce.textContent = "";
  setTimeout(() => (announce.textContent = text), 50);
}

function send(f) {
  if (desk.ws && desk.ws.readyState === WebSocket.OPEN) {
    desk.ws.send(JSON.stringify(f));
    return true;
  }
  globalError.textContent = t("agent.not_connected");
  return false;
}

// ---- sign in ----
function showSignIn(message) {
  who.textContent = "";
  signout.hidden = true;
  const err = h("p", { class: "form-error", role: "alert" }, message || "");
  const login = h("input", { id: "agent-login", autocomplete: "username", required: true });
  const pw = h("input", { id: "agent-password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "primary", "data-i18n": "signin.submit" });
  const form = h("form", { class: "card signin", "aria-labelledby": "signin-title" },
    h("h2", { id: "signin-title", "data-i18n": "agent.signin_title" }),
    h("div", { class: "field" }, h("label", { for: "agent-login", "data-i18n": "signin.login" }), login),
    h("div", { class: "field" }, h("label", { for: "agent-password", "data-i18n": "signin.password" }), pw),
    err, submit);
  const fail = (problem) => {
    submit.disabled = false;
    pw.value = "";
    err.textContent = problem;
    pw.focus();
  };
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    submit.disabled = true;
    const password = pw.value;
    // The password lives only in the request already handed to fetch.
    pw.value = "";
    try {
      await api("POST", "/api/v1/login", { login: login.value.trim(), password });
      const m = await me();
      if (!m || m.role !== "agent") {
        await logout();
        fail(t("agent.not_agent"));
        return;
      }
    } catch (e) {
      fail(e && e.code === "invalid_credentials" ? t("error.credentials") : errorText(e));
      return;
    }
    // This first socket signs in with the password (whatever a proxy does
    // to the session cookie); a reload later signs in on the session.
    connect(fail, { login: login.value.trim(), password });
  });
  app.replaceChildren(form);
  translate(app);
  login.focus();
}

// connect opens the desk's socket, which signs in with creds (handed to
// the socket once, never kept) or, without, on the browser session.
function connect(fail, creds) {
  const url = location.origin.replace(/^http/, "ws") + "/agent/ws";
  const ws = new WebSocket(url);
  let signedIn = false;
  let refused = false;
  desk.leaving = false;
  desk.replaced = false;
  ws.addEventListener("open", () => {
    ws.send(JSON.stringify({ type: "login", ...(creds || {}) }));
    creds = null;
  });
  ws.addEventListener("message", (ev) => {
    let f;
    try {
      f = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (!signedIn) {
      if (f.type === "logged_in") {
        signedIn = true;
        desk.retries = 0;
        desk.ws = ws;
        desk.name = f.name;
        showDesk();
        loadDeskLists();
        return;
      }
      if (f.type === "error") {
        refused = true;
        fail(f.code === "unauthorized" ? t("agent.session_over") : t("agent.error", { error: f.message || f.code }));
        ws.close();
        return;
      }
    }
    handle(f);
  });
  ws.addEventListener("close", () => {
    if (!signedIn) {
      if (!refused) fail(t("agent.cannot_connect"));
      return;
    }
    if (desk.ws !== ws) return;
    desk.ws = null;
    if (softphone) softphone.reset();
    stopTimers();
    desk.chats.clear();
    desk.offers.clear();
    desk.selected = null;
    if (desk.leaving || desk.replaced) {
      showSignIn(desk.leaving ? "" : t("agent.replaced"));
      return;
    }
    // The connection dropped: come back on the session, a few times.
    showSignIn(t("agent.reconnecting"));
    desk.retries = (desk.retries || 0) + 1;
    if (desk.retries > 3) {
      desk.retries = 0;
      showSignIn(t("agent.disconnected"));
      return;
    }
    setTimeout(async () => {
      const m = await me().catch(() => null);
      if (m && m.role === "agent" && !desk.ws) connect(() => showSignIn(t("agent.disconnected")));
      else showSignIn(t("agent.disconnected"));
    }, 1000 * desk.retries);
  });
}

signout.addEventListener("click", () => {
  desk.leaving = true;
  send({ type: "state", state: "logged_out" });
  // Signing out closes the session too: the next visit asks the password.
  setTimeout(async () => {
    await logout();
    if (desk.ws) desk.ws.close();
  }, 200);
});

// start resumes the browser's session when there is one (a reload),
// otherwise shows the sign-in form.
async function start() {
  let m = null;
  try {
    m = await me();
  } catch {
    m = null;
  }
  if (m && m.role === "agent") connect((problem) => showSignIn(problem));
  else showSignIn();
}

// ---- the desk ----
let stateBadge, stateSince, stateSelect, reasonSelect, offersList, tablist, panels, globalError, noChats, reasonField, softphone, stateNotice, tools, lookup, pseudonym;

// The reasons the server sets by itself, each with a notice that says
// what happened and offers to be ready again in one click.
const noticeReasons = { rona: "agent.notice_rona", declined: "agent.notice_declined", disconnected: "agent.notice_disconnected", phone_unreachable: "agent.notice_phone_unreachable" };

// reasonText translates a reason key; a reason typed by a supervisor is
// shown as it is.
function reasonText(r) {
  return listLabel(deskLists.not_ready_reasons, "reason", r);
}

function showDesk() {
  who.textContent = desk.name;
  signout.hidden = false;
  stateBadge = h("span", { class: "badge" });
  stateSince = h("span", { class: "muted", role: "timer" });
  stateSelect = h("select", { id: "state-select" },
    ["ready", "not_ready", "logged_out"].map((s) => h("option", { value: s, "data-i18n": `state.${s}` })));
  reasonSelect = h("select", { id: "reason-select" }, listOptions(deskLists.not_ready_reasons, reasons, "reason"));
  reasonField = h("div", { class: "field" }, h("label", { for: "reason-select", "data-i18n": "agent.reason" }), reasonSelect);
  const readyNow = h("button", { type: "button", class: "primary", id: "ready-now", "data-i18n": "agent.ready_now" });
  readyNow.addEventListener("click", () => send({ type: "state", state: "ready" }));
  stateNotice = h("div", { class: "notice warn state-notice", role: "alert", hidden: true }, h("p", { class: "notice-text" }), readyNow);
  const stateForm = h("form", { class: "state-form" },
    h("div", { class: "field" }, h("label", { for: "state-select", "data-i18n": "agent.state" }), stateSelect),
    reasonField,
    h("button", { type: "submit", class: "primary", "data-i18n": "agent.apply" }));
  stateSelect.addEventListener("change", () => (reasonField.hidden = stateSelect.value !== "not_ready"));
  stateForm.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const f = { type: "state", state: stateSelect.value };
    if (f.state === "not_ready") f.reason = reasonSelect.value;
    send(f);
  });
  globalError = h("p", { class: "form-error", role: "alert" });
  offersList = h("div", { class: "offers" });
  noChats = h("p", { class: "muted", "data-i18n": "agent.no_chats" });
  tablist = h("div", { role: "tablist", class: "tabs", "data-i18n-attr": "aria-label:agent.chats" });
  panels = h("div", { class: "panels" });
  softphone = createSoftphone({ send, say });
  tools = createDeskTools({ send, say, softphoneOn: () => softphone.state.enabled, calling: (id, who) => softphone.calling(id, who) });
  lookup = createDeskLookup({ send });
  pseudonym = pseudonymSettings(() => (desk.name || "").trim().split(/\s+/)[0]);
  app.replaceChildren(
    globalError,
    h("div", { class: "desk" },
      h("aside", { class: "side" },
        h("section", { class: "card", "aria-labelledby": "mystate-title" },
          h("h2", { id: "mystate-title", "data-i18n": "agent.my_state" }),
          h("p", { class: "current-state" }, stateBadge, " ", stateSince),
          stateNotice,
          stateForm),
        softphone.element,
        alertSettings(),
        pseudonym.element,
        h("section", { "aria-labelledby": "offers-title" },
          h("h2", { id: "offers-title", class: "section-title", "data-i18n": "agent.offers" }),
          offersList,
          h("p", { class: "muted empty-offers", "data-i18n": "agent.no_offers" })),
        lookup.element),
      h("section", { class: "chats card", "aria-labelledby": "chats-title" },
        h("h2", { id: "chats-title", "data-i18n": "agent.chats" }),
        tablist, noChats, panels)));
  translate(app);
  renderState();
  ensureTicker();
  send({ type: "canned" });
  lookup.start();
  pseudonym.load();
}

// stateText is what the badge says: the state, and for a busy agent the
// presence it returns to when it is not "ready" (after a missed offer a
// busy agent takes no new contact).
function stateText() {
  const reason = desk.reason ? reasonText(desk.reason) : "";
  if (desk.state === "not_ready") return t("state.not_ready") + (reason ? ` \u00b7 ${reason}` : "");
  let text = t(`state.${desk.state}`);
  if (["busy", "offered", "wrap_up"].includes(desk.state) && desk.presence !== "ready") {
    text += ` \u00b7 ${t("agent.then", { state: t(`state.${desk.presence}`) + (reason ? ` (${reason})` : "") })}`;
  }
  return text;
}

function renderState() {
  if (!stateBadge) return;
  stateBadge.className = `badge state-${desk.state}`;
  stateBadge.textContent = stateText();
  // The selector shows the presence chosen, never a stale choice: one
  // Apply keeps the agent where it is.
  stateSelect.value = desk.presence;
  if ([...reasonSelect.options].some((o) => o.value === desk.reason)) reasonSelect.value = desk.reason;
  reasonField.hidden = stateSelect.value !== "not_ready";
  const notice = desk.presence === "not_ready" && noticeReasons[desk.reason];
  stateNotice.hidden = !notice;
  if (notice) stateNotice.querySelector(".notice-text").textContent = t(notice);
  translate(stateNotice);
  tick();
}

// ---- timers: time in state, wrap-up countdowns ----
let ticker = null;
function ensureTicker() {
  if (!ticker) ticker = setInterval(tick, 1000);
}
function stopTimers() {
  clearInterval(ticker);
  ticker = null;
}
function tick() {
  if (stateSince) stateSince.textContent = t("agent.since", { time: duration((Date.now() - desk.since) / 1000) });
  for (const card of desk.offers.values()) {
    if (!card.deadline) continue;
    const left = Math.max(0, Math.ceil((card.deadline - Date.now()) / 1000));
    card.timer.textContent = t("agent.offer_left", { time: duration(left) });
    card.timer.classList.toggle("urgent", left <= 5);
  }
  for (const c of desk.chats.values()) {
    if (!c.wrapStart) continue;
    const elapsed = (Date.now() - c.wrapStart) / 1000;
    if (c.wrapSeconds > 0) {
      const left = Math.max(0, c.wrapSeconds - elapsed);
      c.timer.textContent = t("agent.wrap_left", { time: duration(Math.ceil(left)) });
      c.timer.classList.toggle("urgent", left <= 10);
    } else {
      c.timer.textContent = t("agent.wrap_elapsed", { time: duration(elapsed) });
    }
  }
}

// ---- offers ----
function historyTable(items) {
  if (!items || items.length === 0) return h("p", { class: "muted", "data-i18n": "agent.first_contact" });
  return h("div", { class: "table-wrap" },
    h("table", { class: "history" },
      h("caption", { class: "sr-only", "data-i18n": "agent.history" }),
      h("thead", {}, h("tr", {},
        ["agent.h_date", "agent.h_channel", "agent.h_outcome", "agent.h_disposition", "agent.h_notes"].map((k) => h("th", { scope: "col", "data-i18n": k })))),
      h("tbody", {}, items.map((it) => h("tr", {},
        h("td", {}, dateTime(it.arrived_at)),
        h("td", {}, t(`channel.${it.channel}`)),
        h("td", {}, t(`outcome.${it.ended_reason || it.state}`)),
        h("td", {}, it.disposition ? listLabel(deskLists.dispositions, "disposition", it.disposition) : "\u2014"),
        h("td", {}, it.notes || ""))))));
}

function customerLine(c) {
  const parts = [c.name || t("agent.anonymous")];
  if (c.email) parts.push(c.email);
  if (c.phone) parts.push(c.phone);
  return parts.join(" \u00b7 ");
}

function showOffer(f) {
  const id = `offer-${f.contact_id}`;
  const accept = h("button", { type: "button", class: "primary", "data-i18n": "agent.accept" });
  const decline = h("button", { type: "button", "data-i18n": "agent.decline" });
  accept.addEventListener("click", () => {
    accept.disabled = decline.disabled = true;
    send({ type: "accept", contact_id: f.contact_id });
  });
  decline.addEventListener("click", () => {
    accept.disabled = decline.disabled = true;
    send({ type: "decline", contact_id: f.contact_id });
  });
  let callbackText = null;
  if (f.callback && f.callback_to) {
    callbackText = h("p", { class: "notice" },
      f.callback_to.write_back ? t("agent.callback_write") : t("agent.callback_call", { number: f.callback_to.number }));
  }
  const timer = h("p", { class: "offer-timer", role: "timer" });
  const card = h("article", { class: "card offer", id, "aria-labelledby": id + "-title" },
    h("h3", { id: id + "-title" }, t("agent.offer_title", { queue: f.queue_name })),
    timer,
    h("p", {}, h("strong", {}, customerLine(f.customer || {}))),
    h("p", { class: "muted" }, t("agent.waited", { time: duration(f.wait_seconds || 0) })),
    callbackText,
    h("h4", { "data-i18n": "agent.history" }),
    historyTable(f.history),
    h("div", { class: "buttons" }, accept, decline));
  card.timer = timer;
  if (f.expires_in_seconds > 0) card.deadline = Date.now() + f.expires_in_seconds * 1000;
  desk.offers.set(f.contact_id, card);
  offersList.append(card);
  translate(card);
  tick();
  const text = t("agent.new_offer", { queue: f.queue_name, customer: (f.customer && f.customer.name) || t("agent.anonymous") });
  say(text);
  alertAgent(text, true);
}

function removeOffer(id, reason) {
  const card = desk.offers.get(id);
  if (card) card.remove();
  desk.offers.delete(id);
  if (reason && reason !== "accepted") say(t("agent.offer_withdrawn", { reason: t(`withdrawn.${reason}`) }));
}

// ---- chats ----
function selectChat(id, focus) {
  desk.selected = id;
  for (const [cid, c] of desk.chats) {
    const on = cid === id;
    c.tab.setAttribute("aria-selected", String(on));
    c.tab.tabIndex = on ? 0 : -1;
    c.panel.hidden = !on;
    if (on) {
      c.unread = 0;
      c.badge.textContent = "";
    }
  }
  if (focus && desk.chats.has(id)) desk.chats.get(id).tab.focus();
}

function openChat(f) {
  let c = desk.chats.get(f.contact_id);
  if (!c) {
    const id = f.contact_id;
    const badge = h("span", { class: "unread" });
    const tab = h("button", { type: "button", role: "tab", id: `tab-${id}`, "aria-controls": `panel-${id}`, "aria-selected": "false", tabindex: "-1" },
      h("span", { class: "tab-name" }, (f.customer && f.customer.name) || t("agent.anonymous")), badge);
    const log = h("ol", { class: "chat-log", role: "log", "aria-live": "polite", "aria-label": t("agent.conversation_with", { customer: (f.customer && f.customer.name) || t("agent.anonymous") }) });
    // No maxlength (a paste would be cut without a word): a counter near
    // the limit, and a message over it is refused.
    const input = h("textarea", { id: `compose-${id}`, rows: "2", "aria-describedby": `count-${id}` });
    const sendBtn = h("button", { type: "submit", class: "primary", "data-i18n": "agent.send" });
    const counter = h("p", { class: "counter", id: `count-${id}`, hidden: true });
    const compose = h("form", { class: "composer" },
      h("label", { for: `compose-${id}`, class: "sr-only", "data-i18n": "agent.message" }), input, sendBtn, counter);
    let lastTyping = 0;
    input.addEventListener("input", () => {
      renderCounter(input, counter);
      // Tell the customer, at most every 2 seconds, that the agent types.
      if (input.value && !c.ended && Date.now() - lastTyping > 2000) {
        lastTyping = Date.now();
        send({ type: "typing", contact_id: id });
      }
    });
    const typing = h("p", { class: "typing muted", hidden: true });
    // Canned responses: "/" then a code or words of a title lists them;
    // a click (or Enter on the first) puts the text, the customer's name
    // filled in, in the composer.
    const picks = h("ul", { class: "canned-list", id: `canned-${id}`, hidden: true, "data-i18n-attr": "aria-label:agent.canned" });
    compose.append(picks);
    const cannedMatches = () => {
      if (!input.value.startsWith("/")) return [];
      const q = input.value.slice(1).trim().toLowerCase();
      return desk.canned.filter((r) => r.code.startsWith(q) || (q && r.title.toLowerCase().includes(q))).slice(0, 6);
    };
    const useCanned = (r) => {
      input.value = r.body.replaceAll("{name}", (f.customer && f.customer.name) || "");
      picks.hidden = true;
      renderCounter(input, counter);
      input.focus();
    };
    const renderPicks = () => {
      const list = cannedMatches();
      picks.hidden = list.length === 0;
      picks.replaceChildren(...list.map((r) => {
        const b = h("button", { type: "button", class: "canned-pick" }, h("strong", {}, `/${r.code}`), r.title ? ` \u2014 ${r.title}` : "");
        b.addEventListener("click", () => useCanned(r));
        return h("li", {}, b);
      }));
    };
    input.addEventListener("input", () => {
      if (input.value === "/") send({ type: "canned" }); // fresh from the admin's last edit
      renderPicks();
    });
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey && !picks.hidden) {
        const first = cannedMatches()[0];
        if (first) {
          ev.preventDefault();
          ev.stopImmediatePropagation();
          useCanned(first);
        }
      } else if (ev.key === "Escape" && !picks.hidden) {
        picks.hidden = true;
      }
    });

    // A call has no messages: its panel says so and its button hangs up.
    const voice = f.channel === "voice";
    if (voice) compose.hidden = log.hidden = true;
    const end = h("button", { type: "button", class: "danger", "data-i18n": voice ? "softphone.hangup" : "agent.end" });
    const alert = h("p", { class: "form-error", role: "alert" });
    const timer = h("p", { class: "wrap-timer", role: "timer" });
    const wrap = h("div", { class: "wrapup", hidden: true });
    const panel = h("div", { role: "tabpanel", id: `panel-${id}`, "aria-labelledby": `tab-${id}`, class: "chat-panel", hidden: true },
      h("p", { class: "muted chat-customer" }, customerLine(f.customer || {})),
      voice ? h("p", { class: "call-line" }, t("agent.on_call")) : null,
      log, typing, alert, compose, h("div", { class: "buttons" }, end), wrap);
    c = { id, tab, badge, panel, log, input, compose, end, alert, timer, wrap, typing, seen: new Set(), pending: new Map(), unread: 0, customer: f.customer || {} };
    panel.insertBefore(tools.panel(c, f), wrap);
    c.renderPicks = renderPicks;
    input.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey) {
        ev.preventDefault();
        compose.requestSubmit();
      }
    });
    compose.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const body = input.value.trim();
      if (!body || c.ended) return;
      if (tooLong(body)) {
        renderCounter(input, counter);
        c.alert.textContent = t("agent.too_long", { max: maxMessage });
        input.focus();
        return;
      }
      c.alert.textContent = "";
      const mid = randomId();
      const li = addMessage(c, { from: "agent", body }, true);
      c.pending.set(mid, li);
      if (send({ type: "message", contact_id: id, body, client_msg_id: mid })) {
        input.value = "";
        renderCounter(input, counter);
      }
    });
    end.addEventListener("click", () => send({ type: "end", contact_id: id }));
    tab.addEventListener("click", () => selectChat(id, false));
    tab.addEventListener("keydown", tabKeys);
    desk.chats.set(id, c);
    tablist.append(tab);
    panels.append(panel);
    translate(panel);
    noChats.hidden = true;
  }
  for (const m of f.messages || []) addIncoming(c, m);
  if (desk.selected === null || !desk.chats.has(desk.selected)) selectChat(c.id, false);
  say(t("agent.chat_started", { customer: c.customer.name || t("agent.anonymous") }));
  return c;
}

// The server's limit on a message: 4 KiB of UTF-8, said as 4,000 characters.
const maxMessage = 4000;
const tooLong = (text) => [...text].length > maxMessage || new TextEncoder().encode(text).length > 4096;
function renderCounter(input, counter) {
  const n = [...input.value].length;
  const over = tooLong(input.value);
  counter.textContent = t(over ? "widget.count_over" : "widget.count", { n, max: maxMessage });
  counter.classList.toggle("over", over);
  counter.hidden = n < maxMessage * 0.8 && !over;
  if (over) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

function tabKeys(ev) {
  const ids = [...desk.chats.keys()];
  const i = ids.indexOf(desk.selected);
  let next = null;
  if (ev.key === "ArrowRight") next = ids[(i + 1) % ids.length];
  else if (ev.key === "ArrowLeft") next = ids[(i - 1 + ids.length) % ids.length];
  else if (ev.key === "Home") next = ids[0];
  else if (ev.key === "End") next = ids[ids.length - 1];
  if (next !== null && next !== undefined) {
    ev.preventDefault();
    selectChat(next, true);
  }
}

function addMessage(c, m, mine) {
  const whoText = m.from === "agent" ? t("agent.me") : m.from === "customer" ? c.customer.name || t("agent.customer") : t("agent.system");
  const li = h("li", { class: `msg from-${m.from}${mine ? " pending" : ""}` },
    h("span", { class: "who" }, whoText + " ", messageTime(m.sent_at, lang())), h("span", { class: "text" }, linkified(m.body)));
  c.log.append(li);
  c.log.scrollTop = c.log.scrollHeight;
  return li;
}

function addIncoming(c, m) {
  if (m.seq && c.seen.has(m.seq)) return;
  if (m.seq) c.seen.add(m.seq);
  const li = m.client_msg_id && c.pending.get(m.client_msg_id);
  if (li) {
    li.classList.remove("pending");
    c.pending.delete(m.client_msg_id);
    return;
  }
  addMessage(c, m, false);
  if (desk.selected !== c.id && m.from === "customer") {
    c.unread++;
    c.badge.textContent = ` (${c.unread})`;
    say(t("agent.new_message", { customer: c.customer.name || t("agent.customer") }));
  }
  if (m.from === "customer" && document.hidden) alertAgent(t("agent.new_message", { customer: c.customer.name || t("agent.customer") }), false);
}

function hideTyping(c) {
  clearTimeout(c.typingTimer);
  c.typing.hidden = true;
}

function endChat(f) {
  const c = desk.chats.get(f.contact_id);
  if (!c) return;
  c.ended = true;
  c.input.disabled = true;
  c.compose.hidden = true;
  c.end.hidden = true;
  c.tab.classList.add("ended");
  c.log.append(h("li", { class: "note" }, f.transferred ? t("transfer.done", { to: c.transferTo || "" }) : t("agent.chat_ended")));
  if (c.hideTools) c.hideTools();
  if (f.transferred) say(t("transfer.done", { to: c.transferTo || "" }));
  if (f.wrap_up === false) {
    const close = h("button", { type: "button", "data-i18n": "agent.close_tab" });
    close.addEventListener("click", () => removeChat(c.id));
    c.wrap.replaceChildren(close);
    c.wrap.hidden = false;
    translate(c.wrap);
    return;
  }
  c.wrapSeconds = Number(f.wrap_up_seconds) || 0;
  c.wrapStart = Date.now();
  const disp = h("select", { id: `disp-${c.id}`, required: !f.transferred },
    h("option", { value: "", "data-i18n": "agent.pick_disposition" }),
    listOptions(deskLists.dispositions, dispositions, "disposition"));
  const notes = h("textarea", { id: `notes-${c.id}`, rows: "3", maxlength: "4000" });
  const err = h("p", { class: "form-error", role: "alert" });
  const form = h("form", { class: "wrapup-form", "aria-labelledby": `wrap-title-${c.id}` },
    h("h3", { id: `wrap-title-${c.id}`, "data-i18n": "agent.wrapup" }),
    c.timer,
    h("div", { class: "field", hidden: !!f.transferred }, h("label", { for: `disp-${c.id}`, "data-i18n": "agent.disposition" }), disp),
    h("div", { class: "field" }, h("label", { for: `notes-${c.id}`, "data-i18n": "agent.notes" }), notes),
    err,
    h("button", { type: "submit", class: "primary", "data-i18n": "agent.finish" }));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!disp.value && !f.transferred) {
      err.textContent = t("agent.disposition_required");
      disp.setAttribute("aria-invalid", "true");
      disp.focus();
      return;
    }
    disp.removeAttribute("aria-invalid");
    send({ type: "wrap_up", contact_id: c.id, disposition: disp.value, notes: notes.value.trim() });
  });
  c.wrap.replaceChildren(form);
  c.wrap.hidden = false;
  translate(c.wrap);
  tick();
  if (desk.selected === c.id) disp.focus();
  say(t("agent.chat_ended_for", { customer: c.customer.name || t("agent.customer") }));
}

function removeChat(id) {
  const c = desk.chats.get(id);
  if (!c) return;
  c.tab.remove();
  c.panel.remove();
  desk.chats.delete(id);
  if (tools) tools.forget(id);
  if (desk.selected === id) {
    desk.selected = null;
    const first = desk.chats.keys().next();
    if (!first.done) selectChat(first.value, false);
  }
  noChats.hidden = desk.chats.size > 0;
}

function handle(f) {
  if (softphone && softphone.handle(f)) return;
  if (tools && tools.handle(f, desk.chats)) return;
  if (lookup && lookup.handle(f)) return;
  switch (f.type) {
    case "agent_state":
      desk.state = f.state;
      desk.presence = f.presence || (["ready", "not_ready", "logged_out"].includes(f.state) ? f.state : desk.presence);
      desk.reason = f.reason || "";
      desk.since = Date.now();
      renderState();
      say(stateBadge.textContent);
      break;
    case "offer":
      showOffer(f);
      break;
    case "offer_withdrawn":
      removeOffer(f.contact_id, f.reason);
      break;
    case "connected":
      removeOffer(f.contact_id, "accepted");
      openChat(f);
      break;
    case "message": {
      const c = desk.chats.get(f.contact_id);
      if (c && f.from === "customer") hideTyping(c);
      if (c) addIncoming(c, f);
      break;
    }
    case "canned":
      desk.canned = f.items || [];
      for (const c of desk.chats.values()) if (c.renderPicks) c.renderPicks();
      break;
    case "typing": {
      const c = desk.chats.get(f.contact_id);
      if (!c || c.ended) break;
      c.typing.textContent = t("agent.typing", { customer: c.customer.name || t("agent.customer") });
      c.typing.hidden = false;
      clearTimeout(c.typingTimer);
      c.typingTimer = setTimeout(() => hideTyping(c), 4000);
      break;
    }
    case "ack": {
      const c = desk.chats.get(f.contact_id);
      if (!c) break;
      const li = c.pending.get(f.client_msg_id);
      if (li) {
        li.classList.remove("pending");
        c.pending.delete(f.client_msg_id);
      }
      c.seen.add(f.seq);
      break;
    }
    case "ended":
      endChat(f);
      break;
    case "wrap_up_done":
      removeChat(f.contact_id);
      break;
    case "error": {
      if (f.code === "replaced") desk.replaced = true;
      const c = f.contact_id && desk.chats.get(f.contact_id);
      const text = t("agent.error", { error: f.message || f.code });
      if (c) c.alert.textContent = text;
      else if (globalError) globalError.textContent = text;
      if (f.contact_id && desk.offers.has(f.contact_id)) {
        for (const b of desk.offers.get(f.contact_id).querySelectorAll("button")) b.disabled = false;
      }
      break;
    }
  }
}

onLang(() => {
  renderState();
  if (softphone) softphone.render();
  if (pseudonym) pseudonym.relang();
});

start();
