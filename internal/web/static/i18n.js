// Strings of the interface: one dictionary per language (i18n/en.js,
// i18n/fr.js), chosen from the browser's language unless the person picked
// one with the switch (remembered in localStorage).
import en from "./i18n/en.js";
import fr from "./i18n/fr.js";

const dictionaries = { en, fr };
const storageKey = "plateau.lang";
const listeners = new Set();

function stored() {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null; // storage blocked: fall back to the browser's language
  }
}

function initial() {
  const s = stored();
  if (s && dictionaries[s]) return s;
  for (const l of navigator.languages || [navigator.language || "en"]) {
    const base = String(l).toLowerCase().slice(0, 2);
    if (dictionaries[base]) return base;
  }
  return "en";
}

const state = { lang: initial() };

export function lang() {
  return state.lang;
}

// t returns the string of key in the current language, with {name}
// placeholders replaced from vars. A missing key shows itself, so that it
// is noticed (the Go tests check that every key used exists).
export function t(key, vars) {
  let s = dictionaries[state.lang][key] ?? dictionaries.en[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

// translate fills the elements under root that carry data-i18n (text) or
// data-i18n-attr ("attr:key attr:key", e.g. "aria-label:close").
export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(/\s+/)) {
      const [attr, key] = pair.split(":");
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
  if (root === document) {
    document.documentElement.lang = state.lang;
    const title = document.querySelector("title[data-i18n]");
    if (title) document.title = title.textContent;
  }
}

export function setLang(l) {
  if (!dictionaries[l] || l === state.lang) return;
  state.lang = l;
  try {
    localStorage.setItem(storageKey, l);
  } catch {
    // not remembered; the page still switches
  }
  for (const fn of listeners) fn(l);
}

// onLang calls fn after every switch of language.
export function onLang(fn) {
  listeners.add(fn);
}

// langSwitch returns a button that switches to the other language; it is
// labelled in the language it switches to.
export function langSwitch(root = document) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "lang-switch";
  const label = () => {
    const other = state.lang === "fr" ? "en" : "fr";
    b.textContent = dictionaries[other]["lang.name"];
    b.lang = other;
    b.setAttribute("aria-label", dictionaries[other]["lang.switch"]);
  };
  label();
  b.addEventListener("click", () => {
    setLang(state.lang === "fr" ? "en" : "fr");
  });
  onLang(() => {
    label();
    translate(root);
  });
  return b;
}

// number and percent format figures in the current language.
export function number(v, digits = 0) {
  return new Intl.NumberFormat(state.lang, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(v);
}

export function percent(v) {
  return new Intl.NumberFormat(state.lang, { style: "percent", maximumFractionDigits: 0 }).format(v);
}

export function dateTime(iso) {
  return new Intl.DateTimeFormat(state.lang, { dateStyle: "short", timeStyle: "short" }).format(new Date(iso));
}

export function clock(date) {
  return new Intl.DateTimeFormat(state.lang, { hour: "2-digit", minute: "2-digit" }).format(date);
}
