// Erasures (个人信息删除记录, admins): who erased whose personal data, when, why, and how
// many items of each kind were removed. The names are gone: only the person id stays.
import { api } from '../api.js';
import { fmtTime, h, notice, table } from '../dom.js';
import { t, term } from '../i18n.js';
import { can } from '../roles.js';

function counts(c) {
  const parts = Object.entries(c || {})
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${term('erasureCount', k)} ${n}`);
  return parts.length ? parts.join('、') : t('erasures.nothing');
}

export async function render(root, ctx) {
  if (!can(ctx.me, 'erasures')) {
    root.append(notice('error', t('app.notFound')));
    return;
  }
  const rows = await api('/erasures', { query: { limit: 200 }, signal: ctx.signal });
  root.append(
    h('h1', {}, t('erasures.title')),
    h('p', { class: 'muted' }, t('erasures.hint')),
    rows.length
      ? h(
          'div',
          { class: 'scroll' },
          table(
            [
              t('erasures.doneAt'),
              t('erasures.by'),
              t('erasures.person'),
              t('erasures.reason'),
              t('erasures.removed'),
            ],
            rows.map((r) =>
              h(
                'tr',
                { 'data-erasure-id': r.erasure_id },
                h('td', {}, fmtTime(r.done_at)),
                h(
                  'td',
                  {},
                  r.requested_by.startsWith('job:') ? t('erasures.auto') : r.requested_by,
                ),
                h('td', {}, r.person_id),
                h('td', {}, term('eraseReason', r.reason)),
                h('td', { class: 'reason' }, counts(r.counts)),
              ),
            ),
            { class: 'list', 'data-testid': 'erasures' },
          ),
        )
      : h('p', { class: 'muted' }, t('erasures.none')),
  );
}
