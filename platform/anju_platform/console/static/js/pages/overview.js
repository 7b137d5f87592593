// Estate overview: live event feed and notifications (GET /stream, SSE over fetch),
// gateway health, open alerts by type and by grid.
import { api, authHeaders, url } from '../api.js';
import { h, clear, table, fmtTime, notice } from '../dom.js';
import { t, term, typeName } from '../i18n.js';
import { href } from '../router.js';
import { can } from '../roles.js';
import { openStream } from '../sse.js';

const FEED_MAX = 50;
const BASE_KEYS = new Set(['event_id', 'kind', 'time', 'gateway_id', 'device_id', 'estate_id', 'summary']);

function summary(ev) {
  const s = ev.summary && typeof ev.summary === 'object' ? ev.summary : ev;
  return Object.entries(s)
    .filter(([k, v]) => !BASE_KEYS.has(k) && v !== null && v !== undefined && typeof v !== 'object')
    .map(([k, v]) => `${term('field', k)}: ${term('value', String(v))}`)
    .join(' · ');
}

function feedItem(ev) {
  return h('li', { class: 'feed-item', 'data-event-id': ev.event_id || '', 'data-kind': ev.kind || '' },
    h('time', {}, fmtTime(ev.time)),
    h('strong', {}, term('event', ev.kind)),
    h('span', { class: 'muted' }, [ev.gateway_id, ev.device_id].filter(Boolean).join(' / ')),
    h('span', {}, summary(ev)));
}

function noteItem(n) {
  const b = n.body || {};
  const what = b.type ? typeName(b.type) : '';
  const link = b.alert_id ? h('a', { href: href('alert', [b.alert_id]) }, `#${b.alert_id}`)
    : b.case_id ? h('a', { href: href('case', [b.case_id]) }, `${t('case.case')} #${b.case_id}`) : null;
  return h('li', { class: 'feed-item', 'data-kind': n.kind },
    h('time', {}, fmtTime(n.at)),
    h('strong', {}, term('notification', n.kind)),
    h('span', {}, what), link);
}

function counts(rows, key, label) {
  const by = new Map();
  for (const r of rows) by.set(r[key] ?? '', (by.get(r[key] ?? '') || 0) + 1);
  const sorted = [...by.entries()].sort((a, b) => b[1] - a[1]);
  if (!sorted.length) return h('p', { class: 'muted' }, t('overview.noOpen'));
  return table([t(label), t('overview.count')], sorted.map(([k, n]) => h('tr', {},
    h('td', {}, h('a', { href: href('alerts', [], { [key === 'type' ? 'type' : 'grid_id']: k }) },
      key === 'type' ? typeName(k) : k || t('overview.noGrid'))),
    h('td', { class: 'num' }, n))));
}

export async function render(root, ctx) {
  if (!ctx.estate) {
    root.append(notice('info', t('app.noEstate')));
    return;
  }
  const state = h('span', { class: 'pill', 'data-testid': 'stream-state' }, t('stream.connecting'));
  const feed = h('ul', { class: 'feed', 'data-testid': 'feed' });
  const notes = h('ul', { class: 'feed', 'data-testid': 'notifications', 'aria-live': 'polite' });
  const byType = h('div', { 'data-testid': 'open-by-type' });
  const byGrid = h('div', { 'data-testid': 'open-by-grid' });
  const gateways = h('div', { 'data-testid': 'gateways' });
  root.append(
    h('h1', {}, t('overview.title'), ' ', state),
    h('div', { class: 'grid2' },
      h('section', { class: 'card' }, h('h2', {}, t('overview.byType')), byType),
      h('section', { class: 'card' }, h('h2', {}, t('overview.byGrid')), byGrid)),
    h('div', { class: 'grid2' },
      h('section', { class: 'card' }, h('h2', {}, t('overview.feed')), feed),
      h('section', { class: 'card' }, h('h2', {}, t('overview.notifications')), notes)),
    can(ctx.me, 'gateways') ? h('section', { class: 'card' }, h('h2', {}, t('overview.gateways')), gateways) : null,
  );

  const gwRows = new Map();
  const drawGateways = () => {
    clear(gateways);
    if (!gwRows.size) { gateways.append(h('p', { class: 'muted' }, t('overview.noGateways'))); return; }
    gateways.append(table(
      [t('overview.gateway'), t('overview.state'), t('overview.heartbeat'), t('overview.queue')],
      [...gwRows.values()].map((g) => h('tr', { 'data-gateway': g.gateway_id },
        h('td', {}, g.name ? `${g.name} (${g.gateway_id})` : g.gateway_id),
        h('td', {}, h('span', { class: `pill state-${g.state}` }, term('gwstate', g.state))),
        h('td', {}, fmtTime(g.heartbeat_time || g.state_time)),
        h('td', { class: 'num' }, g.queue_depth ?? '')))));
  };
  const loadAlerts = async () => {
    const rows = await api('/alerts', { query: { estate_id: ctx.estate, limit: 1000 }, signal: ctx.signal });
    clear(byType).append(counts(rows, 'type', 'alerts.type'));
    clear(byGrid).append(counts(rows, 'grid_id', 'alerts.grid'));
  };
  let pending = null;
  const reloadSoon = () => {
    clearTimeout(pending);
    pending = setTimeout(() => loadAlerts().catch(() => {}), 500);
  };

  await loadAlerts();
  if (can(ctx.me, 'gateways')) {
    try {
      for (const g of await api('/overview/gateways', { query: { estate_id: ctx.estate }, signal: ctx.signal })) {
        gwRows.set(g.gateway_id, g);
      }
    } catch { /* shown as empty */ }
    drawGateways();
  }

  const push = (list, item) => {
    list.prepend(item);
    while (list.children.length > FEED_MAX) list.lastChild.remove();
  };
  openStream(url('/stream', { estate_id: ctx.estate }), {
    signal: ctx.signal,
    authHeaders,
    onState: (s) => { state.textContent = t(`stream.${s}`); state.className = `pill stream-${s}`; },
    onMessage: (m) => {
      let data;
      try { data = JSON.parse(m.data); } catch { return; }
      if (m.event === 'event') push(feed, feedItem(data));
      else if (m.event === 'notification') {
        push(notes, noteItem(data));
        if (String(data.kind || '').startsWith('alert.')) reloadSoon();
      } else if (m.event === 'gateway' && data.gateway_id) {
        gwRows.set(data.gateway_id, { ...(gwRows.get(data.gateway_id) || {}), ...data });
        drawGateways();
      }
    },
  });
}
