// The supervisor wallboard: per queue the waiting count, longest wait and
// today's figures; per agent the state and time in state (counting up here
// between updates); the intraday chart. Live over Server-Sent Events
// (/api/v1/tenants/{tid}/wallboard/stream), with a fallback to polling.
// Supervisors and admins may change an agent's state and move a waiting
// contact to another queue.
import { api, ApiError, duration, errorText, h, initPage, logout, me, signInForm } from "./common.js";
import { intradayChart } from "./chart.js";
import { agentContactCell, closeWatch, watchPanel } from "./wallboard-watch.js";
import { createTVPager } from "./wallboard-tv.js";
import { clock, lang, number, onLang, percent, t, translate } from "./i18n.js";

const app = document.getElementById("app");
const who = document.getElementById("who");
const signout = document.getElementById("signout");
const announce = document.getElementById("announce");
initPage();

const states = ["ready", "busy", "wrap_up", "not_ready", "offered", "logged_out"];
const actions = ["ready", "not_ready:break", "not_ready:training", "not_ready:meeting", "not_ready:admin", "logged_out"];

const wb = { me: null, tid: null, data: null, skew: 0, canAct: false, rows: new Map(), qrows: new Map(), es: null, poll: null, chartKey: "" };

signout.addEventListener("click", async () => {
  if (wb.es) wb.es.close();
  await logout();
  location.href = "/wallboard";
});

function forbidden(tid) {
  app.replaceChildren(h("div", { class: "notice error", role: "alert" },
    h("h2", {}, t("wb.forbidden_title")), h("p", {}, t("wb.forbidden", { tenant: tid }))));
}

async function start() {
  let m;
  try {
    m = await me();
  } catch (e) {
    app.replaceChildren(h("p", { class: "notice error", role: "alert" }, errorText(e)));
    return;
  }
  if (!m) m = await signInForm(app);
  wb.me = m;
  who.textContent = m.user ? m.user.display_name || m.user.login : (m.token && m.token.name) || "";
  signout.hidden = false;
  if (!["admin", "supervisor", "client_viewer"].includes(m.role)) {
    app.replaceChildren(h("p", { class: "notice error", role: "alert" }, t("wb.role_not_allowed")));
    return;
  }
  const asked = new URLSearchParams(location.search).get("tenant");
  let tid = asked ? Number(asked) : m.tenant_id;
  if (asked && !(tid > 0)) {
    forbidden(asked);
    return;
  }
  if (!tid && m.platform_admin) {
    const ts = await api("GET", "/api/v1/tenants");
    if (ts.length) tid = ts[0].id;
  }
  if (!tid) {
    app.replaceChildren(h("p", { class: "notice" }, t("admin.no_tenant")));
    return;
  }
  // Another tenant than one's own: the API refuses it; say so plainly.
  if (!m.platform_admin && m.tenant_id !== tid) {
    forbidden(tid);
    return;
  }
  wb.tid = tid;
  wb.canAct = m.role === "admin" || m.role === "supervisor";
  let first;
  try {
    first = await api("GET", `/api/v1/tenants/${tid}/wallboard`);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 403 || e.status === 404)) forbidden(tid);
    else app.replaceChildren(h("p", { class: "notice error", role: "alert" }, errorText(e)));
    return;
  }
  layout(first);
  update(first);
  listen();
  setInterval(() => (tickAgents(), tickContacts()), 1000);
}

// ---- live updates ----
function listen() {
  const es = new EventSource(`/api/v1/tenants/${wb.tid}/wallboard/stream`);
  wb.es = es;
  es.onmessage = (ev) => {
    try {
      update(JSON.parse(ev.data));
      setLive(true);
    } catch {
      // a frame we cannot read: the next one will do
    }
  };
  es.onerror = () => {
    setLive(false);
    if (es.readyState === EventSource.CLOSED) {
      // The stream is refused (no session cookie, e.g. an API token): poll.
      wb.es = null;
      if (!wb.poll) {
        wb.poll = setInterval(async () => {
          try {
            update(await api("GET", `/api/v1/tenants/${wb.tid}/wallboard`));
            setLive(true);
          } catch {
            setLive(false);
          }
        }, 1000);
      }
    }
  };
}

let liveBadge, updated, tiles, qbody, abody, cbody, chartSlot, moveQueue, moveID;

function setLive(ok) {
  liveBadge.className = `badge ${ok ? "state-ready" : "state-not_ready"}`;
  liveBadge.textContent = ok ? t("wb.live") : t("wb.reconnecting");
}

function tile(id, key) {
  return h("div", { class: "tile card" }, h("p", { class: "tile-label", "data-i18n": key }), h("p", { class: "tile-value", id }));
}

// ---- alert thresholds per queue, kept by this browser ----
const thresholdsKey = () => `plateau.wb.thresholds.${wb.tid}`;
const thresholds = { queues: {}, sound: false };
function loadThresholds() {
  try {
    Object.assign(thresholds, JSON.parse(localStorage.getItem(thresholdsKey()) || "{}"));
  } catch {
    // none kept
  }
}
function saveThresholds() {
  try {
    localStorage.setItem(thresholdsKey(), JSON.stringify(thresholds));
  } catch {
    // not kept; they hold for this page
  }
}
let audio = null;
function chime() {
  try {
    audio = audio || new AudioContext();
    const o = audio.createOscillator();
    const g = audio.createGain();
    o.frequency.value = 660;
    g.gain.setValueAtTime(0.15, audio.currentTime);
    g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(audio.currentTime + 0.6);
  } catch {
    // no audio: the colour still says it
  }
}

function thresholdsForm(queues) {
  loadThresholds();
  const rows = queues.map((q) => {
    const th = thresholds.queues[q.queue_id] || {};
    const wait = h("input", { type: "number", min: "0", max: "3600", id: `th-wait-${q.queue_id}`, value: th.wait || "" });
    const sl = h("input", { type: "number", min: "0", max: "100", id: `th-sl-${q.queue_id}`, value: th.sl || "" });
    const set = () => {
      thresholds.queues[q.queue_id] = { wait: Number(wait.value) || 0, sl: Number(sl.value) || 0 };
      saveThresholds();
      if (wb.data) update(wb.data);
    };
    wait.addEventListener("change", set);
    sl.addEventListener("change", set);
    return h("tr", {}, h("th", { scope: "row" }, q.name),
      h("td", {}, h("label", { for: wait.id, class: "sr-only" }, t("wb.th_wait_for", { queue: q.name })), wait),
      h("td", {}, h("label", { for: sl.id, class: "sr-only" }, t("wb.th_sl_for", { queue: q.name })), sl));
  });
  const sound = h("input", { type: "checkbox", id: "th-sound" });
  sound.checked = !!thresholds.sound;
  sound.addEventListener("change", () => {
    thresholds.sound = sound.checked;
    saveThresholds();
  });
  return h("details", { class: "card thresholds" },
    h("summary", { "data-i18n": "wb.thresholds" }),
    h("p", { class: "hint", "data-i18n": "wb.thresholds_hint" }),
    h("div", { class: "table-wrap" }, h("table", { id: "thresholds" },
      h("thead", {}, h("tr", {}, ["wb.queue", "wb.th_wait", "wb.th_sl"].map((k) => h("th", { scope: "col", "data-i18n": k })))),
      h("tbody", {}, rows))),
    h("div", { class: "check" }, sound, h("label", { for: "th-sound", "data-i18n": "wb.th_sound" })));
}

function layout(first) {
  liveBadge = h("span", { class: "badge" });
  updated = h("span", { class: "muted" });
  tiles = h("div", { class: "tiles" },
    tile("t-waiting", "wb.waiting"), tile("t-longest", "wb.longest"), tile("t-sl", "wb.sl_today"),
    tile("t-answered", "wb.answered_today"), tile("t-abandoned", "wb.abandoned_today"), tile("t-ready", "wb.agents_ready"));
  qbody = h("tbody", {});
  abody = h("tbody", {});
  cbody = h("tbody", {});
  chartSlot = h("div", {});
  const qhead = ["wb.queue", "wb.waiting", "wb.longest", "wb.sl", "wb.answer_rate", "wb.asa", "wb.offered", "wb.answered", "wb.abandoned", "wb.agents"];
  const tv = h("button", { type: "button", id: "tv-mode", class: "tv-toggle", "aria-pressed": "false", "data-i18n": "wb.tv" });
  tv.addEventListener("click", () => setTV(!document.body.classList.contains("tv"), true));
  const parts = [
    h("div", { class: "wb-status" }, liveBadge, " ", updated, " ", tv),
    tiles,
    h("section", { "aria-labelledby": "q-title" },
      h("h2", { id: "q-title", "data-i18n": "wb.queues" }),
      h("div", { class: "table-wrap" }, h("table", { id: "queues" },
        h("thead", {}, h("tr", {}, qhead.map((k, i) => h("th", { scope: "col", class: i > 0 && i < 9 ? "num" : false, "data-i18n": k })))),
        qbody))),
    h("section", { "aria-labelledby": "c-title" },
      h("h2", { id: "c-title", "data-i18n": "wb.contacts_title" }),
      h("div", { class: "table-wrap" }, h("table", { id: "contacts" },
        h("thead", {}, h("tr", {},
          ["wb.contact", "wb.customer", "wb.queue", "wb.channel", "wb.position", "wb.waited"].map((k, i) => h("th", { scope: "col", class: i === 4 || i === 5 ? "num" : false, "data-i18n": k })),
          wb.canAct ? h("th", { scope: "col", "data-i18n": "wb.move" }) : null)),
        cbody))),
    h("section", { "aria-labelledby": "chart-h" }, h("h2", { id: "chart-h", "data-i18n": "wb.intraday" }), h("div", { class: "card" }, chartSlot)),
    h("section", { "aria-labelledby": "a-title" },
      h("h2", { id: "a-title", "data-i18n": "wb.agents_title" }),
      h("div", { class: "table-wrap" }, h("table", { id: "agents" },
        h("thead", {}, h("tr", {},
          h("th", { scope: "col", "data-i18n": "wb.agent" }), h("th", { scope: "col", "data-i18n": "wb.state" }),
          h("th", { scope: "col", class: "num", "data-i18n": "wb.in_state" }),
          h("th", { scope: "col", "data-i18n": "wb.agent_contact" }),
          h("th", { scope: "col", class: "num", "data-i18n": "wb.agent_handled" }),
          h("th", { scope: "col", class: "num", "data-i18n": "wb.agent_aht" }),
          h("th", { scope: "col", class: "num", "data-i18n": "wb.agent_occupancy" }),
          wb.canAct ? h("th", { scope: "col", "data-i18n": "wb.change_state" }) : null)),
        abody))),
  ];
  if (wb.canAct) parts.push(watchPanel(wb));
  if (wb.canAct) parts.push(moveForm());
  parts.push(thresholdsForm(first.queues || []));
  app.replaceChildren(...parts);
  translate(app);
  // ?tv_page_seconds=N turns the TV mode's pages of agents every N seconds (default 8).
  const every = Number(new URLSearchParams(location.search).get("tv_page_seconds")) || 8;
  tvPager = createTVPager(document.getElementById("agents"), Math.max(2, every) * 1000);
  if (new URLSearchParams(location.search).get("tv") === "1") setTV(true, false);
}

// tvPager pages the agents' table in TV mode (wallboard-tv.js).
let tvPager = null;

// setTV turns the TV mode on or off: the figures alone, large, on one
// screen (1920×1080) without scrolling; full screen when asked by a click.
// Escape leaves it. ?tv=1 opens the wallboard in it.
function setTV(on, fullscreen) {
  document.body.classList.toggle("tv", on);
  if (tvPager) tvPager.tv(on);
  const b = document.getElementById("tv-mode");
  b.setAttribute("aria-pressed", String(on));
  b.textContent = t(on ? "wb.tv_exit" : "wb.tv");
  b.dataset.i18n = on ? "wb.tv_exit" : "wb.tv";
  if (fullscreen && on && document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
  if (!on && document.fullscreenElement) document.exitFullscreen().catch(() => {});
}
document.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape" && document.body.classList.contains("tv")) setTV(false, false);
});

function moveForm() {
  const id = h("input", { id: "move-id", type: "number", min: "1", required: true, inputmode: "numeric" });
  moveID = id;
  moveQueue = h("select", { id: "move-queue" });
  const err = h("p", { class: "form-error", role: "alert" });
  const ok = h("p", { class: "ok-text", role: "status" });
  const form = h("form", { class: "card move-form", "aria-labelledby": "move-title" },
    h("h2", { id: "move-title", "data-i18n": "wb.move_title" }),
    h("p", { class: "hint", "data-i18n": "wb.move_hint" }),
    h("div", { class: "row-fields" },
      h("div", { class: "field" }, h("label", { for: "move-id", "data-i18n": "wb.move_contact" }), id),
      h("div", { class: "field" }, h("label", { for: "move-queue", "data-i18n": "wb.move_to" }), moveQueue),
      h("button", { type: "submit", class: "primary", "data-i18n": "wb.move" })),
    err, ok);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = ok.textContent = "";
    try {
      await api("POST", `/api/v1/tenants/${wb.tid}/interactions/${Number(id.value)}/move`, { queue_id: Number(moveQueue.value) });
      ok.textContent = t("wb.moved", { id: id.value, queue: moveQueue.selectedOptions[0].textContent });
      id.value = "";
    } catch (e) {
      err.textContent = e.status === 409 ? t("wb.move_not_waiting") : errorText(e);
    }
  });
  return form;
}

// ---- rendering ----
const dash = "\u2014";
const pct = (v) => (v === null || v === undefined ? dash : percent(v));
const secs = (v) => (v === null || v === undefined ? dash : duration(v));

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function update(d) {
  wb.data = d;
  wb.skew = Date.now() - Date.parse(d.at);
  setText(updated, t("wb.updated", { time: clock(new Date(d.at)) }));
  const qs = d.queues || [];
  const sum = (f) => qs.reduce((s, q) => s + (f(q) || 0), 0);
  // The tenant's service level: the queues' levels weighted by their
  // offered contacts, over the queues that have one.
  const rated = qs.filter((q) => q.today.service_level !== null && q.today.service_level !== undefined);
  const offered = rated.reduce((s, q) => s + q.today.offered, 0);
  const slNum = rated.reduce((s, q) => s + q.today.service_level * q.today.offered, 0);
  setText(document.getElementById("t-waiting"), number(sum((q) => q.waiting)));
  setText(document.getElementById("t-longest"), duration(Math.max(0, ...qs.map((q) => q.longest_wait_seconds || 0))));
  setText(document.getElementById("t-sl"), offered > 0 ? percent(slNum / offered) : dash);
  setText(document.getElementById("t-answered"), number(sum((q) => q.today.answered)));
  setText(document.getElementById("t-abandoned"), number(sum((q) => q.today.abandoned)));
  setText(document.getElementById("t-ready"), number(sum((q) => q.agents.ready)));

  // queues, updated in place
  const seenQ = new Set();
  for (const q of qs) {
    seenQ.add(q.queue_id);
    let r = wb.qrows.get(q.queue_id);
    if (!r) {
      const cells = Array.from({ length: 10 }, (_, i) => (i === 0 ? h("th", { scope: "row" }) : h("td", { class: i < 9 ? "num" : "agents-cell" })));
      r = { tr: h("tr", { dataset: { queue: q.queue_id } }, cells), cells };
      wb.qrows.set(q.queue_id, r);
      qbody.append(r.tr);
    }
    const c = r.cells;
    setText(c[0], q.name);
    // The callbacks are among the waiting: "2, of which 1 callback".
    setText(c[1], q.callbacks ? t(`wb.waiting_with_callbacks_${plural(q.callbacks)}`, { n: number(q.waiting), k: number(q.callbacks) }) : number(q.waiting));
    setText(c[2], duration(q.longest_wait_seconds || 0));
    setText(c[3], `${pct(q.today.service_level)} / ${q.today.sl_threshold_seconds ?? d.sl_threshold_seconds}s`);
    setText(c[4], pct(q.today.answer_rate));
    setText(c[5], q.today.asa_seconds === null ? dash : duration(q.today.asa_seconds));
    setText(c[6], number(q.today.offered));
    setText(c[7], number(q.today.answered));
    setText(c[8], number(q.today.abandoned) + (q.today.short_abandoned ? ` (${number(q.today.short_abandoned)} ${t("wb.short")})` : ""));
    setText(c[9], states.filter((s) => q.agents[s]).map((s) => `${t(`state.${s}`)} ${q.agents[s]}`).join(" \u00b7 ") || dash);
    c[1].classList.toggle("alert-cell", q.waiting > 0 && q.longest_wait_seconds > (q.today.sl_threshold_seconds ?? d.sl_threshold_seconds));
    // The supervisor's own thresholds (this browser): colour, and a sound
    // when a figure crosses one.
    const th = thresholds.queues[q.queue_id] || {};
    const waitAlert = th.wait > 0 && q.waiting > 0 && q.longest_wait_seconds > th.wait;
    const slAlert = th.sl > 0 && q.today.service_level !== null && q.today.service_level !== undefined && q.today.service_level * 100 < th.sl;
    for (const [cell, on] of [[c[2], waitAlert], [c[3], slAlert]]) {
      if (on && !cell.classList.contains("threshold-alert") && thresholds.sound) chime();
      cell.classList.toggle("threshold-alert", on);
      if (on) cell.setAttribute("title", t("wb.threshold_crossed"));
      else cell.removeAttribute("title");
    }
  }
  for (const [id, r] of wb.qrows) if (!seenQ.has(id)) (r.tr.remove(), wb.qrows.delete(id));
  if (moveQueue) {
    const want = qs.map((q) => `${q.queue_id}:${q.name}`).join("|");
    if (moveQueue.dataset.key !== want) {
      const keep = moveQueue.value;
      moveQueue.replaceChildren(...qs.map((q) => h("option", { value: q.queue_id }, q.name)));
      if (keep) moveQueue.value = keep;
      moveQueue.dataset.key = want;
    }
  }

  contactRows(qs);

  // agents, updated in place (the action controls keep their focus)
  const seenA = new Set();
  for (const a of d.agents || []) {
    seenA.add(a.agent_id);
    let r = wb.rows.get(a.agent_id);
    if (!r) r = agentRow(a);
    r.agent = a;
    setText(r.name, a.name);
    r.badge.className = `badge state-${a.state}`;
    setText(r.badge, agentStateText(a) + (a.online === false && a.state !== "logged_out" ? ` (${t("wb.offline")})` : ""));
    agentContactCell(wb, r, a);
    const today = a.today || {};
    setText(r.handled, today.handled === undefined ? dash : number(today.handled));
    setText(r.aht, secs(today.aht_seconds));
    setText(r.occ, pct(today.occupancy));
  }
  for (const [id, r] of wb.rows) if (!seenA.has(id)) (r.tr.remove(), wb.rows.delete(id));
  tickAgents();
  if (tvPager) tvPager.layout();

  const key = JSON.stringify(d.intraday || []);
  if (key !== wb.chartKey) {
    wb.chartKey = key;
    chartSlot.replaceChildren(intradayChart(d.intraday || []));
  }
}

// contactRows lists the waiting contacts; the rows are rebuilt only when
// the list changes (a focused "Move" button keeps its focus), and their
// waits count up between updates.
function contactRows(qs) {
  const list = qs.flatMap((q) => (q.contacts || []).map((c) => ({ ...c, queue: q.name })));
  const key = list.map((c) => `${c.contact_id}:${c.queue}:${c.position}:${c.offered}:${c.callback}:${c.name || ""}`).join("|");
  if (key !== wb.contactsKey) {
    wb.contactsKey = key;
    wb.contactRows = list.map((c) => {
      const waited = h("td", { class: "num" });
      let act = null;
      if (wb.canAct) {
        const b = h("button", { type: "button", "aria-label": t("wb.move_this", { id: c.contact_id }) }, t("wb.move"));
        b.addEventListener("click", () => {
          moveID.value = c.contact_id;
          moveQueue.focus();
        });
        act = h("td", { class: "act" }, b);
      }
      const pos = c.offered ? t("wb.offered_now") : c.callback ? t("wb.callback_pos", { pos: number(c.position) }) : number(c.position);
      const tr = h("tr", { dataset: { contact: c.contact_id } },
        h("th", { scope: "row" }, `#${c.contact_id}`), h("td", { class: c.name ? false : "muted" }, c.name || t("wb.no_name")), h("td", {}, c.queue), h("td", {}, t(`channel.${c.channel}`)),
        h("td", { class: "num" }, pos), waited, act);
      return { tr, waited, arrived: Date.parse(c.arrived_at) };
    });
    cbody.replaceChildren(...(wb.contactRows.length ? wb.contactRows.map((r) => r.tr)
      : [h("tr", {}, h("td", { colspan: wb.canAct ? 7 : 6, class: "muted" }, t("wb.no_contacts")))]));
  }
  tickContacts();
}

function tickContacts() {
  for (const r of wb.contactRows || []) setText(r.waited, duration(Math.max(0, (Date.now() - wb.skew - r.arrived) / 1000)));
}

// plural is the CLDR plural category of n in the page's language ("one",
// "other"; French counts 0 and 1 as "one").
function plural(n) {
  return new Intl.PluralRules(lang()).select(n) === "one" ? "one" : "other";
}

// agentStateText is an agent's state, and for a busy agent the presence
// it returns to when not ready (after a missed offer, for instance).
function agentStateText(a) {
  const reason = a.reason ? reasonText(a.reason) : "";
  if (a.state === "not_ready") return t("state.not_ready") + (reason ? ` \u00b7 ${reason}` : "");
  let text = t(`state.${a.state}`);
  if (["busy", "offered", "wrap_up"].includes(a.state) && a.presence && a.presence !== "ready") {
    text += ` \u00b7 ${t("agent.then", { state: t(`state.${a.presence}`) + (reason ? ` (${reason})` : "") })}`;
  }
  return text;
}

function reasonText(r) {
  const k = `reason.${r}`;
  const s = t(k);
  return s === k ? r : s;
}

function agentRow(a) {
  const name = h("th", { scope: "row" });
  const badge = h("span", { class: "badge" });
  const since = h("td", { class: "num" });
  let actionCell = null;
  if (wb.canAct) {
    const sel = h("select", { id: `act-${a.agent_id}`, "aria-label": t("wb.change_state_of", { name: a.name }) },
      h("option", { value: "" }, t("admin.choose")),
      actions.map((v) => {
        const [s, r] = v.split(":");
        return h("option", { value: v }, t(`state.${s}`) + (r ? ` \u00b7 ${t(`reason.${r}`)}` : ""));
      }));
    const apply = h("button", { type: "button", "aria-label": t("wb.apply_for", { name: a.name }) }, t("agent.apply"));
    const err = h("span", { class: "field-error", role: "alert" });
    apply.addEventListener("click", async () => {
      err.textContent = "";
      if (!sel.value) {
        sel.focus();
        return;
      }
      const [state, reason] = sel.value.split(":");
      try {
        await api("POST", `/api/v1/tenants/${wb.tid}/agents/${a.agent_id}/state`, reason ? { state, reason } : { state });
        announce.textContent = t("wb.state_changed", { name: a.name });
      } catch (e) {
        err.textContent = errorText(e);
      }
    });
    actionCell = h("td", { class: "act" }, sel, " ", apply, " ", err);
  }
  const contact = h("td", { class: "agent-contact" });
  const handled = h("td", { class: "num" });
  const aht = h("td", { class: "num" });
  const occ = h("td", { class: "num" });
  const tr = h("tr", { dataset: { agent: a.agent_id } }, name, h("td", {}, badge), since, contact, handled, aht, occ, actionCell);
  abody.append(tr);
  const r = { tr, name, badge, since, contact, handled, aht, occ, agent: a };
  wb.rows.set(a.agent_id, r);
  return r;
}

function tickAgents() {
  for (const r of wb.rows.values()) {
    for (const [el, at] of r.held || []) setText(el, duration(Math.max(0, (Date.now() - wb.skew - at) / 1000)));
    if (!r.agent.since) {
      setText(r.since, dash);
      continue;
    }
    setText(r.since, duration((Date.now() - wb.skew - Date.parse(r.agent.since)) / 1000));
  }
}

onLang(() => {
  if (!wb.data) return;
  wb.chartKey = wb.contactsKey = "";
  for (const r of wb.qrows.values()) r.tr.remove();
  wb.qrows.clear();
  for (const r of wb.rows.values()) r.tr.remove();
  wb.rows.clear();
  closeWatch();
  update(wb.data);
  setLive(true);
});

start();
