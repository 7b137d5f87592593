// Register: the estate's households with their flat (1栋2单元0501) and lease holder by
// name, a search over both, and filters by building, grid and whether they still live
// there; each row links to the household's page.
import { api } from '../api.js';
import { fmtDay, h, notice, table } from '../dom.js';
import { t } from '../i18n.js';
import { flatName, gridName, named, places } from '../places.js';
import { go, href } from '../router.js';

export async function render(root, ctx) {
  if (!ctx.estate) {
    root.append(notice('info', t('app.noEstate')));
    return;
  }
  const [rows, p] = await Promise.all([
    api('/households', { query: { estate_id: ctx.estate, limit: 5000 }, signal: ctx.signal }),
    places(ctx.estate, ctx.signal),
  ]);
  const q = ctx.query;
  const today = new Date().toISOString().slice(0, 10);
  const unitOf = (r) => p.unit.get(r.unit_id) || {};
  const current = (r) => !r.move_out || r.move_out >= today;
  const opt = (items, value) => [
    h('option', { value: '' }, t('alerts.any')),
    items.map(([v, label]) => h('option', { value: v, selected: v === value }, label)),
  ];
  const search = h('input', {
    type: 'search',
    name: 'q',
    value: q.q || '',
    placeholder: t('register.filter'),
    'data-testid': 'household-filter',
  });
  const building = h(
    'select',
    { name: 'building', 'data-testid': 'filter-building' },
    opt(
      p.buildings.map((b) => [b.id, b.name || b.id]),
      q.building,
    ),
  );
  const grid = h(
    'select',
    { name: 'grid', 'data-testid': 'filter-grid' },
    opt(
      p.grids.map((g) => [g.id, g.name || g.id]),
      q.grid,
    ),
  );
  const living = h(
    'select',
    { name: 'living', 'data-testid': 'filter-living' },
    ['current', 'moved_out', 'all'].map((v) =>
      h('option', { value: v, selected: v === (q.living || 'current') }, t(`register.living.${v}`)),
    ),
  );
  const form = h(
    'form',
    { class: 'filters' },
    h('label', {}, t('alerts.search'), search),
    h('label', {}, t('reports.building'), building),
    h('label', {}, t('alerts.grid'), grid),
    h('label', {}, t('register.living'), living),
    h('button', { type: 'submit', class: 'primary' }, t('alerts.apply')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go('register', [], {
      q: search.value.trim(),
      building: building.value,
      grid: grid.value,
      living: living.value,
    });
  });
  const needle = (q.q || '').trim().toLowerCase();
  const shown = rows.filter((r) => {
    const u = unitOf(r);
    if (q.building && u.building_id !== q.building) return false;
    if (q.grid && u.grid_id !== q.grid) return false;
    const live = q.living || 'current';
    if (live === 'current' && !current(r)) return false;
    if (live === 'moved_out' && current(r)) return false;
    if (!needle) return true;
    return [
      flatName(p, r.unit_id),
      r.unit_id,
      r.household_id,
      u.household_id === r.household_id ? u.household_name : '',
    ]
      .join(' ')
      .toLowerCase()
      .includes(needle);
  });
  const body = shown.map((r) => {
    const u = unitOf(r);
    const name = u.household_id === r.household_id ? u.household_name : '';
    return h(
      'tr',
      {
        class: 'clickable',
        'data-household-id': r.household_id,
        onclick: () => go('household', [r.household_id]),
      },
      h(
        'td',
        {},
        h(
          'a',
          { href: href('household', [r.household_id]) },
          named(name || t('register.household'), r.household_id),
        ),
      ),
      h('td', {}, named(flatName(p, r.unit_id), r.unit_id)),
      h('td', {}, gridName(p, u.grid_id)),
      h('td', {}, fmtDay(r.move_in)),
      h('td', {}, fmtDay(r.move_out)),
      h('td', {}, fmtDay(r.lease_end)),
    );
  });
  root.append(
    h('h1', {}, t('register.title')),
    form,
    h(
      'p',
      { class: 'muted', 'data-testid': 'household-count' },
      t('alerts.count', { n: shown.length }),
    ),
    shown.length
      ? h(
          'div',
          { class: 'scroll' },
          table(
            [
              t('register.leaseHolder'),
              t('alerts.unit'),
              t('alerts.grid'),
              t('register.moveIn'),
              t('register.moveOut'),
              t('register.leaseEnd'),
            ],
            body,
            { class: 'list', 'data-testid': 'households' },
          ),
        )
      : h('p', { class: 'muted' }, t('register.none')),
  );
}
