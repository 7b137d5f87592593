// Build DOM nodes with createElement: text always goes in as text nodes, never as markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function table(headers, rows, attrs = {}) {
  return h(
    'table',
    attrs,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((x) => h('th', {}, x)),
      ),
    ),
    h('tbody', {}, rows),
  );
}

// Times are shown in the estates' local time (UTC+8 in China; the platform says which),
// whatever the browser's own time zone: an inspector and the office read the same clock.
let zoneHours = 8;
export function setZone(hours) {
  if (Number.isFinite(hours)) zoneHours = hours;
}
export const zone = () => zoneHours;

const pad = (n) => String(n).padStart(2, '0');
function local(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : new Date(d.getTime() + zoneHours * 3600_000);
}

export function fmtTime(iso) {
  if (!iso) return '';
  const d = local(iso);
  if (!d) return String(iso);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

// A calendar day ('2026-03-01') as it is: days are already the estate's local days.
export function fmtDay(day) {
  return day ? String(day).slice(0, 10) : '';
}

// <input type=datetime-local> values in the estate's local time, both ways.
export function inputNow(offsetMs = 0) {
  const d = local(new Date(Date.now() + offsetMs).toISOString());
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}
export function inputToIso(value) {
  if (!value) return null;
  const sign = zoneHours < 0 ? '-' : '+';
  const hh = pad(Math.floor(Math.abs(zoneHours))),
    mm = pad(Math.round((Math.abs(zoneHours) % 1) * 60));
  return new Date(`${value.length === 16 ? `${value}:00` : value}${sign}${hh}:${mm}`).toISOString();
}

export function fmtScore(x) {
  return x === null || x === undefined ? '' : Number(x).toFixed(2);
}

// A message box that pages put at their top for errors and confirmations.
export function notice(kind, text) {
  return h('p', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}
