// The desk's "Name shown to customers": the agent may choose a pseudonym
// that customers see instead of its first name (PUT /api/v1/me/pseudonym;
// the server checks it: 2 to 30 characters of a name, no markup). Empty:
// the first name is shown.
import { api, apiMessage, h } from "./common.js";
import { t } from "./i18n.js";

export function pseudonymSettings(firstName) {
  const input = h("input", { id: "desk-pseudonym", maxlength: "30", autocomplete: "off", "aria-describedby": "desk-pseudonym-hint desk-pseudonym-error" });
  const hint = h("p", { class: "hint", id: "desk-pseudonym-hint" });
  const err = h("p", { class: "field-error", id: "desk-pseudonym-error", role: "alert" });
  const done = h("p", { class: "muted", role: "status" });
  const shown = () => {
    hint.textContent = t("agent.pseudonym_hint", { name: input.dataset.saved || firstName() || "" });
  };
  const form = h("form", { class: "pseudonym-form", novalidate: true },
    h("div", { class: "field" }, h("label", { for: "desk-pseudonym", "data-i18n": "agent.pseudonym" }), input),
    hint, err, done,
    h("div", { class: "buttons" }, h("button", { type: "submit", "data-i18n": "agent.pseudonym_save" })));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = done.textContent = "";
    input.removeAttribute("aria-invalid");
    try {
      const u = await api("PUT", "/api/v1/me/pseudonym", { pseudonym: input.value.trim() });
      input.value = input.dataset.saved = u.pseudonym || "";
      done.textContent = u.pseudonym ? t("agent.pseudonym_saved", { name: u.pseudonym }) : t("agent.pseudonym_cleared");
      shown();
    } catch (e) {
      err.textContent = apiMessage(e);
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  });
  const element = h("details", { class: "card pseudonym" }, h("summary", { "data-i18n": "agent.pseudonym_title" }), form);
  // load reads the saved pseudonym of the signed-in agent.
  async function load() {
    try {
      const m = await api("GET", "/api/v1/me");
      input.value = input.dataset.saved = (m && m.user && m.user.pseudonym) || "";
    } catch {
      // the field stays empty: saving still works
    }
    shown();
  }
  return { element, load, relang: shown };
}
