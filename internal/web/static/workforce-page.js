// What the barometer and palmarès pages share: signing in (a password or
// an API token), the platform-admin check, and number formats. Figures and
// definitions are internal/workforce's (docs/workforce.md).
import { errorText, h, initPage, logout, me, signInForm } from "./common.js";
import { lang, number, t, translate } from "./i18n.js";

export const dash = "\u2014";
export const has = (v) => v !== null && v !== undefined;
export const pct = (v) => (has(v) ? new Intl.NumberFormat(lang(), { style: "percent", maximumFractionDigits: 1 }).format(v) : dash);
export const dec = (v, d = 1) => (has(v) ? number(v, d) : dash);
export const int = (v) => (has(v) ? number(v) : dash);

const pad2 = (n) => String(n).padStart(2, "0");
export const ymd = (d) => `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
export const ym = (d) => `${d.getFullYear()}-${pad2(d.getMonth() + 1)}`;

// startPlatformPage signs the person in and calls run(me) when they are a
// platform admin (the provider's figures are theirs alone).
export async function startPlatformPage(run) {
  const app = document.getElementById("app");
  const who = document.getElementById("who");
  const signout = document.getElementById("signout");
  initPage();
  signout.addEventListener("click", async () => {
    await logout();
    location.reload();
  });
  let m;
  try {
    m = await me();
  } catch (e) {
    app.replaceChildren(h("p", { class: "notice error", role: "alert" }, errorText(e)));
    return;
  }
  if (!m) m = await signInForm(app, { withToken: true });
  who.textContent = m.user ? m.user.display_name || m.user.login : (m.token && m.token.name) || "";
  signout.hidden = false;
  if (!m.platform_admin) {
    app.replaceChildren(h("p", { class: "notice error", role: "alert", "data-i18n": "wf.platform_only" }));
    translate(app);
    return;
  }
  await run(app, m);
}

// fieldBox is a labelled control with its error below it.
export function fieldBox(id, key, control, errs) {
  const err = h("p", { class: "field-error", id: `${id}-error`, role: "alert" });
  control.id = id;
  control.setAttribute("aria-describedby", `${id}-error`);
  errs[id] = err;
  return h("div", { class: "field" }, h("label", { for: id, "data-i18n": key }), control, err);
}

// showError puts an API error next to the field it names (from, to), or
// in the form's error line; null clears them.
export function showError(e, errs, formErr, prefix) {
  for (const el of Object.values(errs)) el.textContent = "";
  formErr.textContent = "";
  if (!e) return;
  const target = e && e.field && errs[`${prefix}-${e.field}`];
  if (target) target.textContent = errorText(e);
  else formErr.textContent = errorText(e);
}

export { t };
