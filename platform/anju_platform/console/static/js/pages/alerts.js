// Alerts inbox: filters (type, status, grid, min score, a search over flat, household and
// reason) kept in the address; flats, households and grids by name; rows link to the
// alert / case detail.
import { api } from '../api.js';
import { fmtDay, fmtScore, h, notice, table } from '../dom.js';
import { ALERT_STATUSES, ALERT_TYPES, reason, statusName, t, term, typeName } from '../i18n.js';
import { flatName, gridName, householdName, named, places } from '../places.js';
import { go, href } from '../router.js';

const list = (v) => (v === undefined ? [] : [].concat(v));

const CASE_STATUSES = ['open', 'confirmed', 'not_confirmed', 'decided', 'cancelled'];

// Cases (any status) by alert id; an empty map when the cases API cannot answer.
export async function casesByAlert(estate, signal, gridId) {
  try {
    const query = { estate_id: estate, status: CASE_STATUSES, grid_id: gridId, limit: 1000 };
    const rows = await api('/cases', { query, signal });
    return new Map(rows.map((c) => [c.alert_id, c]));
  } catch {
    return new Map();
  }
}

export async function render(root, ctx) {
  if (!ctx.estate) {
    root.append(notice('info', t('app.noEstate')));
    return;
  }
  const q = ctx.query;
  const p = await places(ctx.estate, ctx.signal);
  const grids = p.grids;
  const select = (name, options, value, multiple = false) =>
    h(
      'select',
      {
        name,
        multiple,
        'data-testid': `filter-${name}`,
      },
      multiple ? null : h('option', { value: '' }, t('alerts.any')),
      options.map(([v, label]) =>
        h('option', { value: v, selected: list(value).includes(v) }, label),
      ),
    );
  const fType = select(
    'type',
    ALERT_TYPES.map((x) => [x, typeName(x)]),
    q.type,
  );
  const fStatus = select(
    'status',
    ALERT_STATUSES.map((x) => [x, statusName(x)]),
    q.status,
  );
  const fGrid = select(
    'grid_id',
    grids.map((g) => [g.id, g.name || g.id]),
    q.grid_id,
  );
  const fText = h('input', {
    name: 'q',
    type: 'search',
    value: q.q || '',
    placeholder: t('alerts.searchHint'),
    'data-testid': 'filter-q',
  });
  const fScore = h('input', {
    name: 'min_score',
    type: 'number',
    min: 0,
    max: 1,
    step: 0.05,
    value: q.min_score || '',
    'data-testid': 'filter-min_score',
  });
  const form = h(
    'form',
    { class: 'filters', 'data-testid': 'alert-filters' },
    h('label', {}, t('alerts.type'), fType),
    h('label', {}, t('alerts.status'), fStatus),
    h('label', {}, t('alerts.grid'), fGrid),
    h('label', {}, t('alerts.minScore'), fScore),
    h('label', {}, t('alerts.search'), fText),
    h('button', { type: 'submit', class: 'primary' }, t('alerts.apply')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go('alerts', [], {
      type: fType.value,
      status: fStatus.value,
      grid_id: fGrid.value,
      min_score: fScore.value,
      q: fText.value.trim(),
    });
  });

  const query = {
    estate_id: ctx.estate,
    type: list(q.type),
    status: list(q.status),
    grid_id: q.grid_id,
    min_score: q.min_score,
    limit: 500,
  };
  const [all, cases] = await Promise.all([
    api('/alerts', { query, signal: ctx.signal }),
    casesByAlert(ctx.estate, ctx.signal, q.grid_id),
  ]);
  // The search matches what the row shows: flat, household, grid, type and reason.
  const needle = (q.q || '').trim().toLowerCase();
  const text = (a) =>
    [
      flatName(p, a.unit_id, a.building_id),
      a.unit_id,
      householdName(p, a.unit_id),
      gridName(p, a.grid_id),
      typeName(a.type),
      reason(a),
    ]
      .join(' ')
      .toLowerCase();
  const rows = needle ? all.filter((a) => text(a).includes(needle)) : all;
  const body = rows.map((a) => {
    const c = cases.get(a.alert_id);
    return h(
      'tr',
      { 'data-alert-id': a.alert_id, class: 'clickable', onclick: () => go('alert', [a.alert_id]) },
      h('td', { class: 'num' }, fmtScore(a.score)),
      h('td', {}, h('a', { href: href('alert', [a.alert_id]) }, typeName(a.type))),
      h('td', {}, h('span', { class: `pill status-${a.status}` }, statusName(a.status))),
      h(
        'td',
        { class: 'where' },
        named(flatName(p, a.unit_id, a.building_id), a.unit_id || a.building_id),
      ),
      h('td', {}, householdName(p, a.unit_id)),
      h('td', {}, gridName(p, a.grid_id)),
      h('td', { class: 'reason' }, reason(a)),
      h('td', {}, fmtDay(a.last_day)),
      h(
        'td',
        {},
        c ? `${term('caseStatus', c.status)}${c.assignee_name ? ` · ${c.assignee_name}` : ''}` : '',
      ),
    );
  });
  root.append(
    h('h1', {}, t('alerts.title')),
    form,
    h('p', { class: 'muted', 'data-testid': 'alert-count' }, t('alerts.count', { n: rows.length })),
    rows.length
      ? table(
          [
            t('alerts.score'),
            t('alerts.type'),
            t('alerts.status'),
            t('alerts.unit'),
            t('alerts.household'),
            t('alerts.grid'),
            t('alerts.reason'),
            t('alerts.lastDay'),
            t('alerts.case'),
          ],
          body,
          { class: 'list', 'data-testid': 'alert-table' },
        )
      : h('p', { class: 'muted' }, t('alerts.none')),
  );
}
