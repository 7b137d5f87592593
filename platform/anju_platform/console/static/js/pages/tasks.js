// "My tasks": the open cases assigned to me (GET /cases/mine), one big card each,
// made for a phone (375 px wide): the flat and household by name, why, when it is due,
// and whether a visit was already tried. Tap a card to open the case. Below: the care
// checks (welfare calls) assigned to me in the current estate.
import { api } from '../api.js';
import { fmtTime, h, notice } from '../dom.js';
import { reason, t, term, typeName } from '../i18n.js';
import { flatName, householdName, places } from '../places.js';
import { can } from '../roles.js';
import { href } from '../router.js';

export async function render(root, ctx) {
  root.append(h('h1', {}, t('tasks.title')));
  if (can(ctx.me, 'patrol')) {
    root.append(
      h(
        'a',
        { class: 'button big block', href: href('patrol'), 'data-testid': 'patrol-link' },
        t('tasks.patrol'),
      ),
    );
  }
  let rows;
  try {
    rows = await api('/cases/mine', { signal: ctx.signal });
  } catch (e) {
    root.append(
      notice(
        'error',
        e.status === 404 ? t('tasks.unavailable') : t('app.error', { detail: e.message }),
      ),
    );
    return;
  }
  // Cases may be in several estates: the names of each.
  const byEstate = new Map();
  for (const e of new Set(rows.map((c) => c.estate_id)))
    byEstate.set(e, await places(e, ctx.signal));
  rows.sort((a, b) => String(a.due_at).localeCompare(String(b.due_at)));
  root.append(
    h('p', { class: 'muted', 'data-testid': 'task-count' }, t('tasks.count', { n: rows.length })),
  );
  root.append(
    h(
      'ul',
      { class: 'tasks', 'data-testid': 'tasks' },
      rows.map((c) => {
        const p = byEstate.get(c.estate_id);
        const hh = householdName(p, c.unit_id);
        return h(
          'li',
          {},
          h(
            'a',
            {
              class: `task${c.overdue ? ' overdue' : ''}${c.visit_count ? ' tried' : ''}`,
              href: href('case', [c.case_id]),
              'data-case-id': c.case_id,
            },
            h(
              'span',
              { class: 'task-head' },
              h('strong', {}, typeName(c.type)),
              h('span', { class: 'where' }, flatName(p, c.unit_id, c.building_id)),
            ),
            hh ? h('span', { class: 'task-who' }, hh) : null,
            h('span', { class: 'task-reason' }, reason(c)),
            c.visit_count
              ? h(
                  'span',
                  { class: 'task-tried', 'data-testid': 'task-tried' },
                  t('tasks.tried', {
                    n: c.visit_count,
                    outcome: term('outcome', c.last_outcome),
                    at: fmtTime(c.last_visit_at),
                  }),
                )
              : null,
            h(
              'span',
              { class: 'task-due' },
              `${t('case.due')}: ${fmtTime(c.due_at)}`,
              c.overdue ? h('strong', { class: 'late' }, ` ${t('case.overdue')}`) : null,
            ),
          ),
        );
      }),
    ),
  );
  if (!rows.length) root.append(h('p', { class: 'empty' }, t('tasks.none')));
  // Care checks (a welfare call or visit, not a violation) of the estate assigned to me.
  const care = ctx.estate
    ? await api('/care-tasks', { query: { estate_id: ctx.estate }, signal: ctx.signal }).catch(
        () => [],
      )
    : [];
  const myCare = care.filter((c) => c.assignee_id === ctx.me.user_id);
  if (myCare.length) {
    const p = await places(ctx.estate, ctx.signal);
    root.append(
      h('h2', {}, t('tasks.care')),
      h(
        'ul',
        { class: 'tasks', 'data-testid': 'my-care' },
        myCare.map((c) =>
          h(
            'li',
            {},
            h(
              'a',
              {
                class: `task${c.overdue ? ' overdue' : ''}`,
                href: href('care', [c.task_id]),
                'data-task-id': c.task_id,
              },
              h(
                'span',
                { class: 'task-head' },
                h('strong', {}, term('careStatus', c.status)),
                h('span', { class: 'where' }, flatName(p, c.unit_id, c.building_id)),
              ),
              h('span', { class: 'task-reason' }, reason(c)),
              h('span', { class: 'task-due' }, `${t('case.due')}: ${fmtTime(c.due_at)}`),
            ),
          ),
        ),
      ),
    );
  }
}
