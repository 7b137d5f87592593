// Care tasks (关怀任务): an elderly tenant living alone who was not seen is a welfare check,
// not a violation. '#/care': the estate's tasks (phone first, a visit when nobody answers),
// absences residents, families or staff reported (to confirm), and a form to enter a phone
// call about an absence. '#/care/{id}': one task, the tenant, the calls and visits so far,
// and a form to record the next one. Words: the shared vocabulary (careStatus, careResult...).
import { api } from '../api.js';
import { fmtDay, fmtTime, h, notice, table } from '../dom.js';
import { reason, t, term } from '../i18n.js';
import { flatName, householdName, places } from '../places.js';
import { can } from '../roles.js';
import { href } from '../router.js';

const OPEN = ['call', 'visit'];
const RESULTS = ['no_answer', 'fine', 'needed_help', 'away', 'reported'];

function failed(box, e) {
  const d = e.detail;
  const text = Array.isArray(d) ? d.map((x) => x.msg || JSON.stringify(x)).join('; ') : e.message;
  box.replaceChildren(notice('error', t('app.error', { detail: text })));
}

function taskCard(p, c) {
  const last = c.contact_count
    ? h(
        'span',
        { class: 'task-tried', 'data-testid': 'care-last' },
        t('care.last', {
          kind: term('contactKind', c.last_kind),
          result: term('careResult', c.last_result),
          at: fmtTime(c.last_at),
        }),
      )
    : null;
  return h(
    'li',
    {},
    h(
      'a',
      {
        class: `task${c.overdue ? ' overdue' : ''}${c.contact_count ? ' tried' : ''}`,
        href: href('care', [c.task_id]),
        'data-task-id': c.task_id,
      },
      h(
        'span',
        { class: 'task-head' },
        h('strong', { 'data-testid': 'care-status' }, term('careStatus', c.status)),
        h('span', { class: 'where' }, flatName(p, c.unit_id, c.building_id)),
      ),
      householdName(p, c.unit_id)
        ? h('span', { class: 'task-who' }, householdName(p, c.unit_id))
        : null,
      h('span', { class: 'task-reason' }, reason(c)),
      last,
      OPEN.includes(c.status)
        ? h(
            'span',
            { class: 'task-due' },
            `${t('case.due')}: ${fmtTime(c.due_at)}`,
            c.overdue ? h('strong', { class: 'late' }, ` ${t('case.overdue')}`) : null,
          )
        : null,
    ),
  );
}

function absenceTable(ctx, p, rows) {
  if (!rows.length) return h('p', { class: 'muted' }, t('care.noAbsences'));
  const decide = async (r, confirm, box) => {
    try {
      await api(`/absence-reports/${r.report_id}/decision`, { method: 'POST', json: { confirm } });
      await ctx.rerender();
    } catch (e) {
      failed(box, e);
    }
  };
  return table(
    [
      t('alerts.unit'),
      t('care.from'),
      t('care.to'),
      t('care.source'),
      t('care.note'),
      t('care.contact'),
      '',
    ],
    rows.map((r) => {
      const box = h('div');
      return h(
        'tr',
        { 'data-report-id': r.report_id },
        h('td', {}, flatName(p, r.unit_id)),
        h('td', {}, fmtDay(r.starts_on)),
        h('td', {}, fmtDay(r.ends_on)),
        h('td', {}, t(`care.source.${r.source}`)),
        h('td', { class: 'reason' }, r.note || ''),
        h('td', {}, r.contact || ''),
        h(
          'td',
          {},
          box,
          r.status === 'pending' && can(ctx.me, 'absenceConfirm')
            ? [
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'primary',
                    'data-testid': 'absence-confirm',
                    onclick: () => decide(r, true, box),
                  },
                  t('care.confirm'),
                ),
                h(
                  'button',
                  {
                    type: 'button',
                    'data-testid': 'absence-reject',
                    onclick: () => decide(r, false, box),
                  },
                  t('care.reject'),
                ),
              ]
            : term('absenceStatus', r.status),
        ),
      );
    }),
    { class: 'list', 'data-testid': 'absences' },
  );
}

function phoneForm(ctx, p) {
  const msg = h('div');
  const flats = [...p.unit.values()].filter((u) => u.unit_id);
  const f = h(
    'form',
    { class: 'card action', 'data-testid': 'absence-form' },
    h('h2', {}, t('care.phoneEntry')),
    h('p', { class: 'muted' }, t('care.phoneHint')),
    msg,
    h(
      'label',
      {},
      t('alerts.unit'),
      h(
        'select',
        { name: 'unit_id', required: true },
        flats.map((u) => h('option', { value: u.unit_id }, flatName(p, u.unit_id))),
      ),
    ),
    h('label', {}, t('care.from'), h('input', { name: 'starts_on', type: 'date', required: true })),
    h('label', {}, t('care.to'), h('input', { name: 'ends_on', type: 'date', required: true })),
    h('label', {}, t('care.note'), h('input', { name: 'note', maxlength: 500 })),
    h('label', {}, t('care.contact'), h('input', { name: 'contact', maxlength: 100 })),
    h('button', { type: 'submit', class: 'primary big' }, t('care.add')),
  );
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fd = new FormData(f);
    const json = Object.fromEntries([...fd.entries()].filter(([, v]) => v !== ''));
    try {
      await api('/absence-reports', { method: 'POST', json });
      await ctx.rerender();
    } catch (e) {
      failed(msg, e);
    }
  });
  return f;
}

async function list(root, ctx) {
  if (!ctx.estate) {
    root.append(notice('info', t('app.noEstate')));
    return;
  }
  const closed = ctx.query.closed === '1';
  const status = closed ? ['done', 'seen'] : OPEN;
  const p = await places(ctx.estate, ctx.signal);
  const [tasks, absences] = await Promise.all([
    api('/care-tasks', { query: { estate_id: ctx.estate, status }, signal: ctx.signal }),
    can(ctx.me, 'absences')
      ? api('/absence-reports', { query: { estate_id: ctx.estate }, signal: ctx.signal })
      : null,
  ]);
  root.append(
    h('h1', {}, t('care.title')),
    h('p', { class: 'muted' }, t('care.hint')),
    h(
      'a',
      { href: href('care', [], closed ? {} : { closed: '1' }), 'data-testid': 'care-toggle' },
      t(closed ? 'care.showOpen' : 'care.showClosed'),
    ),
    h('p', { class: 'muted', 'data-testid': 'care-count' }, t('care.count', { n: tasks.length })),
    tasks.length
      ? h(
          'ul',
          { class: 'tasks', 'data-testid': 'care-tasks' },
          tasks.map((c) => taskCard(p, c)),
        )
      : h('p', { class: 'empty' }, t('care.none')),
  );
  if (absences)
    root.append(
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('care.absences')),
        absenceTable(ctx, p, absences),
      ),
    );
  if (can(ctx.me, 'care')) root.append(phoneForm(ctx, p));
}

function contactForm(ctx, task) {
  const msg = h('div');
  const kind = task.status === 'visit' ? 'visit' : 'phone';
  const f = h(
    'form',
    { class: 'card action', 'data-testid': 'contact-form' },
    h('h2', {}, t(kind === 'visit' ? 'care.recordVisit' : 'care.recordCall')),
    msg,
    h(
      'label',
      {},
      t('care.kind'),
      h(
        'select',
        { name: 'kind' },
        ['phone', 'visit'].map((k) =>
          h('option', { value: k, selected: k === kind }, term('contactKind', k)),
        ),
      ),
    ),
    h(
      'label',
      {},
      t('care.result'),
      h(
        'select',
        { name: 'result' },
        RESULTS.map((r) => h('option', { value: r }, term('careResult', r))),
      ),
    ),
    h('label', {}, t('care.notes'), h('textarea', { name: 'notes', maxlength: 2000 })),
    h('button', { type: 'submit', class: 'primary big' }, t('care.save')),
  );
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const fd = new FormData(f);
    const json = { kind: fd.get('kind'), result: fd.get('result') };
    if (fd.get('notes')) json.notes = fd.get('notes');
    try {
      await api(`/care-tasks/${task.task_id}/contacts`, { method: 'POST', json });
      await ctx.rerender();
    } catch (e) {
      failed(msg, e);
    }
  });
  return f;
}

async function detail(root, ctx, id) {
  const task = await api(`/care-tasks/${encodeURIComponent(id)}`, { signal: ctx.signal });
  const p = await places(task.estate_id, ctx.signal);
  const open = OPEN.includes(task.status);
  root.append(
    h('p', {}, h('a', { href: href('care') }, t('care.back'))),
    h(
      'h1',
      {},
      `${t('care.task')} #${task.task_id} · ${flatName(p, task.unit_id, task.building_id)}`,
    ),
    h(
      'section',
      { class: 'card' },
      h(
        'p',
        { 'data-testid': 'care-detail-status' },
        h('strong', {}, term('careStatus', task.status)),
        task.result ? ` · ${term('careResult', task.result)}` : '',
      ),
      h('p', { class: 'reason' }, reason(task)),
      open
        ? h(
            'p',
            {},
            `${t('case.due')}: ${fmtTime(task.due_at)}`,
            task.overdue ? h('strong', { class: 'late' }, ` ${t('case.overdue')}`) : null,
          )
        : null,
      task.status === 'seen' ? h('p', { class: 'muted' }, t('care.seenHint')) : null,
      h(
        'p',
        {},
        h('a', { href: href('alert', [task.alert_id]) }, `${t('alerts.title')} #${task.alert_id}`),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('care.tenant')),
      task.members.length
        ? h(
            'ul',
            { 'data-testid': 'care-members' },
            task.members.map((m) =>
              h(
                'li',
                {},
                m.name,
                ' ',
                m.phone
                  ? h(
                      'a',
                      { href: `tel:${m.phone}`, class: 'button' },
                      `${t('care.call')} ${m.phone}`,
                    )
                  : null,
              ),
            ),
          )
        : h('p', { class: 'muted' }, t('care.nobody')),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('care.contacts')),
      task.contacts.length
        ? table(
            [t('care.at'), t('care.kind'), t('care.result'), t('care.by'), t('care.notes')],
            task.contacts.map((c) =>
              h(
                'tr',
                {},
                h('td', {}, fmtTime(c.at)),
                h('td', {}, term('contactKind', c.kind)),
                h('td', {}, term('careResult', c.result)),
                h('td', {}, c.user_name || c.user_id),
                h('td', { class: 'reason' }, c.notes || ''),
              ),
            ),
            { class: 'list', 'data-testid': 'care-contacts' },
          )
        : h('p', { class: 'muted' }, t('care.noContacts')),
    ),
  );
  if (open && can(ctx.me, 'care')) root.append(contactForm(ctx, task));
}

export async function render(root, ctx) {
  if (ctx.params[0]) await detail(root, ctx, ctx.params[0]);
  else await list(root, ctx);
}
