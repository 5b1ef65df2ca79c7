// The agent desktop's softphone: calls answered in the browser over WebRTC.
// Signalling goes over the agent WebSocket (see internal/live/doc.go):
// {"type":"softphone","enabled":true} once the microphone is granted, then
// for each call Plateau's complete SDP offer (rtc_offer), answered with
// every candidate gathered (rtc_answer); "accept" answers the call, "end"
// hangs up, rtc_hangup closes the connection. Audio is G.711, as offered.
import { h } from "./common.js";
import { t, translate } from "./i18n.js";

export function createSoftphone({ send, say }) {
  const sp = {
    enabled: false,
    mic: null, // MediaStream
    pc: null,
    contactId: null, // the call ringing or in progress
    offer: null, // the voice offer frame of that call
    ready: false, // the SDP answer was sent: the call can be answered
    inCall: false,
    muted: false,
    outbound: null, // the contact of the agent's own call (answered by itself)
    outboundWho: "", // whom it calls
  };
  const status = h("p", { class: "softphone-status", role: "status", "aria-live": "polite" });
  const error = h("p", { class: "form-error", role: "alert" });
  const toggle = h("button", { type: "button", id: "softphone-toggle" });
  const answer = h("button", { type: "button", class: "primary", id: "softphone-answer", "data-i18n": "softphone.answer" });
  const decline = h("button", { type: "button", id: "softphone-decline", "data-i18n": "softphone.decline" });
  const hangup = h("button", { type: "button", class: "danger", id: "softphone-hangup", "data-i18n": "softphone.hangup" });
  const mute = h("button", { type: "button", id: "softphone-mute", "aria-pressed": "false" });
  const ringing = h("div", { class: "buttons softphone-ring", hidden: true }, answer, decline);
  const calling = h("div", { class: "buttons softphone-call", hidden: true }, hangup, mute);
  const audio = h("audio", { id: "softphone-audio", autoplay: true, "data-i18n-attr": "aria-label:softphone.remote_audio" });
  const element = h("section", { class: "card softphone", "aria-labelledby": "softphone-title" },
    h("h2", { id: "softphone-title", "data-i18n": "softphone.title" }),
    status, error, h("div", { class: "buttons" }, toggle), ringing, calling, audio);

  function render() {
    toggle.textContent = t(sp.enabled ? "softphone.disable" : "softphone.enable");
    toggle.disabled = sp.inCall;
    const own = sp.outbound !== null && sp.contactId === sp.outbound;
    ringing.hidden = !(sp.contactId !== null && !sp.inCall && !own);
    answer.disabled = !sp.ready;
    calling.hidden = !(sp.inCall || own);
    mute.setAttribute("aria-pressed", String(sp.muted));
    mute.textContent = t("softphone.mute");
    const who = (own && sp.outboundWho) || (sp.offer && sp.offer.customer && (sp.offer.customer.name || sp.offer.customer.phone)) || t("agent.anonymous");
    if (!sp.enabled) status.textContent = t("softphone.off");
    else if (own && !sp.inCall) status.textContent = t("softphone.calling_out");
    else if (sp.inCall) status.textContent = t("softphone.in_call", { customer: who });
    else if (sp.contactId !== null) status.textContent = t("softphone.ringing", { customer: who });
    else status.textContent = t("softphone.idle");
    element.classList.toggle("ringing", sp.contactId !== null && !sp.inCall);
  }

  async function enable() {
    error.textContent = "";
    if (!navigator.mediaDevices || !window.RTCPeerConnection) {
      error.textContent = t("softphone.unsupported");
      return;
    }
    try {
      sp.mic = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
    } catch (e) {
      error.textContent = t("softphone.no_microphone", { error: e.message || e.name });
      return;
    }
    send({ type: "softphone", enabled: true });
  }

  function disable() {
    send({ type: "softphone", enabled: false });
    if (sp.mic) for (const tr of sp.mic.getTracks()) tr.stop();
    sp.mic = null;
  }

  toggle.addEventListener("click", () => (sp.enabled ? disable() : enable()));
  answer.addEventListener("click", () => {
    if (sp.contactId === null) return;
    answer.disabled = decline.disabled = true;
    send({ type: "accept", contact_id: sp.contactId });
  });
  decline.addEventListener("click", () => {
    if (sp.contactId === null) return;
    answer.disabled = decline.disabled = true;
    send({ type: "decline", contact_id: sp.contactId });
  });
  hangup.addEventListener("click", () => {
    if (sp.contactId === null) return;
    // The agent's own call from a chat hangs up the call, not the chat.
    if (sp.contactId === sp.outbound) send({ type: "call_out_hangup", contact_id: sp.contactId });
    else send({ type: "end", contact_id: sp.contactId });
  });
  mute.addEventListener("click", () => {
    sp.muted = !sp.muted;
    if (sp.mic) for (const tr of sp.mic.getAudioTracks()) tr.enabled = !sp.muted;
    render();
    say(t(sp.muted ? "softphone.muted" : "softphone.unmuted"));
  });

  function close() {
    if (sp.pc) sp.pc.close();
    sp.pc = null;
    sp.contactId = null;
    sp.offer = null;
    sp.ready = false;
    sp.inCall = false;
    sp.muted = false;
    audio.srcObject = null;
    decline.disabled = false;
    if (sp.mic) for (const tr of sp.mic.getAudioTracks()) tr.enabled = true;
    render();
  }

  // Answer Plateau's offer at once (the connection is ready when the agent
  // answers); the call itself is answered by the Answer button.
  async function rtcOffer(f) {
    if (sp.pc) sp.pc.close();
    sp.contactId = f.contact_id;
    sp.ready = false;
    render();
    const pc = new RTCPeerConnection({ iceServers: [] });
    sp.pc = pc;
    pc.ontrack = (ev) => {
      audio.srcObject = ev.streams[0] || new MediaStream([ev.track]);
    };
    try {
      if (sp.mic) for (const tr of sp.mic.getAudioTracks()) pc.addTrack(tr, sp.mic);
      await pc.setRemoteDescription({ type: "offer", sdp: f.sdp });
      const ans = await pc.createAnswer();
      await pc.setLocalDescription(ans);
      await gathered(pc);
      if (sp.pc !== pc) return;
      send({ type: "rtc_answer", contact_id: f.contact_id, sdp: pc.localDescription.sdp });
      sp.ready = true;
      // The agent's own call: clicking Call was the answer.
      if (f.contact_id === sp.outbound) send({ type: "accept", contact_id: f.contact_id });
      render();
    } catch (e) {
      error.textContent = t("softphone.failed", { error: e.message || e.name });
      if (sp.pc === pc) send({ type: "decline", contact_id: f.contact_id });
    }
  }

  function gathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (pc.iceGatheringState === "complete") {
          pc.removeEventListener("icegatheringstatechange", done);
          resolve();
        }
      };
      pc.addEventListener("icegatheringstatechange", done);
      setTimeout(resolve, 5000); // send what was gathered rather than let it ring out
    });
  }

  // handle takes the agent socket's frames; true when it was the softphone's.
  function handle(f) {
    switch (f.type) {
      case "softphone":
        sp.enabled = !!f.enabled;
        if (!sp.enabled && sp.mic) {
          for (const tr of sp.mic.getTracks()) tr.stop();
          sp.mic = null;
        }
        render();
        say(t(sp.enabled ? "softphone.enabled" : "softphone.off"));
        return true;
      case "rtc_offer":
        rtcOffer(f);
        return true;
      case "call_out":
        if (f.contact_id === sp.outbound) {
          if (f.status === "connected") {
            sp.inCall = true;
            render();
          } else if (f.status === "ended" || f.status === "failed") {
            sp.outbound = null;
            if (sp.contactId === f.contact_id) close();
            else render();
          }
        }
        return false;
      case "rtc_hangup":
        if (f.contact_id === sp.outbound) sp.outbound = null;
        if (f.contact_id === sp.contactId) {
          const was = sp.inCall;
          close();
          if (was) say(t("softphone.call_ended"));
        }
        return true;
      case "offer":
        if (f.channel === "voice" && sp.enabled) {
          sp.offer = f;
          if (sp.contactId === null) sp.contactId = f.contact_id;
          render();
          say(t("softphone.ringing", { customer: (f.customer && (f.customer.name || f.customer.phone)) || t("agent.anonymous") }));
        }
        return false;
      case "offer_withdrawn":
        if (f.contact_id === sp.contactId && !sp.inCall) close();
        return false;
      case "connected":
        if (f.channel === "voice" && f.contact_id === sp.contactId && sp.pc) {
          sp.inCall = true;
          render();
          hangup.focus();
        }
        return false;
      case "error":
        if (f.contact_id && f.contact_id === sp.contactId && !sp.inCall) {
          answer.disabled = !sp.ready;
          decline.disabled = false;
        } else if (!f.contact_id && f.code === "unavailable" && !sp.enabled) {
          error.textContent = t("softphone.unavailable");
        }
        return false;
    }
    return false;
  }

  // reset: the socket closed.
  function reset() {
    close();
    sp.enabled = false;
    if (sp.mic) for (const tr of sp.mic.getTracks()) tr.stop();
    sp.mic = null;
    render();
  }

  translate(element);
  render();
  // calling: the agent asked to call contact id from its chat.
  function expectCall(id, who) {
    sp.outbound = id;
    sp.outboundWho = who || "";
  }

  return { element, handle, reset, render, calling: expectCall, state: sp };
}
