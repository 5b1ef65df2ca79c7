// The wallboard's TV mode shows the agents a page at a time: as many rows
// as the screen's agents panel holds, the next page every few seconds
// ("Agents 1-8 of 12"), so that every agent is seen without scrolling.
// Out of TV mode every row shows.
import { t } from "./i18n.js";

export function createTVPager(table, every = 8000) {
  // Beside the title, not in it (a change of language rewrites the title).
  const label = Object.assign(document.createElement("p"), { className: "tv-page" });
  label.setAttribute("aria-live", "off");
  table.closest("section").querySelector("h2").after(label);
  let page = 0;
  let timer = null;

  function layout() {
    const rows = [...table.tBodies[0].rows];
    for (const r of rows) r.classList.remove("tv-off");
    label.textContent = "";
    if (!document.body.classList.contains("tv") || !rows.length) return;
    // Pages of the rows that fit, by where they stand with every row shown
    // (a long name wraps: rows differ in height).
    const room = table.parentElement.getBoundingClientRect().bottom - 1;
    const body = table.tBodies[0].getBoundingClientRect().top;
    const pages = [[]];
    let start = body;
    for (const r of rows) {
      const b = r.getBoundingClientRect();
      if (body + (b.bottom - start) > room && pages.at(-1).length) {
        pages.push([]);
        start = b.top;
      }
      pages.at(-1).push(r);
    }
    page %= pages.length;
    pages.forEach((p, i) => p.forEach((r) => r.classList.toggle("tv-off", i !== page)));
    if (pages.length > 1) {
      const from = rows.indexOf(pages[page][0]) + 1;
      label.textContent = t("wb.tv_page", { from, to: from + pages[page].length - 1, n: rows.length });
    }
  }

  // tv: the mode was turned on or off.
  function tv(on) {
    clearInterval(timer);
    timer = null;
    page = 0;
    if (on) {
      timer = setInterval(() => {
        page++;
        layout();
      }, every);
    }
    // after the TV layout applies
    requestAnimationFrame(layout);
  }

  addEventListener("resize", layout);
  return { layout, tv };
}
