// Alert / case detail, ordered for the inspector at the door (phone first): where (flat,
// address, floor, entrance), who (household, registered members; their phone numbers only
// for the assigned inspector), what (reason, evidence in the reader's language with face
// thumbnails), then the visits (cards, photos, more photos later) and the actions of the
// role: record a visit, assign, decide, acknowledge / dismiss; evidence pack (HTML, PDF).
import { api, blobUrl, download } from '../api.js';
import { h, fmtTime, fmtDay, fmtScore, notice, inputToIso, inputNow } from '../dom.js';
import { t, term, typeName, statusName, lang, reason, ALERT_TYPES, OUTCOMES, REASONS, DECISIONS } from '../i18n.js';
import { href } from '../router.js';
import { can } from '../roles.js';
import { casesByAlert } from './alerts.js';
import { places, flatName, gridName, named } from '../places.js';
import { timeline, isQr } from '../evidence.js';

async function load(ctx) {
  const id = ctx.params[0];
  if (ctx.name === 'case') {
    const c = await api(`/cases/${encodeURIComponent(id)}`, { signal: ctx.signal });
    const alert = await api(`/alerts/${c.alert_id}`, { signal: ctx.signal }).catch(() => null);
    return { alert, c };
  }
  const alert = await api(`/alerts/${encodeURIComponent(id)}`, { signal: ctx.signal });
  const found = (await casesByAlert(alert.estate_id, ctx.signal, alert.grid_id)).get(alert.alert_id);
  const c = found ? await api(`/cases/${found.case_id}`, { signal: ctx.signal }).catch(() => null) : null;
  return { alert, c };
}

function facts(pairs, testid) {
  return h('dl', { class: 'facts', 'data-testid': testid }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)]));
}

function thumb(path, alt) {
  const img = h('img', { class: 'thumb', alt, 'data-testid': 'thumb' });
  blobUrl(path).then((u) => { img.src = u; }).catch(() => img.remove());
  return img;
}

// Forms check their fields themselves (novalidate): the browser's own messages would be
// in the browser's language, not the page's.
function form(title, fields, submit, onSubmit, testid, check = () => null) {
  const msg = h('div', { 'data-testid': `${testid}-message` });
  const f = h('form', { class: 'card action', 'data-testid': testid, novalidate: true }, h('h2', {}, title), fields, msg,
    h('button', { type: 'submit', class: 'primary big' }, submit));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    const fd = new FormData(f);
    const problem = check(fd, f);
    if (problem) { msg.append(notice('error', problem)); return; }
    const button = f.querySelector('button[type=submit]');
    button.disabled = true;
    try { await onSubmit(fd); } catch (e) { msg.append(notice('error', t('app.error', { detail: e.message }))); } finally { button.disabled = false; }
  });
  return f;
}

const options = (names, group, selected) => names.map((n) => h('option', { value: n, selected: n === selected }, term(group, n)));

async function uploadPhotos(c, files, visitId) {
  for (const file of files) {
    if (!file || !file.size) continue;
    const up = new FormData();
    up.append('photo', file);
    if (visitId) up.append('visit_id', visitId);
    await api(`/cases/${c.case_id}/photos`, { method: 'POST', form: up });
  }
}

function visitForm(c, done) {
  const outcome = h('div', { class: 'choices', role: 'radiogroup' }, OUTCOMES.map((o) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name: 'outcome', value: o, 'data-testid': `outcome-${o}` }),
    h('span', {}, term('outcome', o)))));
  const confirmed = h('div', { class: 'when-confirmed', hidden: true },
    h('label', {}, t('case.violationType'), h('select', { name: 'violation_type' }, options(ALERT_TYPES, 'type', c.type))),
    h('label', {}, t('case.points'), h('input', { name: 'points', type: 'number', min: 0, max: 1000, step: 1, inputmode: 'numeric' })));
  const notConfirmed = h('div', { hidden: true },
    h('label', {}, t('case.reason'), h('select', { name: 'reason', 'data-testid': 'visit-reason' }, options(REASONS, 'reasonCode'))));
  outcome.addEventListener('change', (ev) => {
    confirmed.hidden = ev.target.value !== 'confirmed';
    notConfirmed.hidden = ev.target.value !== 'not_confirmed';
  });
  const fields = [outcome, confirmed, notConfirmed,
    h('label', {}, t('case.notes'), h('textarea', { name: 'notes', rows: 3, maxlength: 2000, 'data-testid': 'visit-notes' })),
    h('label', {}, t('case.visitedAtHint'), h('input', { name: 'visited_at', type: 'datetime-local', max: inputNow(60_000) })),
    h('label', {}, t('case.photosHint'), h('input', {
      name: 'photo', type: 'file', multiple: true, accept: 'image/jpeg,image/png', 'data-testid': 'visit-photos',
    }))];
  const check = (fd) => {
    if (!fd.get('outcome')) return t('case.chooseOutcome');
    const pts = fd.get('points');
    if (fd.get('outcome') === 'confirmed' && pts !== '' && pts !== null && !(Number(pts) >= 0 && Number(pts) <= 1000 && Number.isInteger(Number(pts)))) {
      return t('case.badPoints');
    }
    if (fd.get('visited_at') && new Date(inputToIso(fd.get('visited_at'))) > new Date(Date.now() + 60_000)) return t('case.futureVisit');
    return null;
  };
  return form(t('case.recordVisit'), fields, t('case.saveVisit'), async (fd) => {
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
    await uploadPhotos(c, fd.getAll('photo'), last && last.visit_id);
    done(t('case.visitSaved'));
  }, 'visit-form', check);
}

async function assignForm(ctx, c, done) {
  const staff = c.grid_id
    ? await api(`/grids/${encodeURIComponent(c.grid_id)}/staff`, { signal: ctx.signal }).catch(() => []) : [];
  const people = staff.filter((s) => s.user_id && s.role === 'inspector');
  const select = h('select', { name: 'assignee_id', 'data-testid': 'assignee' }, h('option', { value: '' }, '–'),
    people.map((s) => h('option', { value: s.user_id, selected: s.user_id === c.assignee_id }, s.name)));
  const fields = [h('label', {}, t('case.assignee'), select),
    people.length ? null : h('p', { class: 'muted' }, t('case.noInspectors'))];
  return form(t('case.assign'), fields, t('case.assign'), async (fd) => {
    await api(`/cases/${c.case_id}/assign`, { method: 'POST', json: { assignee_id: fd.get('assignee_id') } });
    done(t('case.assigned'));
  }, 'assign-form', (fd) => (fd.get('assignee_id') ? null : t('case.chooseAssignee')));
}

function decisionForm(c, done) {
  const fields = [
    h('label', {}, t('case.decision'), h('select', { name: 'decision' }, options(DECISIONS, 'decision'))),
    h('label', {}, t('case.note'), h('textarea', { name: 'note', rows: 3, maxlength: 2000 }))];
  return form(t('case.decide'), fields, t('case.decide'), async (fd) => {
    await api(`/cases/${c.case_id}/decision`, { method: 'POST', json: { decision: fd.get('decision'), note: fd.get('note') } });
    done(t('case.decisionSaved'));
  }, 'decision-form', (fd) => (String(fd.get('note') || '').trim() ? null : t('case.needNote')));
}

function statusForm(a, done) {
  const fields = [
    h('label', {}, t('alerts.status'), h('select', { name: 'status' }, options(['acknowledged', 'dismissed', 'closed'], 'status'))),
    h('label', {}, t('case.note'), h('textarea', { name: 'note', rows: 2, maxlength: 2000 }))];
  return form(t('case.changeStatus'), fields, t('case.save'), async (fd) => {
    await api(`/alerts/${a.alert_id}/status`, { method: 'POST', json: { status: fd.get('status'), note: fd.get('note') || null } });
    done(t('case.statusSaved'));
  }, 'status-form', (fd) => (fd.get('status') === 'dismissed' && !String(fd.get('note') || '').trim() ? t('case.needNote') : null));
}

// Where: the flat as people say it, the estate's address, the floor and the entrance.
function whereCard(ctx, a, p) {
  const u = p.unit.get(a.unit_id) || {};
  const estate = ctx.estates.find((e) => e.estate_id === a.estate_id) || {};
  const entrance = u.entrance_id ? (p.entrance.get(u.entrance_id) || {}).name : null;
  return h('section', { class: 'card where-card', 'data-testid': 'where' }, h('h2', {}, t('case.where')),
    h('p', { class: 'flat' }, named(flatName(p, a.unit_id, a.building_id), a.unit_id || a.building_id)),
    facts([
      ['case.address', [estate.name, estate.address].filter(Boolean).join(' · ')],
      ['case.floor', u.floor !== null && u.floor !== undefined ? t('case.floorN', { n: u.floor }) : null],
      ['case.entrance', entrance],
      ['alerts.grid', gridName(p, a.grid_id)],
    ]));
}

// Who: the household living there and its registered members (phone for the assignee).
function whoCard(c, a, p) {
  const hh = c && c.household;
  const u = p.unit.get(a.unit_id) || {};
  const hid = hh ? hh.household_id : u.household_id;
  const body = [];
  if (hid) body.push(h('p', {}, h('a', { href: href('household', [hid]) }, u.household_name || t('case.householdPage')), ' ', h('small', { class: 'id' }, hid)));
  if (hh && hh.members.length) {
    body.push(h('ul', { class: 'members', 'data-testid': 'members' }, hh.members.map((m) => h('li', { 'data-person-id': m.person_id },
      h('strong', {}, m.name), ` · ${term('memberRole', m.role)}`,
      m.phone ? [' · ', h('a', { href: `tel:${m.phone.replace(/[^+0-9]/g, '')}`, 'data-testid': 'phone' }, m.phone)] : null))));
  } else if (!hid) {
    body.push(h('p', { class: 'muted' }, t('case.noHousehold')));
  }
  return h('section', { class: 'card', 'data-testid': 'household' }, h('h2', {}, t('case.who')), body);
}

function whatCard(a, c, alert) {
  const other = lang() === 'en' ? ['case.reasonZh', a.reason_zh] : ['case.reasonEn', a.reason_en];
  return h('section', { class: 'card', 'data-testid': 'what' }, h('h2', {}, t('case.what')),
    h('p', { class: 'reason-main', 'data-testid': 'reasons' }, reason(a),
      other[1] ? h('details', { class: 'other-lang' }, h('summary', {}, t(other[0])), h('p', {}, other[1])) : null),
    facts([
      ['alerts.score', fmtScore(a.score)], ['case.level', a.level],
      ['case.firstDay', alert && fmtDay(alert.first_day)], ['alerts.lastDay', alert && fmtDay(alert.last_day)],
      ['case.source', a.source && term('source', a.source)],
      ['case.assignee', c && (c.assignee_name || c.assignee_id || t('case.unassigned'))],
      ['case.due', c && `${fmtTime(c.due_at)}${c.overdue ? ` (${t('case.overdue')})` : ''}`],
    ]));
}

function visitCards(ctx, c, done) {
  const visits = c.visits || [];
  const photosOf = (vid) => (c.photos || []).filter((x) => (x.visit_id ?? null) === vid);
  const mayAdd = can(ctx.me, 'visit') && c.status !== 'cancelled';
  const who = (id) => (id === c.assignee_id && c.assignee_name ? c.assignee_name : id);
  const card = (v) => {
    const pics = photosOf(v.visit_id);
    const more = mayAdd ? form(t('case.addPhotos'), [h('input', { type: 'file', name: 'photo', multiple: true, accept: 'image/jpeg,image/png', 'data-testid': 'more-photos' })],
      t('case.upload'), async (fd) => { await uploadPhotos(c, fd.getAll('photo'), v.visit_id); done(t('case.photosAdded')); },
      `add-photos-${v.visit_id}`, (fd) => (fd.getAll('photo').some((f) => f && f.size) ? null : t('case.choosePhotos'))) : null;
    if (more) more.classList.add('compact');
    return h('li', { class: `visit outcome-${v.outcome}`, 'data-visit-id': v.visit_id },
      h('div', { class: 'visit-head' }, h('strong', {}, term('outcome', v.outcome)), h('time', {}, fmtTime(v.visited_at))),
      h('div', { class: 'muted' }, who(v.inspector_id),
        v.violation_type ? ` · ${typeName(v.violation_type)}` : v.reason ? ` · ${term('reasonCode', v.reason)}` : ''),
      v.notes ? h('p', { class: 'visit-notes' }, v.notes) : null,
      pics.length ? h('div', { class: 'thumbs', 'data-testid': 'visit-photos' },
        pics.map((x) => thumb(`/cases/${c.case_id}/photos/${encodeURIComponent(x.photo_id)}`, t('case.photo')))) : null,
      more);
  };
  const loose = photosOf(null);
  return h('section', { class: 'card' }, h('h2', {}, t('case.visits')),
    visits.length ? h('ol', { class: 'visits', 'data-testid': 'visits' }, visits.map(card)) : h('p', { class: 'muted' }, t('case.noVisits')),
    loose.length ? h('div', { class: 'thumbs' }, loose.map((x) => thumb(`/cases/${c.case_id}/photos/${encodeURIComponent(x.photo_id)}`, t('case.photo')))) : null);
}

export async function render(root, ctx) {
  const { alert, c } = await load(ctx);
  const a = alert || c;
  const p = await places(a.estate_id, ctx.signal);
  const evidence = (c && c.evidence) || (alert && alert.evidence) || [];
  const people = new Map(((c && c.household && c.household.members) || []).map((m) => [m.person_id, m.name]));
  const done = async (text) => {
    await ctx.rerender();
    document.getElementById('app').prepend(notice('ok', text));
  };
  const fromTasks = ctx.me.role === 'inspector' || (c && c.assignee_id === ctx.me.user_id && c.status === 'open');
  const back = fromTasks ? h('a', { href: href('tasks'), 'data-testid': 'back' }, `← ${t('tasks.title')}`)
    : h('a', { href: href('alerts'), 'data-testid': 'back' }, `← ${t('alerts.title')}`);
  const faces = can(ctx.me, 'viewFaces');
  root.append(
    h('p', {}, back),
    h('h1', { 'data-testid': 'detail-title' }, `${typeName(a.type)} · ${flatName(p, a.unit_id, a.building_id)} `,
      h('small', { class: 'id' }, `#${a.alert_id}`), ' ',
      h('span', { class: `pill status-${a.status || a.alert_status}` }, statusName(a.status || a.alert_status)),
      c ? h('span', { class: `pill case-${c.status}`, 'data-testid': 'case-status' }, term('caseStatus', c.status)) : null),
    h('div', { class: 'grid2' }, whereCard(ctx, a, p), whoCard(c, a, p)),
    whatCard(a, c, alert),
    h('section', { class: 'card' }, h('h2', {}, t('case.evidence')), timeline(evidence, { p, people, faces, thumb })));
  const qr = evidence.filter(isQr);
  if (qr.length) root.append(h('section', { class: 'card' }, h('h2', {}, t('case.qrScans')), timeline(qr, { p, people, faces, thumb, testid: 'qr-scans' })));
  if (c) root.append(visitCards(ctx, c, done));
  if (c && c.status === 'open' && can(ctx.me, 'visit')) root.append(visitForm(c, done));
  if (c && ['open', 'confirmed'].includes(c.status) && can(ctx.me, 'assign')) root.append(await assignForm(ctx, c, done));
  if (c && c.status === 'confirmed' && can(ctx.me, 'decide')) root.append(decisionForm(c, done));
  if (!c && alert && ['watch', 'open', 'acknowledged'].includes(alert.status) && can(ctx.me, 'alertStatus')) root.append(statusForm(alert, done));
  if (c) {
    if (c.register_change) {
      const rc = c.register_change;
      root.append(notice('info', `${term('reasonCode', rc.reason)}: ${lang() === 'en' ? rc.note_en : rc.note_zh}`));
    }
    if ((c.suppressions || []).length) {
      root.append(h('section', { class: 'card' }, h('h2', {}, t('case.suppressions')), h('ul', { 'data-testid': 'suppressions' },
        c.suppressions.map((x) => h('li', {}, `${x.type ? typeName(x.type) : t('alerts.any')} · ${fmtDay(x.valid_from)} – ${fmtDay(x.valid_to) || t('case.open')} · `,
          term('reasonCode', String(x.reason).replace(/^register_change:/, '')))))));
    }
    if (c.deduction) {
      root.append(h('section', { class: 'card' }, h('h2', {}, t('case.deduction')), facts([
        ['case.violationType', typeName(c.deduction.violation_type)],
        ['case.points', c.deduction.points], ['alerts.status', term('deduction', c.deduction.status)]])));
    }
    if (c.decision) {
      root.append(h('section', { class: 'card' }, h('h2', {}, t('case.decision')), facts([
        ['case.decision', term('decision', c.decision.decision)], ['case.note', c.decision.note],
        ['case.decidedBy', c.decision.decided_by], ['case.decidedAt', fmtTime(c.decision.decided_at)]])));
    }
    root.append(h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'big', 'data-testid': 'evidence-pack',
        onclick: () => download(`/cases/${c.case_id}/evidence-pack`, {}, `case-${c.case_id}.html`) }, t('case.evidencePack')),
      h('button', { type: 'button', class: 'big', 'data-testid': 'evidence-pdf',
        onclick: () => download(`/cases/${c.case_id}/evidence-pack.pdf`, {}, `case-${c.case_id}.pdf`) }, t('case.evidencePdf'))));
  }
}
