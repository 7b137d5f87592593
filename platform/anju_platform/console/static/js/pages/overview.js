// Estate overview: notifications that wait for you (unread since your last visit, serious
// alerts highlighted), live event feed with doors by name (GET /stream, SSE over fetch),
// gateway health (silent gateways show offline), open alerts by type and by grid.
import { api, authHeaders, url } from '../api.js';
import { clear, fmtTime, h, notice, table } from '../dom.js';
import { lang, t, term, typeName } from '../i18n.js';
import { deviceName, flatName, gatewayName, gridName, named, places } from '../places.js';
import { can } from '../roles.js';
import { href } from '../router.js';
import { openStream } from '../sse.js';

const FEED_MAX = 50;
const NOTES_MAX = 200;
const BASE_KEYS = new Set([
  'event_id',
  'kind',
  'time',
  'gateway_id',
  'device_id',
  'estate_id',
  'summary',
]);
// Alert types where someone may be at risk or a tenancy at stake: shown first, in red.
const SERIOUS_TYPES = new Set(['elderly_not_seen', 'evicted_reentry', 'card_clone', 'sublet']);

// The last notification id this person has seen in this estate (per browser).
const seenKey = (ctx) => `anju.seen.${ctx.me.user_id}.${ctx.estate}`;
// null: never here (a mark of 0 is a mark: nothing had been notified yet).
export const seenId = (ctx) => {
  const v = localStorage.getItem(seenKey(ctx));
  return v === null ? null : Number(v);
};

export function serious(n) {
  const b = n.body || {};
  if (!String(n.kind || '').startsWith('alert.') || n.kind === 'alert.closed') return false;
  return (
    n.kind === 'alert.escalated' ||
    SERIOUS_TYPES.has(b.type) ||
    Number(b.level) >= 2 ||
    Number(b.score) >= 0.85
  );
}

function summary(ev) {
  const s = ev.summary && typeof ev.summary === 'object' ? ev.summary : ev;
  return Object.entries(s)
    .filter(
      ([k, v]) =>
        !BASE_KEYS.has(k) &&
        k !== 'door_id' &&
        v !== null &&
        v !== undefined &&
        typeof v !== 'object',
    )
    .map(([k, v]) => `${term('field', k)}: ${term('value', String(v))}`)
    .join(' · ');
}

function feedItem(ev, p) {
  const where = deviceName(p, ev.device_id) || gatewayName(p, ev.gateway_id);
  return h(
    'li',
    { class: 'feed-item', 'data-event-id': ev.event_id || '', 'data-kind': ev.kind || '' },
    h('time', {}, fmtTime(ev.time)),
    h('strong', {}, term('event', ev.kind)),
    h('span', { class: 'where' }, where),
    h('span', {}, summary(ev)),
  );
}

function noteItem(n, p, unread) {
  const b = n.body || {};
  const what = b.type ? typeName(b.type) : '';
  const flat = flatName(p, b.unit_id, b.building_id);
  const why = lang() === 'en' ? b.reason_en || b.reason_zh : b.reason_zh || b.reason_en;
  const link = b.alert_id
    ? h('a', { href: href('alert', [b.alert_id]) }, t('overview.open'))
    : b.case_id
      ? h('a', { href: href('case', [b.case_id]) }, t('overview.open'))
      : null;
  const cls = ['feed-item', 'note', unread ? 'unread' : '', serious(n) ? 'serious' : '']
    .filter(Boolean)
    .join(' ');
  return h(
    'li',
    { class: cls, 'data-kind': n.kind, 'data-notification-id': n.notification_id },
    h('time', {}, fmtTime(n.at)),
    unread ? h('span', { class: 'pill unread-pill' }, t('overview.unread')) : null,
    h('strong', {}, term('notification', n.kind)),
    what ? h('span', {}, what) : null,
    flat ? h('span', { class: 'where' }, flat) : null,
    why ? h('span', { class: 'muted why' }, why) : null,
    link,
  );
}

function counts(rows, key, label, name) {
  const by = new Map();
  for (const r of rows) by.set(r[key] ?? '', (by.get(r[key] ?? '') || 0) + 1);
  const sorted = [...by.entries()].sort((a, b) => b[1] - a[1]);
  if (!sorted.length) return h('p', { class: 'muted' }, t('overview.noOpen'));
  return table(
    [t(label), t('overview.count')],
    sorted.map(([k, n]) =>
      h(
        'tr',
        {},
        h(
          'td',
          {},
          h('a', { href: href('alerts', [], { [key]: k }) }, k ? name(k) : t('overview.noGrid')),
        ),
        h('td', { class: 'num' }, n),
      ),
    ),
  );
}

// Online but silent for longer than the platform's limit: offline (as the API says).
function shownState(g, staleS) {
  const last = Math.max(
    ...[g.heartbeat_time, g.state_time].filter(Boolean).map((x) => new Date(x).getTime()),
    0,
  );
  if (g.state === 'online' && (!last || Date.now() - last > staleS * 1000))
    return { state: 'offline', stale: true };
  return { state: g.state, stale: Boolean(g.stale && g.state === 'offline') };
}

export async function render(root, ctx) {
  if (!ctx.estate) {
    root.append(notice('info', t('app.noEstate')));
    return;
  }
  const p = await places(ctx.estate, ctx.signal);
  const state = h('span', { class: 'pill', 'data-testid': 'stream-state' }, t('stream.connecting'));
  const feed = h('ul', { class: 'feed', 'data-testid': 'feed' });
  const notes = h('ul', {
    class: 'feed notes',
    'data-testid': 'notifications',
    'aria-live': 'polite',
  });
  const unreadCount = h('span', {
    class: 'pill unread-pill',
    'data-testid': 'unread-count',
    hidden: true,
  });
  const markRead = h(
    'button',
    { type: 'button', class: 'link-button', 'data-testid': 'mark-read', hidden: true },
    t('overview.markRead'),
  );
  const byType = h('div', { 'data-testid': 'open-by-type' });
  const byGrid = h('div', { 'data-testid': 'open-by-grid' });
  const gateways = h('div', { 'data-testid': 'gateways' });
  const full = can(ctx.me, 'gateways'); // the event feed and gateways are not for inspectors
  root.append(
    h('h1', {}, t('overview.title'), ' ', state),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('overview.notifications'), ' ', unreadCount, ' ', markRead),
      h('p', { class: 'muted', 'data-testid': 'notes-empty' }, t('overview.noNotes')),
      notes,
    ),
    h(
      'div',
      { class: 'grid2' },
      h('section', { class: 'card' }, h('h2', {}, t('overview.byType')), byType),
      h('section', { class: 'card' }, h('h2', {}, t('overview.byGrid')), byGrid),
    ),
    full
      ? h(
          'section',
          { class: 'card' },
          h('h2', {}, t('overview.feed')),
          h('p', { class: 'muted feed-empty' }, t('overview.waiting')),
          feed,
        )
      : null,
    full ? h('section', { class: 'card' }, h('h2', {}, t('overview.gateways')), gateways) : null,
  );

  // Unread: newer than the mark kept for this person and estate; the stream replays
  // what came since (Last-Event-ID), so nothing waits unseen.
  const seen = seenId(ctx);
  let newest = seen || 0;
  let unread = 0;
  const drawUnread = () => {
    unreadCount.hidden = markRead.hidden = unread === 0;
    unreadCount.textContent = t('overview.unreadCount', { n: unread });
  };
  markRead.addEventListener('click', () => {
    localStorage.setItem(seenKey(ctx), String(newest));
    unread = 0;
    for (const li of notes.querySelectorAll('.unread')) {
      li.classList.remove('unread');
      li.querySelector('.unread-pill')?.remove();
    }
    drawUnread();
  });

  const gwRows = new Map();
  const drawGateways = () => {
    clear(gateways);
    if (!gwRows.size) {
      gateways.append(h('p', { class: 'muted' }, t('overview.noGateways')));
      return;
    }
    gateways.append(
      table(
        [t('overview.gateway'), t('overview.state'), t('overview.heartbeat'), t('overview.queue')],
        [...gwRows.values()].map((g) => {
          const s = shownState(g, ctx.config.gateway_stale_s || 180);
          return h(
            'tr',
            { 'data-gateway': g.gateway_id, 'data-state': s.state },
            h('td', {}, named(g.name || gatewayName(p, g.gateway_id), g.gateway_id)),
            h(
              'td',
              {},
              h('span', { class: `pill state-${s.state}` }, term('gwstate', s.state)),
              s.stale ? h('small', { class: 'muted stale' }, ` ${t('overview.stale')}`) : null,
            ),
            h('td', {}, fmtTime(g.heartbeat_time || g.state_time) || t('overview.never')),
            h('td', { class: 'num' }, g.queue_depth ?? '–'),
          );
        }),
      ),
    );
  };
  const loadAlerts = async () => {
    const rows = await api('/alerts', {
      query: { estate_id: ctx.estate, limit: 1000 },
      signal: ctx.signal,
    });
    clear(byType).append(counts(rows, 'type', 'alerts.type', typeName));
    clear(byGrid).append(counts(rows, 'grid_id', 'alerts.grid', (g) => gridName(p, g)));
  };
  let pending = null;
  const reloadSoon = () => {
    clearTimeout(pending);
    pending = setTimeout(() => loadAlerts().catch(() => {}), 500);
  };

  await loadAlerts();
  if (full) {
    try {
      for (const g of await api('/overview/gateways', {
        query: { estate_id: ctx.estate },
        signal: ctx.signal,
      })) {
        gwRows.set(g.gateway_id, g);
      }
    } catch {
      /* shown as empty */
    }
    drawGateways();
    const timer = setInterval(drawGateways, 30_000); // a silent gateway turns offline by itself
    ctx.signal.addEventListener('abort', () => clearInterval(timer));
  }

  const push = (list, item, max) => {
    list.prepend(item);
    while (list.children.length > max) list.lastChild.remove();
  };
  // Serious ones stay above the others.
  const addNote = (n) => {
    const isNew = n.notification_id > (seen || 0);
    if (isNew) unread += 1;
    newest = Math.max(newest, n.notification_id || 0);
    const li = noteItem(n, p, isNew);
    if (serious(n)) push(notes, li, NOTES_MAX);
    else {
      const firstPlain = [...notes.children].find((x) => !x.classList.contains('serious'));
      if (firstPlain) notes.insertBefore(li, firstPlain);
      else notes.append(li);
      while (notes.children.length > NOTES_MAX) notes.lastChild.remove();
    }
    root.querySelector('[data-testid=notes-empty]').hidden = true;
    drawUnread();
  };
  openStream(url('/stream', { estate_id: ctx.estate }), {
    signal: ctx.signal,
    authHeaders,
    lastId: seen,
    onState: (s) => {
      state.textContent = t(`stream.${s}`);
      state.className = `pill stream-${s}`;
    },
    onMessage: (m) => {
      let data;
      try {
        data = JSON.parse(m.data);
      } catch {
        return;
      }
      if (m.event === 'event') root.querySelector('.feed-empty')?.remove();
      if (m.event === 'hello') {
        // a first visit: from now on, what arrives while away waits as unread
        if (seen === null && localStorage.getItem(seenKey(ctx)) === null)
          localStorage.setItem(seenKey(ctx), String(data.after || 0));
      } else if (m.event === 'event') push(feed, feedItem(data, p), FEED_MAX);
      else if (m.event === 'notification') {
        addNote(data);
        if (String(data.kind || '').startsWith('alert.')) reloadSoon();
      } else if (m.event === 'gateway' && data.gateway_id) {
        gwRows.set(data.gateway_id, { ...(gwRows.get(data.gateway_id) || {}), ...data });
        drawGateways();
      }
    },
  });
}
