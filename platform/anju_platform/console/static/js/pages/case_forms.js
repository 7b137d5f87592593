// Case page forms: record a visit, assign, decide, change an alert's status; each checks
// its own fields and shows the API's error in the page's language.
import { api } from '../api.js';
import { h, inputNow, inputToIso, notice } from '../dom.js';
import { ALERT_TYPES, DECISIONS, OUTCOMES, REASONS, t, term } from '../i18n.js';

// Forms check their fields themselves (novalidate): the browser's own messages would be
// in the browser's language, not the page's.
export function form(title, fields, submit, onSubmit, testid, check = () => null) {
  const msg = h('div', { 'data-testid': `${testid}-message` });
  const f = h(
    'form',
    { class: 'card action', 'data-testid': testid, novalidate: true },
    h('h2', {}, title),
    fields,
    msg,
    h('button', { type: 'submit', class: 'primary big' }, submit),
  );
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    const fd = new FormData(f);
    const problem = check(fd, f);
    if (problem) {
      msg.append(notice('error', problem));
      return;
    }
    const button = f.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      await onSubmit(fd);
    } catch (e) {
      msg.append(notice('error', t('app.error', { detail: e.message })));
    } finally {
      button.disabled = false;
    }
  });
  return f;
}

const options = (names, group, selected) =>
  names.map((n) => h('option', { value: n, selected: n === selected }, term(group, n)));

export async function uploadPhotos(c, files, visitId) {
  for (const file of files) {
    if (!file || !file.size) continue;
    const up = new FormData();
    up.append('photo', file);
    if (visitId) up.append('visit_id', visitId);
    await api(`/cases/${c.case_id}/photos`, { method: 'POST', form: up });
  }
}

export function visitForm(c, done) {
  const outcome = h(
    'div',
    { class: 'choices', role: 'radiogroup' },
    OUTCOMES.map((o) =>
      h(
        'label',
        { class: 'choice' },
        h('input', { type: 'radio', name: 'outcome', value: o, 'data-testid': `outcome-${o}` }),
        h('span', {}, term('outcome', o)),
      ),
    ),
  );
  const confirmed = h(
    'div',
    { class: 'when-confirmed', hidden: true },
    h(
      'label',
      {},
      t('case.violationType'),
      h('select', { name: 'violation_type' }, options(ALERT_TYPES, 'type', c.type)),
    ),
    h(
      'label',
      {},
      t('case.points'),
      h('input', {
        name: 'points',
        type: 'number',
        min: 0,
        max: 1000,
        step: 1,
        inputmode: 'numeric',
      }),
    ),
  );
  const notConfirmed = h(
    'div',
    { hidden: true },
    h(
      'label',
      {},
      t('case.reason'),
      h(
        'select',
        { name: 'reason', 'data-testid': 'visit-reason' },
        options(REASONS, 'reasonCode'),
      ),
    ),
  );
  outcome.addEventListener('change', (ev) => {
    confirmed.hidden = ev.target.value !== 'confirmed';
    notConfirmed.hidden = ev.target.value !== 'not_confirmed';
  });
  const fields = [
    outcome,
    confirmed,
    notConfirmed,
    h(
      'label',
      {},
      t('case.notes'),
      h('textarea', { name: 'notes', rows: 3, maxlength: 2000, 'data-testid': 'visit-notes' }),
    ),
    h(
      'label',
      {},
      t('case.visitedAtHint'),
      h('input', { name: 'visited_at', type: 'datetime-local', max: inputNow(60_000) }),
    ),
    h(
      'label',
      {},
      t('case.photosHint'),
      h('input', {
        name: 'photo',
        type: 'file',
        multiple: true,
        accept: 'image/jpeg,image/png',
        'data-testid': 'visit-photos',
      }),
    ),
  ];
  const check = (fd) => {
    if (!fd.get('outcome')) return t('case.chooseOutcome');
    const pts = fd.get('points');
    if (
      fd.get('outcome') === 'confirmed' &&
      pts !== '' &&
      pts !== null &&
      !(Number(pts) >= 0 && Number(pts) <= 1000 && Number.isInteger(Number(pts)))
    ) {
      return t('case.badPoints');
    }
    if (
      fd.get('visited_at') &&
      new Date(inputToIso(fd.get('visited_at'))) > new Date(Date.now() + 60_000)
    )
      return t('case.futureVisit');
    return null;
  };
  return form(
    t('case.recordVisit'),
    fields,
    t('case.saveVisit'),
    async (fd) => {
      const o = fd.get('outcome');
      const body = { outcome: o, notes: fd.get('notes') || null };
      if (fd.get('visited_at')) body.visited_at = inputToIso(fd.get('visited_at'));
      if (o === 'confirmed') {
        body.violation_type = fd.get('violation_type');
        if (fd.get('points') !== '') body.points = Number(fd.get('points'));
      }
      if (o === 'not_confirmed') body.reason = fd.get('reason');
      const out = await api(`/cases/${c.case_id}/visits`, { method: 'POST', json: body });
      const last = (out.visits || []).at(-1);
      await uploadPhotos(c, fd.getAll('photo'), last?.visit_id);
      done(t('case.visitSaved'));
    },
    'visit-form',
    check,
  );
}

export async function assignForm(ctx, c, done) {
  const staff = c.grid_id
    ? await api(`/grids/${encodeURIComponent(c.grid_id)}/staff`, { signal: ctx.signal }).catch(
        () => [],
      )
    : [];
  const people = staff.filter((s) => s.user_id && s.role === 'inspector');
  const select = h(
    'select',
    { name: 'assignee_id', 'data-testid': 'assignee' },
    h('option', { value: '' }, '–'),
    people.map((s) =>
      h('option', { value: s.user_id, selected: s.user_id === c.assignee_id }, s.name),
    ),
  );
  const fields = [
    h('label', {}, t('case.assignee'), select),
    people.length ? null : h('p', { class: 'muted' }, t('case.noInspectors')),
  ];
  return form(
    t('case.assign'),
    fields,
    t('case.assign'),
    async (fd) => {
      await api(`/cases/${c.case_id}/assign`, {
        method: 'POST',
        json: { assignee_id: fd.get('assignee_id') },
      });
      done(t('case.assigned'));
    },
    'assign-form',
    (fd) => (fd.get('assignee_id') ? null : t('case.chooseAssignee')),
  );
}

export function decisionForm(c, done) {
  const fields = [
    h(
      'label',
      {},
      t('case.decision'),
      h('select', { name: 'decision' }, options(DECISIONS, 'decision')),
    ),
    h('label', {}, t('case.note'), h('textarea', { name: 'note', rows: 3, maxlength: 2000 })),
  ];
  return form(
    t('case.decide'),
    fields,
    t('case.decide'),
    async (fd) => {
      await api(`/cases/${c.case_id}/decision`, {
        method: 'POST',
        json: { decision: fd.get('decision'), note: fd.get('note') },
      });
      done(t('case.decisionSaved'));
    },
    'decision-form',
    (fd) => (String(fd.get('note') || '').trim() ? null : t('case.needNote')),
  );
}

export function statusForm(a, done) {
  const fields = [
    h(
      'label',
      {},
      t('alerts.status'),
      h('select', { name: 'status' }, options(['acknowledged', 'dismissed', 'closed'], 'status')),
    ),
    h('label', {}, t('case.note'), h('textarea', { name: 'note', rows: 2, maxlength: 2000 })),
  ];
  return form(
    t('case.changeStatus'),
    fields,
    t('case.save'),
    async (fd) => {
      await api(`/alerts/${a.alert_id}/status`, {
        method: 'POST',
        json: { status: fd.get('status'), note: fd.get('note') || null },
      });
      done(t('case.statusSaved'));
    },
    'status-form',
    (fd) =>
      fd.get('status') === 'dismissed' && !String(fd.get('note') || '').trim()
        ? t('case.needNote')
        : null,
  );
}

// Where: the flat as people say it, the estate's address, the floor and the entrance.
