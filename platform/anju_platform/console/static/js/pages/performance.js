// Performance report (绩效评价) for one month: table per grid and total, CSV download,
// printable (the print stylesheet drops the navigation and the form).
import { api, download } from '../api.js';
import { h, notice, table } from '../dom.js';
import { t } from '../i18n.js';
import { go } from '../router.js';

const COLUMNS = [
  'alerts_opened',
  'alerts_handled',
  'median_hours_to_inspect',
  'share_within_due',
  'patrol_coverage',
  'reports_received',
  'reports_handled',
];
const SHARES = new Set(['share_within_due', 'patrol_coverage']);

function lastMonth() {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

function cell(col, v) {
  if (v === null || v === undefined) return '–';
  if (SHARES.has(col)) return `${(Number(v) * 100).toFixed(1)}%`;
  if (col === 'median_hours_to_inspect') return Number(v).toFixed(1);
  return String(v);
}

function row(label, r, cls) {
  return h(
    'tr',
    { class: cls || '' },
    h('th', { scope: 'row' }, label),
    COLUMNS.map((c) => h('td', { class: 'num' }, cell(c, r[c]))),
  );
}

export async function render(root, ctx) {
  if (!ctx.estate) {
    root.append(notice('info', t('app.noEstate')));
    return;
  }
  const month = ctx.query.month || lastMonth();
  const input = h('input', {
    type: 'month',
    name: 'month',
    value: month,
    required: true,
    'data-testid': 'perf-month',
  });
  const form = h(
    'form',
    { class: 'filters no-print' },
    h('label', {}, t('perf.month'), input),
    h('button', { type: 'submit', class: 'primary' }, t('perf.show')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go('performance', [], { month: input.value });
  });
  root.append(h('h1', {}, t('perf.title', { month, estate: ctx.estate })), form);
  let out;
  try {
    out = await api('/performance', {
      query: { estate_id: ctx.estate, month },
      signal: ctx.signal,
    });
  } catch (e) {
    root.append(
      notice(
        'error',
        e.status === 404 ? t('perf.unavailable') : t('app.error', { detail: e.message }),
      ),
    );
    return;
  }
  const rows = out.rows || [];
  const total = out.total || null;
  root.append(
    h(
      'div',
      { class: 'actions no-print' },
      h(
        'button',
        {
          type: 'button',
          'data-testid': 'perf-csv',
          onclick: () =>
            download(
              '/performance',
              { estate_id: ctx.estate, month, format: 'csv' },
              `performance-${ctx.estate}-${month}.csv`,
            ),
        },
        t('perf.csv'),
      ),
      h('button', { type: 'button', onclick: () => window.print() }, t('perf.print')),
    ),
    table(
      [t('alerts.grid'), ...COLUMNS.map((c) => t(`perf.${c}`))],
      [
        ...rows.map((r) => row(r.grid_name || r.grid_id || t('overview.noGrid'), r)),
        total ? row(t('perf.total'), total, 'total') : null,
      ],
      { class: 'list report', 'data-testid': 'perf-table' },
    ),
    h('p', { class: 'muted' }, t('perf.note')),
  );
}
