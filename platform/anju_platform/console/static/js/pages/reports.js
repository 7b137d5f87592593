// Resident reports (举报) and QR posters: the estate's reports with their alerts, the
// report poster of each building, patrol checkpoints with their posters (a new one too).
import { api, download } from '../api.js';
import { fmtTime, h, notice, table } from '../dom.js';
import { statusName, t, term } from '../i18n.js';
import { flatName, gridName, places } from '../places.js';
import { can } from '../roles.js';
import { href } from '../router.js';

function reportTable(rows, p) {
  if (!rows.length) return h('p', { class: 'muted' }, t('reports.none'));
  return table(
    [
      t('reports.received'),
      t('reports.building'),
      t('alerts.unit'),
      t('reports.category'),
      t('reports.body'),
      t('reports.contact'),
      t('alerts.title'),
    ],
    rows.map((r) =>
      h(
        'tr',
        { 'data-report-id': r.report_id },
        h('td', {}, fmtTime(r.created_at)),
        h('td', {}, flatName(p, null, r.building_id)),
        h('td', {}, r.unit_id ? flatName(p, r.unit_id) : ''),
        h('td', {}, term('category', r.category)),
        h('td', { class: 'reason' }, r.body),
        h('td', {}, r.contact || t('reports.anonymous')),
        h(
          'td',
          {},
          r.alert_id
            ? h(
                'a',
                { href: href('alert', [r.alert_id]) },
                `#${r.alert_id} ${statusName(r.alert_status)}`,
              )
            : '',
        ),
      ),
    ),
    { class: 'list', 'data-testid': 'reports' },
  );
}

function checkpointForm(ctx, buildings, grids) {
  const msg = h('div');
  const opt = (rows, key) => [
    h('option', { value: '' }, '–'),
    rows.map((r) => h('option', { value: r[key] }, r.name || r[key])),
  ];
  const f = h(
    'form',
    { class: 'card action', 'data-testid': 'checkpoint-form' },
    h('h2', {}, t('reports.newCheckpoint')),
    msg,
    h(
      'label',
      {},
      t('reports.checkpointId'),
      h('input', {
        name: 'checkpoint_id',
        required: true,
        maxlength: 64,
        pattern: '[A-Za-z0-9_.:\\-]+',
      }),
    ),
    h(
      'label',
      {},
      t('reports.checkpointName'),
      h('input', { name: 'name', required: true, maxlength: 200 }),
    ),
    h(
      'label',
      {},
      t('reports.building'),
      h('select', { name: 'building_id' }, opt(buildings, 'building_id')),
    ),
    h('label', {}, t('alerts.grid'), h('select', { name: 'grid_id' }, opt(grids, 'grid_id'))),
    h('button', { type: 'submit', class: 'primary big' }, t('reports.add')),
  );
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    const fd = new FormData(f);
    const body = {
      estate_id: ctx.estate,
      checkpoint_id: fd.get('checkpoint_id'),
      name: fd.get('name'),
    };
    if (fd.get('building_id')) body.building_id = fd.get('building_id');
    if (fd.get('grid_id')) body.grid_id = fd.get('grid_id');
    try {
      await api('/checkpoints', { method: 'POST', json: body });
      await ctx.rerender();
    } catch (e) {
      msg.append(notice('error', t('app.error', { detail: e.message })));
    }
  });
  return f;
}

export async function render(root, ctx) {
  if (!ctx.estate) {
    root.append(notice('info', t('app.noEstate')));
    return;
  }
  const posters = can(ctx.me, 'posters');
  const q = { estate_id: ctx.estate };
  const p = await places(ctx.estate, ctx.signal);
  const [reports, buildings, grids, checkpoints, address] = await Promise.all([
    api('/reports', { query: { ...q, limit: 200 }, signal: ctx.signal }),
    api('/buildings', { query: q, signal: ctx.signal }).catch(() => []),
    api('/grids', { query: q, signal: ctx.signal }).catch(() => []),
    api('/checkpoints', { query: q, signal: ctx.signal }).catch(() => []),
    posters ? api('/posters/address', { signal: ctx.signal }).catch(() => null) : null,
  ]);
  // A QR code pointing at 127.0.0.1 or a private address is useless on a resident's phone.
  const unreachable = address?.unreachable
    ? notice(
        'error',
        t('reports.posterUnreachable', {
          url: address.base_url,
          why: t(`reports.unreachable.${address.unreachable}`),
        }),
      )
    : null;
  const poster = (path, name) =>
    h(
      'button',
      { type: 'button', class: 'no-print', onclick: () => download(path, {}, name) },
      t('reports.poster'),
    );
  root.append(
    h('h1', {}, t('reports.title')),
    h('section', { class: 'card' }, h('h2', {}, t('reports.reports')), reportTable(reports, p)),
  );
  if (posters) {
    root.append(
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('reports.buildingPosters')),
        unreachable,
        h('p', { class: 'muted' }, t('reports.posterHint')),
        table(
          [t('reports.building'), ''],
          buildings
            .filter((b) => !b.ended_on)
            .map((b) =>
              h(
                'tr',
                { 'data-building-id': b.building_id },
                h(
                  'td',
                  {},
                  b.name || b.building_id,
                  ' ',
                  h('small', { class: 'id' }, b.building_id),
                ),
                h(
                  'td',
                  {},
                  poster(
                    `/buildings/${encodeURIComponent(b.building_id)}/report-poster`,
                    `report-poster-${b.building_id}.html`,
                  ),
                ),
              ),
            ),
          { 'data-testid': 'building-posters' },
        ),
      ),
    );
  }
  root.append(
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('reports.checkpoints')),
      checkpoints.length
        ? table(
            [
              t('reports.checkpointId'),
              t('reports.checkpointName'),
              t('reports.building'),
              t('alerts.grid'),
              '',
            ],
            checkpoints.map((c) =>
              h(
                'tr',
                { 'data-checkpoint-id': c.checkpoint_id },
                h('td', {}, h('small', { class: 'id' }, c.checkpoint_id)),
                h('td', {}, c.name),
                h('td', {}, c.building_id ? flatName(p, null, c.building_id) : ''),
                h('td', {}, gridName(p, c.grid_id)),
                h(
                  'td',
                  {},
                  posters
                    ? poster(
                        `/checkpoints/${encodeURIComponent(c.checkpoint_id)}/poster`,
                        `checkpoint-poster-${c.checkpoint_id}.html`,
                      )
                    : null,
                ),
              ),
            ),
            { 'data-testid': 'checkpoints' },
          )
        : h('p', { class: 'muted' }, t('reports.noCheckpoints')),
    ),
  );
  if (posters) root.append(checkpointForm(ctx, buildings, grids));
}
