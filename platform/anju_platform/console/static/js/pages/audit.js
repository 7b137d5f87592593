// Audit log (admins): who read personal data or changed what, newest first. Actions and
// record kinds are translated, details are shown as fields, and runs of page views (the
// same person reading the same kind of record) are grouped into one row that opens.
import { api } from '../api.js';
import { fmtTime, h, table } from '../dom.js';
import { t, term } from '../i18n.js';
import { go } from '../router.js';

const FILTERS = ['actor_id', 'action', 'target_type', 'target_id'];
// Stable action and record names written by the API (a select, translated).
export const ACTIONS = [
  'login',
  'login_failed',
  'logout',
  'create',
  'update',
  'delete',
  'end',
  'import',
  'read',
  'list',
  'read_phone',
  'read_photo',
  'stream',
  'export',
  'visit',
  'add_photo',
  'assign',
  'decide',
  'acknowledged',
  'dismissed',
  'closed',
  'enroll',
  'erase',
  'move_in',
  'move_out',
  'issue_token',
  'print_poster',
  'scan',
  'report',
  'test',
];
const TARGETS = [
  'user',
  'estate',
  'building',
  'entrance',
  'grid',
  'grid_staff',
  'unit',
  'household',
  'person',
  'member',
  'credential',
  'caregiver',
  'absence',
  'gateway',
  'device',
  'alert',
  'case',
  'face_enrollment',
  'face_snapshot',
  'checkpoint',
  'resident_report',
  'performance',
  'erasure',
  'register',
  'webhook',
];
// Reads, not changes: a run of them by one person is one row.
const VIEWS = new Set(['read', 'list', 'stream', 'read_photo', 'report']);
const GAP_MS = 30 * 60 * 1000;

// Detail values that are stable names of the API get their translation.
const VALUE_GROUPS = {
  role: 'role',
  outcome: 'outcome',
  decision: 'decision',
  deduction: 'deduction',
  from: 'status',
  status: 'status',
};

function value(k, v) {
  if (Array.isArray(v))
    return v.map((x) => (k === 'changed' ? term('auditField', x) : value(k, x))).join('、');
  if (v === null || v === undefined) return '–';
  if (typeof v === 'boolean') return term('value', String(v));
  if (typeof v === 'object')
    return Object.entries(v)
      .map(([a, b]) => `${term('auditField', a)}: ${value(a, b)}`)
      .join('；');
  if (VALUE_GROUPS[k]) return term(VALUE_GROUPS[k], String(v));
  return String(v);
}

// Values that are not a translated name (ids, hashes, codes) are shown as ids.
function shown(k, v) {
  const text = value(k, v);
  const raw = typeof v === 'string' || typeof v === 'number' ? String(v) : null;
  return raw !== null && text === raw && /^[\x20-\x7e]+$/.test(raw)
    ? h('small', { class: 'id' }, raw)
    : text;
}

export function details(d) {
  if (!d) return '';
  return h(
    'dl',
    { class: 'fields' },
    Object.entries(d).map(([k, v]) => [
      h('dt', {}, term('auditField', k)),
      h('dd', {}, shown(k, v)),
    ]),
  );
}

// Consecutive views by one person of one kind of record, each within GAP_MS of the next.
export function group(rows) {
  const out = [];
  for (const r of rows) {
    const last = out.at(-1);
    if (
      last &&
      VIEWS.has(r.action) &&
      last.rows[0].action === r.action &&
      last.rows[0].actor_id === r.actor_id &&
      last.rows[0].target_type === r.target_type &&
      new Date(last.rows.at(-1).at) - new Date(r.at) <= GAP_MS
    ) {
      last.rows.push(r);
    } else {
      out.push({ rows: [r] });
    }
  }
  return out;
}

function one(r) {
  return h(
    'tr',
    { 'data-audit-id': r.audit_id },
    h('td', {}, fmtTime(r.at)),
    h('td', {}, h('small', { class: 'id' }, r.actor_id)),
    h('td', {}, term('role', r.actor_role)),
    h('td', { 'data-action': r.action }, term('auditAction', r.action)),
    h('td', {}, term('auditTarget', r.target_type)),
    h('td', {}, r.target_id ? h('small', { class: 'id' }, r.target_id) : ''),
    h('td', {}, r.estate_id || ''),
    h('td', { class: 'detail' }, details(r.detail)),
  );
}

function many(g) {
  const [first] = g.rows;
  const last = g.rows.at(-1);
  const targets = [...new Set(g.rows.map((r) => r.target_id).filter(Boolean))];
  const inner = h(
    'details',
    {},
    h('summary', {}, t('audit.views', { n: g.rows.length })),
    h(
      'ul',
      { class: 'plain' },
      g.rows.map((r) =>
        h(
          'li',
          {},
          `${fmtTime(r.at)} `,
          r.target_id ? h('small', { class: 'id' }, r.target_id) : '',
        ),
      ),
    ),
  );
  return h(
    'tr',
    { class: 'group', 'data-audit-group': g.rows.length },
    h('td', {}, `${fmtTime(last.at)} – ${fmtTime(first.at)}`),
    h('td', {}, h('small', { class: 'id' }, first.actor_id)),
    h('td', {}, term('role', first.actor_role)),
    h('td', { 'data-action': first.action }, term('auditAction', first.action)),
    h('td', {}, term('auditTarget', first.target_type)),
    h('td', {}, targets.length ? t('audit.records', { n: targets.length }) : ''),
    h('td', {}, first.estate_id || ''),
    h('td', { class: 'detail' }, inner),
  );
}

export function auditRows(rows, testid = 'audit-table') {
  return h(
    'div',
    { class: 'scroll' },
    table(
      [
        t('audit.at'),
        t('audit.actor_id'),
        t('audit.role'),
        t('audit.action'),
        t('audit.target_type'),
        t('audit.target_id'),
        t('audit.estate'),
        t('audit.detail'),
      ],
      group(rows).map((g) => (g.rows.length > 1 ? many(g) : one(g.rows[0]))),
      { class: 'list audit', 'data-testid': testid },
    ),
  );
}

export async function render(root, ctx) {
  const pick = (f, names, group) =>
    h(
      'select',
      { name: f, 'data-testid': `audit-${f}` },
      h('option', { value: '' }, t('alerts.any')),
      names.map((n) => h('option', { value: n, selected: ctx.query[f] === n }, term(group, n))),
    );
  const inputs = FILTERS.map((f) =>
    f === 'action'
      ? pick(f, ACTIONS, 'auditAction')
      : f === 'target_type'
        ? pick(f, TARGETS, 'auditTarget')
        : h('input', { name: f, value: ctx.query[f] || '', 'data-testid': `audit-${f}` }),
  );
  const form = h(
    'form',
    { class: 'filters' },
    FILTERS.map((f, i) => h('label', {}, t(`audit.${f}`), inputs[i])),
    h('button', { type: 'submit', class: 'primary' }, t('alerts.apply')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go('audit', [], Object.fromEntries(FILTERS.map((f, i) => [f, inputs[i].value.trim()])));
  });
  const query = { limit: 300 };
  for (const f of FILTERS) if (ctx.query[f]) query[f] = ctx.query[f];
  const rows = await api('/audit', { query, signal: ctx.signal });
  root.append(
    h('h1', {}, t('audit.title')),
    h('p', { class: 'muted' }, t('audit.hint')),
    form,
    auditRows(rows),
  );
}
