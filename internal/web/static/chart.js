// The wallboard's intraday chart, drawn as SVG: contacts offered per
// 15-minute interval (bars, answered in the darker part) and the service
// level (line, right axis, 0-100 %).
import { h } from "./common.js";
import { clock, number, percent, t } from "./i18n.js";

const W = 960;
const H = 260;
const pad = { left: 44, right: 48, top: 14, bottom: 34 };

function niceMax(v) {
  if (v <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function intradayChart(intervals) {
  const n = Math.max(intervals.length, 1);
  const maxY = niceMax(Math.max(0, ...intervals.map((i) => i.offered)));
  const iw = (W - pad.left - pad.right) / n;
  const x = (i) => pad.left + i * iw;
  const y = (v) => pad.top + (H - pad.top - pad.bottom) * (1 - v / maxY);
  const ySL = (v) => pad.top + (H - pad.top - pad.bottom) * (1 - v);
  const offered = intervals.reduce((s, i) => s + i.offered, 0);
  const answered = intervals.reduce((s, i) => s + i.answered, 0);
  const withSL = intervals.filter((i) => i.service_level !== null && i.service_level !== undefined && i.offered > 0);
  const sl = withSL.length ? withSL.reduce((s, i) => s + i.service_level * i.offered, 0) / withSL.reduce((s, i) => s + i.offered, 0) : null;

  const svg = h("svg:svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "chart-title chart-desc", class: "chart" },
    h("svg:title", { id: "chart-title" }, t("wb.chart_title")),
    h("svg:desc", { id: "chart-desc" }, t("wb.chart_desc", { offered, answered, sl: sl === null ? "\u2014" : percent(sl) })));
  // grid and left axis
  for (let k = 0; k <= 4; k++) {
    const v = (maxY * k) / 4;
    svg.append(h("svg:line", { x1: pad.left, x2: W - pad.right, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(h("svg:text", { x: pad.left - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, number(v)));
    svg.append(h("svg:text", { x: W - pad.right + 6, y: ySL(k / 4) + 4, class: "axis sl-axis" }, percent(k / 4)));
  }
  // bars
  intervals.forEach((iv, i) => {
    if (iv.offered > 0) {
      svg.append(h("svg:rect", { x: x(i) + iw * 0.15, width: Math.max(1, iw * 0.7), y: y(iv.offered), height: y(0) - y(iv.offered), class: "bar-offered" },
        h("svg:title", {}, `${clock(new Date(iv.start))}: ${t("wb.offered")} ${iv.offered}, ${t("wb.answered")} ${iv.answered}, ${t("wb.abandoned")} ${iv.abandoned}`)));
      svg.append(h("svg:rect", { x: x(i) + iw * 0.15, width: Math.max(1, iw * 0.7), y: y(iv.answered), height: y(0) - y(iv.answered), class: "bar-answered" }));
    }
  });
  // service level line
  let d = "";
  let pen = false;
  intervals.forEach((iv, i) => {
    if (iv.service_level === null || iv.service_level === undefined || iv.offered === 0) {
      pen = false;
      return;
    }
    d += `${pen ? "L" : "M"}${(x(i) + iw / 2).toFixed(1)},${ySL(iv.service_level).toFixed(1)} `;
    pen = true;
  });
  if (d) svg.append(h("svg:path", { d, class: "sl-line" }));
  withSL.forEach((iv) => {
    const i = intervals.indexOf(iv);
    svg.append(h("svg:circle", { cx: x(i) + iw / 2, cy: ySL(iv.service_level), r: 3, class: "sl-dot" }));
  });
  // time labels every two hours
  intervals.forEach((iv, i) => {
    const d0 = new Date(iv.start);
    if (d0.getMinutes() === 0 && d0.getHours() % 2 === 0) {
      svg.append(h("svg:line", { x1: x(i), x2: x(i), y1: y(0), y2: y(0) + 4, class: "tick" }));
      svg.append(h("svg:text", { x: x(i), y: H - pad.bottom + 18, class: "axis", "text-anchor": "middle" }, clock(d0)));
    }
  });
  svg.append(h("svg:line", { x1: pad.left, x2: W - pad.right, y1: y(0), y2: y(0), class: "baseline" }));
  const legend = h("p", { class: "legend", "aria-hidden": "true" },
    h("span", { class: "key key-offered" }), t("wb.offered"), " ",
    h("span", { class: "key key-answered" }), t("wb.answered"), " ",
    h("span", { class: "key key-sl" }), t("wb.sl"));
  return h("div", { class: "chart-wrap" }, svg, legend);
}

// periodChart draws the reports' volume over time: contacts offered per
// period (bars, answered in the darker part) and the service level (line,
// right axis, 0-100 %). points: [{label, offered, answered, abandoned,
// service_level}]; opts: {id, title, desc}.
export function periodChart(points, opts) {
  const n = Math.max(points.length, 1);
  const maxY = niceMax(Math.max(0, ...points.map((p) => p.offered)));
  const iw = (W - pad.left - pad.right) / n;
  const x = (i) => pad.left + i * iw;
  const y = (v) => pad.top + (H - pad.top - pad.bottom) * (1 - v / maxY);
  const ySL = (v) => pad.top + (H - pad.top - pad.bottom) * (1 - v);
  const rated = (p) => p.service_level !== null && p.service_level !== undefined;
  const svg = h("svg:svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `${opts.id}-title ${opts.id}-desc`, class: "chart", id: opts.id },
    h("svg:title", { id: `${opts.id}-title` }, opts.title),
    h("svg:desc", { id: `${opts.id}-desc` }, opts.desc));
  for (let k = 0; k <= 4; k++) {
    const v = (maxY * k) / 4;
    svg.append(h("svg:line", { x1: pad.left, x2: W - pad.right, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(h("svg:text", { x: pad.left - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, number(v)));
    svg.append(h("svg:text", { x: W - pad.right + 6, y: ySL(k / 4) + 4, class: "axis sl-axis" }, percent(k / 4)));
  }
  const bw = Math.max(1, Math.min(iw * 0.7, 72));
  const bx = (i) => x(i) + (iw - bw) / 2;
  points.forEach((p, i) => {
    if (p.offered > 0) {
      svg.append(h("svg:rect", { x: bx(i), width: bw, y: y(p.offered), height: y(0) - y(p.offered), class: "bar-offered" },
        h("svg:title", {}, `${p.label}: ${t("rep.offered")} ${number(p.offered)}, ${t("rep.answered")} ${number(p.answered)}, ${t("rep.abandoned")} ${number(p.abandoned)}` +
          (rated(p) ? `, ${t("rep.service_level")} ${percent(p.service_level)}` : ""))));
      svg.append(h("svg:rect", { x: bx(i), width: bw, y: y(p.answered), height: y(0) - y(p.answered), class: "bar-answered" }));
    }
  });
  let d = "";
  let pen = false;
  points.forEach((p, i) => {
    if (!rated(p) || p.offered === 0) {
      pen = false;
      return;
    }
    d += `${pen ? "L" : "M"}${(x(i) + iw / 2).toFixed(1)},${ySL(p.service_level).toFixed(1)} `;
    pen = true;
  });
  if (d) svg.append(h("svg:path", { d, class: "sl-line" }));
  points.forEach((p, i) => {
    if (rated(p) && p.offered > 0) svg.append(h("svg:circle", { cx: x(i) + iw / 2, cy: ySL(p.service_level), r: 3, class: "sl-dot" }));
  });
  labelAxis(svg, points.map((p) => p.short || p.label), x, iw, y(0));
  svg.append(h("svg:line", { x1: pad.left, x2: W - pad.right, y1: y(0), y2: y(0), class: "baseline" }));
  const legend = h("p", { class: "legend", "aria-hidden": "true" },
    h("span", { class: "key key-offered" }), t("rep.offered"), " ",
    h("span", { class: "key key-answered" }), t("rep.answered"), " ",
    h("span", { class: "key key-sl" }), t("rep.service_level"));
  return h("div", { class: "chart-wrap" }, svg, legend);
}

// labelAxis writes at most about 12 labels under the bars.
function labelAxis(svg, labels, x, iw, y0) {
  const every = Math.max(1, Math.ceil(labels.length / 12));
  labels.forEach((l, i) => {
    if (i % every !== 0) return;
    svg.append(h("svg:line", { x1: x(i) + iw / 2, x2: x(i) + iw / 2, y1: y0, y2: y0 + 4, class: "tick" }));
    svg.append(h("svg:text", { x: x(i) + iw / 2, y: H - pad.bottom + 18, class: "axis", "text-anchor": "middle" }, l));
  });
}

// barChart draws groups of bars, one group per label and one bar per
// series; values may be negative (a bias). opts: {id, title, desc, labels,
// series: [{name, cls, values}], format}; a null or zero value draws no bar.
export function barChart(opts) {
  const n = Math.max(opts.labels.length, 1);
  const all = opts.series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined);
  const top = niceMax(Math.max(0, ...all));
  const low = Math.min(0, ...all);
  const bottom = low < 0 ? -niceMax(-low) : 0;
  const iw = (W - pad.left - pad.right) / n;
  const x = (i) => pad.left + i * iw;
  const y = (v) => pad.top + (H - pad.top - pad.bottom) * ((top - v) / (top - bottom));
  const svg = h("svg:svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": `${opts.id}-title ${opts.id}-desc`, class: "chart", id: opts.id },
    h("svg:title", { id: `${opts.id}-title` }, opts.title),
    h("svg:desc", { id: `${opts.id}-desc` }, opts.desc));
  for (let k = 0; k <= 4; k++) {
    const v = bottom + ((top - bottom) * k) / 4;
    svg.append(h("svg:line", { x1: pad.left, x2: W - pad.right, y1: y(v), y2: y(v), class: "grid" }));
    svg.append(h("svg:text", { x: pad.left - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, opts.format(v)));
  }
  const m = opts.series.length;
  const bw = Math.min(iw * 0.7, 48 * m) / m;
  const gx = (i) => x(i) + (iw - bw * m) / 2;
  opts.labels.forEach((l, i) => {
    opts.series.forEach((s, j) => {
      const v = s.values[i];
      if (v === null || v === undefined || v === 0) return;
      const y1 = Math.min(y(v), y(0));
      svg.append(h("svg:rect", { x: gx(i) + j * bw, width: Math.max(1, bw - 1), y: y1, height: Math.max(0.5, Math.abs(y(v) - y(0))), class: s.cls },
        h("svg:title", {}, `${l}: ${s.name} ${opts.format(v)}`)));
    });
  });
  labelAxis(svg, opts.labels, x, iw, y(bottom));
  svg.append(h("svg:line", { x1: pad.left, x2: W - pad.right, y1: y(0), y2: y(0), class: "baseline" }));
  const legend = h("p", { class: "legend", "aria-hidden": "true" },
    opts.series.flatMap((s) => [h("span", { class: `key key-${s.cls}` }), s.name, " "]));
  return h("div", { class: "chart-wrap" }, svg, legend);
}
