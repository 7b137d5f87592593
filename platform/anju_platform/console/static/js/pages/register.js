// Register: the estate's households (lease, move-in / move-out), each linking to its page.
import { api } from '../api.js';
import { h, table, notice } from '../dom.js';
import { t } from '../i18n.js';
import { href, go } from '../router.js';

export async function render(root, ctx) {
  if (!ctx.estate) { root.append(notice('info', t('app.noEstate'))); return; }
  const rows = await api('/households', { query: { estate_id: ctx.estate, limit: 5000 }, signal: ctx.signal });
  const filter = h('input', { type: 'search', placeholder: t('register.filter'), 'data-testid': 'household-filter' });
  const body = rows.map((r) => h('tr', { class: 'clickable', 'data-household-id': r.household_id, onclick: () => go('household', [r.household_id]) },
    h('td', {}, h('a', { href: href('household', [r.household_id]) }, r.household_id)),
    h('td', {}, r.unit_id), h('td', {}, r.lease_start || ''), h('td', {}, r.lease_end || ''),
    h('td', {}, r.move_in || ''), h('td', {}, r.move_out || '')));
  filter.addEventListener('input', () => {
    const q = filter.value.trim().toLowerCase();
    for (const tr of body) tr.hidden = q !== '' && !tr.textContent.toLowerCase().includes(q);
  });
  root.append(h('h1', {}, t('register.title')), filter,
    rows.length ? table([t('register.household'), t('alerts.unit'), t('register.leaseStart'), t('register.leaseEnd'),
      t('register.moveIn'), t('register.moveOut')], body, { class: 'list', 'data-testid': 'households' })
      : h('p', { class: 'muted' }, t('register.none')));
}
