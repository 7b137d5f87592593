// Audit log (admins): who read personal data or changed what, newest first.
import { api } from '../api.js';
import { h, table, fmtTime } from '../dom.js';
import { t } from '../i18n.js';
import { go } from '../router.js';

const FILTERS = ['actor_id', 'action', 'target_type', 'target_id'];

export async function render(root, ctx) {
  const inputs = FILTERS.map((f) => h('input', { name: f, value: ctx.query[f] || '', 'data-testid': `audit-${f}` }));
  const form = h('form', { class: 'filters' }, FILTERS.map((f, i) => h('label', {}, t(`audit.${f}`), inputs[i])),
    h('button', { type: 'submit', class: 'primary' }, t('alerts.apply')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go('audit', [], Object.fromEntries(FILTERS.map((f, i) => [f, inputs[i].value.trim()])));
  });
  const query = { limit: 300 };
  for (const f of FILTERS) if (ctx.query[f]) query[f] = ctx.query[f];
  const rows = await api('/audit', { query, signal: ctx.signal });
  root.append(h('h1', {}, t('audit.title')), form, table(
    [t('audit.at'), t('audit.actor_id'), t('audit.role'), t('audit.action'), t('audit.target_type'), t('audit.target_id'), t('audit.estate'), t('audit.detail')],
    rows.map((r) => h('tr', {}, h('td', {}, fmtTime(r.at)), h('td', {}, r.actor_id), h('td', {}, r.actor_role),
      h('td', {}, r.action), h('td', {}, r.target_type), h('td', {}, r.target_id || ''), h('td', {}, r.estate_id || ''),
      h('td', { class: 'detail' }, r.detail ? JSON.stringify(r.detail) : ''))),
    { class: 'list', 'data-testid': 'audit-table' }));
}
