// The desk's side tools: the agent's own figures of the day (handled, AHT,
// occupancy: internal/kpi's definitions, asked on the socket with
// "my_figures") and the search of a customer's past contacts by name,
// phone number or e-mail ("search").
import { duration, h } from "./common.js";
import { dateTime, lang, onLang, t, translate } from "./i18n.js";

export function createDeskLookup({ send }) {
  const handled = h("dd", { id: "my-handled" }, "\u2014");
  const aht = h("dd", { id: "my-aht" }, "\u2014");
  const occ = h("dd", { id: "my-occupancy" }, "\u2014");
  const refresh = h("button", { type: "button", class: "link", id: "my-refresh", "data-i18n": "lookup.refresh" });
  refresh.addEventListener("click", () => ask());
  const figures = h("section", { class: "card my-figures", "aria-labelledby": "my-figures-title" },
    h("h2", { id: "my-figures-title", "data-i18n": "lookup.my_day" }),
    h("dl", { class: "figures" },
      h("dt", { "data-i18n": "lookup.handled" }), handled,
      h("dt", { "data-i18n": "lookup.aht" }), aht,
      h("dt", { "data-i18n": "lookup.occupancy" }), occ),
    h("p", { class: "hint", "data-i18n": "lookup.my_day_hint" }), refresh);

  const query = h("input", { id: "lookup-query", type: "search", maxlength: "200", autocomplete: "off", "aria-describedby": "lookup-hint" });
  const err = h("p", { class: "form-error", role: "alert" });
  const results = h("ol", { class: "lookup-results", "aria-live": "polite", "data-i18n-attr": "aria-label:lookup.results" });
  const form = h("form", { class: "card lookup", role: "search", "aria-labelledby": "lookup-title" },
    h("h2", { id: "lookup-title", "data-i18n": "lookup.title" }),
    h("div", { class: "field" }, h("label", { for: "lookup-query", "data-i18n": "lookup.query" }), query),
    h("p", { class: "hint", id: "lookup-hint", "data-i18n": "lookup.hint" }),
    err,
    h("button", { type: "submit", "data-i18n": "lookup.submit" }),
    results);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = query.value.trim();
    if ([...q].length < 2) {
      err.textContent = t("lookup.too_short");
      query.setAttribute("aria-invalid", "true");
      query.focus();
      return;
    }
    err.textContent = "";
    query.removeAttribute("aria-invalid");
    send({ type: "search", query: q });
  });

  let timer = null;
  let lastFigures = null;
  let lastResults = null;
  // The figures and results are said again in the page's new language.
  onLang(() => {
    if (lastFigures) showFigures(lastFigures);
    if (lastResults) showResults(lastResults);
  });
  function ask() {
    send({ type: "my_figures" });
  }

  function showFigures(f) {
    lastFigures = f;
    handled.textContent = new Intl.NumberFormat(lang()).format(f.handled || 0);
    aht.textContent = f.aht_seconds == null ? "\u2014" : duration(f.aht_seconds);
    occ.textContent = f.occupancy == null ? "\u2014" : new Intl.NumberFormat(lang(), { style: "percent" }).format(f.occupancy);
  }

  function showResults(f) {
    lastResults = f;
    if (!(f.items || []).length) {
      results.replaceChildren(h("li", { class: "muted" }, t("lookup.none", { query: f.query })));
      return;
    }
    results.replaceChildren(...f.items.map((it) => {
      const c = it.customer || {};
      const who = [c.name, c.phone, c.email].filter(Boolean).join(" \u00b7 ");
      const outcome = t(`outcome.${it.ended_reason || it.state}`);
      return h("li", { class: "lookup-item" },
        h("p", {}, h("strong", {}, who || t("agent.anonymous"))),
        h("p", { class: "muted" }, `${dateTime(it.arrived_at)} \u00b7 ${t(`channel.${it.channel}`)} \u00b7 ${outcome}`),
        it.disposition ? h("p", {}, t(`disposition.${it.disposition}`), it.notes ? ` \u2014 ${it.notes}` : "") : null);
    }));
    translate(results);
  }

  return {
    element: h("div", { class: "desk-lookup" }, figures, form),
    // handle takes the lookup's frames; true when it took f.
    handle(f) {
      switch (f.type) {
        case "logged_in":
          return false;
        case "my_figures":
          showFigures(f);
          return true;
        case "search_results":
          showResults(f);
          return true;
        case "wrap_up_done":
        case "agent_state":
          // Figures move when a contact is over or the state changes.
          clearTimeout(timer);
          timer = setTimeout(ask, 1500);
          return false;
      }
      return false;
    },
    start() {
      translate(figures);
      ask();
    },
  };
}
