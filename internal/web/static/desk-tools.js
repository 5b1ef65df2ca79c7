// The desk's conversation tools beside each chat: transfer to a queue or
// to a named colleague (with a note for whoever takes it next), internal
// notes and consult requests to the supervisors, and a supervisor's
// private notes. None of it ever reaches the customer: notes travel on the
// agent's socket only ("note" frames, and "notes" in "connected").
import { h, messageTime } from "./common.js";
import { lang, t, translate } from "./i18n.js";

// createDeskTools returns the tools bound to the desk's send.
// softphoneOn tells whether the desk's softphone is on; calling(id, who) tells
// the softphone that the next ring of contact id is the agent's own call
// (answered by itself).
export function createDeskTools({ send, say, softphoneOn = () => false, calling = () => {} }) {
  const forms = new Map(); // contact_id -> transfer form parts
  const callbacks = new Map(); // contact_id -> number to call back (from the offer)
  const callbackOf = (f) => (f.channel === "voice" ? "" : callbacks.get(f.contact_id) || "");

  // noteItem renders one note: its kind, author, time and text.
  function noteItem(n) {
    return h("li", { class: `desk-note kind-${n.kind}`, dataset: { note: n.id } },
      h("span", { class: "who" }, `${t(`note.kind_${n.kind}`)} \u00b7 ${n.author || ""} `, messageTime(n.created_at, lang())),
      h("span", { class: "text" }, n.body));
  }

  function addNote(c, n) {
    if (!c.notesList || c.notesList.querySelector(`[data-note="${n.id}"]`)) return;
    c.notesList.append(noteItem(n));
    c.notesBox.hidden = false;
  }

  // panel builds a chat's tools; c is the desk's chat, f its "connected".
  function panel(c, f) {
    const id = c.id;
    c.notesList = h("ul", { class: "notes-list", "aria-labelledby": `notes-title-${id}` });
    c.notesBox = h("section", { class: "notes-box", hidden: true },
      h("h3", { id: `notes-title-${id}`, "data-i18n": "note.title" }),
      h("p", { class: "hint", "data-i18n": "note.private" }),
      c.notesList);
    for (const n of f.notes || []) addNote(c, n);

    // Transfer: the targets are asked when the form opens (who is free now).
    const target = h("select", { id: `transfer-to-${id}`, required: true });
    const tnote = h("textarea", { id: `transfer-note-${id}`, rows: "2", maxlength: "2000" });
    const terr = h("p", { class: "form-error", role: "alert" });
    const tform = h("form", { class: "transfer-form", hidden: true, "aria-labelledby": `transfer-title-${id}` },
      h("h3", { id: `transfer-title-${id}`, "data-i18n": "transfer.title" }),
      h("div", { class: "field" }, h("label", { for: `transfer-to-${id}`, "data-i18n": "transfer.to" }), target),
      h("div", { class: "field" }, h("label", { for: `transfer-note-${id}`, "data-i18n": "transfer.note" }), tnote),
      terr,
      h("div", { class: "buttons" },
        h("button", { type: "submit", class: "primary", "data-i18n": "transfer.submit" }),
        h("button", { type: "button", class: "cancel", "data-i18n": "transfer.cancel" })));
    forms.set(id, { target, terr, tform });
    const openTransfer = h("button", { type: "button", class: "open-transfer", "aria-expanded": "false", "aria-controls": `transfer-title-${id}`, "data-i18n": "transfer.open" });

    // Note: internal, or a consult request to the supervisors.
    const nbody = h("textarea", { id: `note-body-${id}`, rows: "2", maxlength: "2000", required: true });
    const consult = h("input", { type: "checkbox", id: `note-consult-${id}` });
    const nerr = h("p", { class: "form-error", role: "alert" });
    const nform = h("form", { class: "note-form", hidden: true, "aria-labelledby": `note-form-title-${id}` },
      h("h3", { id: `note-form-title-${id}`, "data-i18n": "note.add_title" }),
      h("div", { class: "field" }, h("label", { for: `note-body-${id}`, "data-i18n": "note.body" }), nbody),
      h("div", { class: "check" }, consult, h("label", { for: `note-consult-${id}`, "data-i18n": "note.consult" })),
      nerr,
      h("div", { class: "buttons" },
        h("button", { type: "submit", class: "primary", "data-i18n": "note.save" }),
        h("button", { type: "button", class: "cancel", "data-i18n": "transfer.cancel" })));
    const openNote = h("button", { type: "button", class: "open-note", "aria-expanded": "false", "data-i18n": "note.open" });

    const show = (form, opener, on) => {
      form.hidden = !on;
      opener.setAttribute("aria-expanded", String(on));
    };
    openTransfer.addEventListener("click", () => {
      const on = tform.hidden;
      show(tform, openTransfer, on);
      show(nform, openNote, false);
      if (on) {
        terr.textContent = "";
        target.replaceChildren(h("option", { value: "" }, t("transfer.loading")));
        send({ type: "transfer_targets", contact_id: id });
        target.focus();
      }
    });
    openNote.addEventListener("click", () => {
      const on = nform.hidden;
      show(nform, openNote, on);
      show(tform, openTransfer, false);
      if (on) nbody.focus();
    });
    // Escape closes an open form; the focus goes back to its button.
    for (const [form, opener] of [[tform, openTransfer], [nform, openNote]]) {
      form.addEventListener("keydown", (ev) => {
        if (ev.key === "Escape") {
          ev.stopPropagation();
          show(form, opener, false);
          opener.focus();
        }
      });
    }
    tform.querySelector(".cancel").addEventListener("click", () => (show(tform, openTransfer, false), openTransfer.focus()));
    nform.querySelector(".cancel").addEventListener("click", () => (show(nform, openNote, false), openNote.focus()));
    tform.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const [kind, to] = target.value.split(":");
      if (!to) {
        terr.textContent = t("transfer.pick");
        target.focus();
        return;
      }
      const fr = { type: "transfer", contact_id: id, notes: tnote.value.trim() };
      fr[kind === "agent" ? "agent_id" : "queue_id"] = Number(to);
      c.transferTo = target.selectedOptions[0] ? target.selectedOptions[0].textContent : "";
      send(fr);
    });
    nform.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const body = nbody.value.trim();
      if (!body) {
        nerr.textContent = t("note.empty");
        nbody.focus();
        return;
      }
      nerr.textContent = "";
      if (send({ type: "note", contact_id: id, body, consult: consult.checked })) {
        nbody.value = "";
        consult.checked = false;
        show(nform, openNote, false);
        openNote.focus();
      }
    });
    // A call can be put on hold (the caller hears music) and back.
    let hold = null;
    if (f.channel === "voice") {
      hold = h("button", { type: "button", class: "hold-toggle", "aria-pressed": "false", "data-i18n": "hold.on" });
      hold.addEventListener("click", () => send({ type: "hold", contact_id: id, on: hold.getAttribute("aria-pressed") !== "true" }));
      c.holdButton = hold;
      // Mute at the server: the caller stops hearing the agent (a SIP
      // phone's own button, or the softphone's, does it too).
      const mute = h("button", { type: "button", class: "mute-toggle", "aria-pressed": "false", "data-i18n": "hold.mute" });
      mute.addEventListener("click", () => send({ type: "mute", contact_id: id, on: mute.getAttribute("aria-pressed") !== "true" }));
      c.muteButton = mute;
    }
    // A chat whose customer asked to be called back: the number, and a
    // Call button when Plateau can place the call (the agent's softphone
    // or SIP phone rings, then the customer's number: "call_out"), else a
    // link that opens the agent's own phone application (tel:).
    let callLine = null;
    const cb = f.channel === "voice" ? "" : f.callback_number || callbackOf(f);
    if (cb) {
      const byPlateau = f.dial === "softphone" || f.dial === "phone" || (f.dial === "none" && softphoneOn());
      if (byPlateau) {
        const status = h("span", { class: "call-status", role: "status", "aria-live": "polite" });
        const call = h("button", { type: "button", class: "primary call-out", "aria-label": t("callout.call_aria", { number: cb }), "data-i18n": "dial.call" });
        const hang = h("button", { type: "button", class: "danger call-out-hangup", hidden: true, "data-i18n": "callout.hangup" });
        call.addEventListener("click", () => {
          if (softphoneOn()) calling(id, (f.customer && f.customer.name) || cb);
          if (send({ type: "call_out", contact_id: id })) call.disabled = true;
        });
        hang.addEventListener("click", () => send({ type: "call_out_hangup", contact_id: id }));
        c.callOut = { call, hang, status, number: cb };
        callLine = h("div", { class: "notice call-back" }, h("p", {}, t("agent.callback_call", { number: cb })),
          h("div", { class: "buttons" }, call, hang, status));
      } else {
        callLine = h("p", { class: "notice call-back" }, t("agent.callback_call", { number: cb }), " ",
          h("a", { href: `tel:${cb}`, class: "call-link", "aria-label": t("dial.call_aria", { number: cb }), "data-i18n": "dial.call" }));
      }
    }
    c.toolsBar = h("div", { class: "buttons tools" }, hold, c.muteButton || null, openTransfer, openNote);
    c.hideTools = () => {
      c.toolsBar.hidden = true;
      tform.hidden = nform.hidden = true;
    };
    // A call cannot take notes by message, but it can be noted and moved.
    return h("div", { class: "desk-tools" }, callLine, c.toolsBar, tform, nform, c.notesBox);
  }

  // targets fills a transfer form's list: queues, then colleagues (busy
  // ones shown, but not choosable: a transfer by name needs them free).
  function targets(f) {
    const p = forms.get(f.contact_id);
    if (!p) return;
    const qs = (f.queues || []).map((q) => h("option", { value: `queue:${q.queue_id}` }, t("transfer.queue_option", { name: q.name, n: q.waiting })));
    const as = (f.agents || []).map((a) => h("option", { value: `agent:${a.agent_id}`, disabled: !a.available },
      a.available ? a.name : t("transfer.agent_busy", { name: a.name, state: t(`state.${a.state}`) })));
    p.target.replaceChildren(h("option", { value: "", "data-i18n": "transfer.pick_option" }),
      qs.length ? h("optgroup", { "data-i18n-attr": "label:transfer.queues" }, qs) : null,
      as.length ? h("optgroup", { "data-i18n-attr": "label:transfer.agents" }, as) : null);
    translate(p.target);
    if (!qs.length && !as.length) p.terr.textContent = t("transfer.none");
  }

  // handle takes the frames of the tools; true when it took f.
  function handle(f, chats) {
    switch (f.type) {
      case "offer":
        if (f.callback && f.callback_to && f.callback_to.number) callbacks.set(f.contact_id, f.callback_to.number);
        return false;
      case "mute": {
        const c = chats.get(f.contact_id);
        if (c && c.muteButton) {
          const was = c.muteButton.getAttribute("aria-pressed") === "true";
          c.muteButton.setAttribute("aria-pressed", String(!!f.on));
          c.muteButton.dataset.i18n = f.on ? "hold.unmute" : "hold.mute";
          c.muteButton.textContent = t(c.muteButton.dataset.i18n);
          if (was !== !!f.on) say(t(f.on ? "hold.said_muted" : "hold.said_unmuted"));
        }
        return true;
      }
      case "hold": {
        const c = chats.get(f.contact_id);
        if (c && c.holdButton) {
          c.holdButton.setAttribute("aria-pressed", String(!!f.on));
          c.holdButton.dataset.i18n = f.on ? "hold.off" : "hold.on";
          c.holdButton.textContent = t(c.holdButton.dataset.i18n);
          say(t(f.on ? "hold.said_on" : "hold.said_off"));
        }
        return true;
      }
      case "call_out": {
        // The progress of the agent's call to a chat's callback number.
        const c = chats.get(f.contact_id);
        if (c && c.callOut) {
          const o = c.callOut;
          const over = f.status === "ended" || f.status === "failed";
          o.status.dataset.status = f.status;
          o.status.textContent = f.status === "failed"
            ? t("callout.failed", { reason: t(`callout.reason_${f.reason}`) === `callout.reason_${f.reason}` ? t("callout.reason_error") : t(`callout.reason_${f.reason}`) })
            : t(`callout.${f.status}`, { number: o.number });
          o.call.disabled = !over;
          o.call.dataset.i18n = over ? "callout.again" : "dial.call";
          o.call.textContent = t(o.call.dataset.i18n);
          o.hang.hidden = over;
          if (f.status !== "dialing") say(o.status.textContent);
        }
        return false; // the softphone follows it too
      }
      case "transfer_targets":
        targets(f);
        return true;
      case "note": {
        const c = chats.get(f.contact_id);
        if (c && f.note) {
          addNote(c, f.note);
          if (f.note.kind === "supervisor") say(t("note.from_supervisor", { author: f.note.author }));
        }
        return true;
      }
      case "error": {
        const p = f.contact_id && forms.get(f.contact_id);
        if (p && !p.tform.hidden) p.terr.textContent = t("agent.error", { error: f.message || f.code });
        return false;
      }
    }
    return false;
  }

  return { panel, handle, forget: (id) => forms.delete(id) };
}
