// Alert / case detail: facts, reason (zh and en), evidence timeline with face thumbnails
// (roles allowed to see faces), QR scans, visits, photos, and the actions of the role:
// record a visit, assign, decide, acknowledge / dismiss; evidence pack download.
import { api, blobUrl, download } from '../api.js';
import { h, table, fmtTime, fmtScore, notice } from '../dom.js';
import { t, term, typeName, statusName, lang, ALERT_TYPES, OUTCOMES, REASONS, DECISIONS } from '../i18n.js';
import { href } from '../router.js';
import { can } from '../roles.js';
import { casesByAlert } from './alerts.js';

// Detection notes say how a passage was made: '(qr, ...' for a QR pass.
const isQr = (e) => e.kind === 'visitor' || /\(qr\b|\bqr\b/i.test(e.note || '') || /qr/i.test(e.kind || '');

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

function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)]));
}

function thumb(path, alt) {
  const img = h('img', { class: 'thumb', alt, 'data-testid': 'thumb' });
  blobUrl(path).then((u) => { img.src = u; }).catch(() => img.remove());
  return img;
}

function timeline(ctx, evidence, testid = 'evidence') {
  if (!evidence.length) return h('p', { class: 'muted' }, t('case.noEvidence'));
  const faces = can(ctx.me, 'viewFaces');
  return h('ol', { class: 'timeline', 'data-testid': testid }, evidence.map((e) => h('li', {},
    h('time', {}, fmtTime(e.at)),
    h('strong', {}, term('evidence', e.kind)),
    h('span', {}, e.note || ''),
    e.event_id ? h('code', { class: 'muted' }, e.event_id.slice(0, 8)) : null,
    faces && e.snapshot_ref && e.event_id
      ? thumb(`/snapshots/${encodeURIComponent(e.event_id)}`, t('case.face')) : null)));
}

function form(title, fields, submit, onSubmit, testid) {
  const msg = h('div');
  const f = h('form', { class: 'card action', 'data-testid': testid }, h('h2', {}, title), msg, fields,
    h('button', { type: 'submit', class: 'primary big' }, submit));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    try { await onSubmit(new FormData(f)); } catch (e) { msg.append(notice('error', t('app.error', { detail: e.message }))); }
  });
  return f;
}

const options = (names, group, selected) => names.map((n) => h('option', { value: n, selected: n === selected }, term(group, n)));

function visitForm(ctx, c, done) {
  const outcome = h('div', { class: 'choices', role: 'radiogroup' }, OUTCOMES.map((o) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name: 'outcome', value: o, required: true, 'data-testid': `outcome-${o}` }),
    h('span', {}, term('outcome', o)))));
  const confirmed = h('div', { class: 'when-confirmed', hidden: true },
    h('label', {}, t('case.violationType'), h('select', { name: 'violation_type' }, options(ALERT_TYPES, 'type', c.type))),
    h('label', {}, t('case.points'), h('input', { name: 'points', type: 'number', min: 0, step: 1 })));
  const notConfirmed = h('div', { hidden: true },
    h('label', {}, t('case.reason'), h('select', { name: 'reason', 'data-testid': 'visit-reason' }, options(REASONS, 'reasonCode'))));
  outcome.addEventListener('change', (ev) => {
    confirmed.hidden = ev.target.value !== 'confirmed';
    notConfirmed.hidden = ev.target.value !== 'not_confirmed';
  });
  const fields = [outcome, confirmed, notConfirmed,
    h('label', {}, t('case.notes'), h('textarea', { name: 'notes', rows: 3, maxlength: 2000, 'data-testid': 'visit-notes' })),
    h('label', {}, t('case.visitedAtHint'), h('input', { name: 'visited_at', type: 'datetime-local' })),
    h('label', {}, t('case.photo'), h('input', { name: 'photo', type: 'file', accept: 'image/jpeg,image/png', capture: 'environment' }))];
  return form(t('case.recordVisit'), fields, t('case.saveVisit'), async (fd) => {
    const o = fd.get('outcome');
    const body = { outcome: o, notes: fd.get('notes') || null };
    if (fd.get('visited_at')) body.visited_at = new Date(fd.get('visited_at')).toISOString();
    if (o === 'confirmed') {
      body.violation_type = fd.get('violation_type');
      if (fd.get('points') !== '') body.points = Number(fd.get('points'));
    }
    if (o === 'not_confirmed') body.reason = fd.get('reason');
    const out = await api(`/cases/${c.case_id}/visits`, { method: 'POST', json: body });
    const photo = fd.get('photo');
    if (photo && photo.size) {
      const up = new FormData();
      up.append('photo', photo);
      const last = (out.visits || []).at(-1);
      if (last) up.append('visit_id', last.visit_id);
      await api(`/cases/${c.case_id}/photos`, { method: 'POST', form: up });
    }
    done(t('case.visitSaved'));
  }, 'visit-form');
}

async function assignForm(ctx, c, done) {
  const staff = c.grid_id
    ? await api(`/grids/${encodeURIComponent(c.grid_id)}/staff`, { signal: ctx.signal }).catch(() => []) : [];
  const people = staff.filter((s) => s.user_id && s.role === 'inspector');
  const list = h('datalist', { id: 'assignees' }, people.map((s) => h('option', { value: s.user_id }, s.name)));
  const fields = [h('label', {}, t('case.assignee'),
    h('input', { name: 'assignee_id', list: 'assignees', required: true, value: c.assignee_id || '' })), list];
  return form(t('case.assign'), fields, t('case.assign'), async (fd) => {
    await api(`/cases/${c.case_id}/assign`, { method: 'POST', json: { assignee_id: fd.get('assignee_id') } });
    done(t('case.assigned'));
  }, 'assign-form');
}

function decisionForm(c, done) {
  const fields = [
    h('label', {}, t('case.decision'), h('select', { name: 'decision' }, options(DECISIONS, 'decision'))),
    h('label', {}, t('case.note'), h('textarea', { name: 'note', rows: 3, maxlength: 2000, required: true }))];
  return form(t('case.decide'), fields, t('case.decide'), async (fd) => {
    await api(`/cases/${c.case_id}/decision`, { method: 'POST', json: { decision: fd.get('decision'), note: fd.get('note') } });
    done(t('case.decisionSaved'));
  }, 'decision-form');
}

function statusForm(a, done) {
  const fields = [
    h('label', {}, t('alerts.status'), h('select', { name: 'status' }, options(['acknowledged', 'dismissed', 'closed'], 'status'))),
    h('label', {}, t('case.note'), h('textarea', { name: 'note', rows: 2, maxlength: 2000 }))];
  return form(t('case.changeStatus'), fields, t('case.save'), async (fd) => {
    await api(`/alerts/${a.alert_id}/status`, { method: 'POST', json: { status: fd.get('status'), note: fd.get('note') || null } });
    done(t('case.statusSaved'));
  }, 'status-form');
}

export async function render(root, ctx) {
  const { alert, c } = await load(ctx);
  const a = alert || c;
  const evidence = (c && c.evidence) || (alert && alert.evidence) || [];
  const done = async (text) => {
    await ctx.rerender();
    document.getElementById('app').prepend(notice('ok', text));
  };
  const reasons = lang() === 'en'
    ? [['case.reasonEn', a.reason_en], ['case.reasonZh', a.reason_zh]]
    : [['case.reasonZh', a.reason_zh], ['case.reasonEn', a.reason_en]];
  root.append(
    h('p', {}, h('a', { href: href('alerts') }, `← ${t('alerts.title')}`)),
    h('h1', { 'data-testid': 'detail-title' }, `${typeName(a.type)} #${a.alert_id} `,
      h('span', { class: `pill status-${a.status || a.alert_status}` }, statusName(a.status || a.alert_status)),
      c ? h('span', { class: `pill case-${c.status}`, 'data-testid': 'case-status' }, term('caseStatus', c.status)) : null),
    h('section', { class: 'card' }, facts([
      ['alerts.unit', a.unit_id || a.building_id], ['alerts.grid', a.grid_id], ['alerts.score', fmtScore(a.score)],
      ['case.level', a.level], ['case.firstDay', alert && alert.first_day], ['alerts.lastDay', alert && alert.last_day],
      ['case.source', a.source && term('source', a.source)],
      ['case.assignee', c && (c.assignee_name || c.assignee_id || t('case.unassigned'))],
      ['case.due', c && `${fmtTime(c.due_at)}${c.overdue ? ` (${t('case.overdue')})` : ''}`],
    ]), h('div', { class: 'reasons', 'data-testid': 'reasons' }, reasons.map(([k, v]) => h('p', {}, h('strong', {}, `${t(k)}: `), v || '')))),
  );
  const actions = h('div', { class: 'actions' });
  if (c) {
    actions.append(h('button', { type: 'button', class: 'big', 'data-testid': 'evidence-pack',
      onclick: () => download(`/cases/${c.case_id}/evidence-pack`, {}, `case-${c.case_id}.html`) }, t('case.evidencePack')));
  }
  root.append(actions);
  if (c && c.status === 'open' && can(ctx.me, 'visit')) root.append(visitForm(ctx, c, done));
  if (c && ['open', 'confirmed'].includes(c.status) && can(ctx.me, 'assign')) root.append(await assignForm(ctx, c, done));
  if (c && c.status === 'confirmed' && can(ctx.me, 'decide')) root.append(decisionForm(c, done));
  if (!c && alert && ['open', 'acknowledged'].includes(alert.status) && can(ctx.me, 'alertStatus')) root.append(statusForm(alert, done));

  root.append(h('section', { class: 'card' }, h('h2', {}, t('case.evidence')), timeline(ctx, evidence)));
  const qr = evidence.filter(isQr);
  if (qr.length) root.append(h('section', { class: 'card' }, h('h2', {}, t('case.qrScans')), timeline(ctx, qr, 'qr-scans')));
  if (c) {
    const visits = c.visits || [];
    root.append(h('section', { class: 'card' }, h('h2', {}, t('case.visits')), visits.length ? table(
      [t('case.visitedAt'), t('case.inspector'), t('case.outcome'), t('case.detail'), t('case.notes')],
      visits.map((v) => h('tr', {}, h('td', {}, fmtTime(v.visited_at)), h('td', {}, v.inspector_id),
        h('td', {}, term('outcome', v.outcome)),
        h('td', {}, v.violation_type ? typeName(v.violation_type) : term('reasonCode', v.reason)),
        h('td', {}, v.notes || ''))), { 'data-testid': 'visits' }) : h('p', { class: 'muted' }, t('case.noVisits'))));
    if ((c.photos || []).length) {
      root.append(h('section', { class: 'card' }, h('h2', {}, t('case.photos')),
        h('div', { class: 'thumbs' }, c.photos.map((p) => thumb(`/cases/${c.case_id}/photos/${encodeURIComponent(p.photo_id)}`, t('case.photo'))))));
    }
    if (c.register_change) {
      const rc = c.register_change;
      root.append(notice('info', `${term('reasonCode', rc.reason)}: ${lang() === 'en' ? rc.note_en : rc.note_zh}`));
    }
    if ((c.suppressions || []).length) {
      root.append(h('section', { class: 'card' }, h('h2', {}, t('case.suppressions')), table(
        [t('alerts.unit'), t('alerts.type'), t('register.validFrom'), t('register.validTo'), t('case.reason')],
        c.suppressions.map((x) => h('tr', {}, h('td', {}, x.unit_id), h('td', {}, x.type ? typeName(x.type) : t('alerts.any')),
          h('td', {}, x.valid_from), h('td', {}, x.valid_to || ''), h('td', {}, term('reasonCode', x.reason)))),
        { 'data-testid': 'suppressions' })));
    }
    if (c.deduction) {
      root.append(h('section', { class: 'card' }, h('h2', {}, t('case.deduction')), facts([
        ['case.household', c.deduction.household_id], ['case.violationType', typeName(c.deduction.violation_type)],
        ['case.points', c.deduction.points], ['alerts.status', term('deduction', c.deduction.status)]])));
    }
    if (c.decision) {
      root.append(h('section', { class: 'card' }, h('h2', {}, t('case.decision')), facts([
        ['case.decision', term('decision', c.decision.decision)], ['case.note', c.decision.note],
        ['case.decidedBy', c.decision.decided_by], ['case.decidedAt', fmtTime(c.decision.decided_at)]])));
    }
    if (c.household) {
      root.append(h('section', { class: 'card' }, h('h2', {}, t('case.household')),
        h('p', {}, h('a', { href: href('household', [c.household.household_id]) }, c.household.household_id)),
        h('ul', {}, (c.household.members || []).map((m) => h('li', {}, `${m.name} (${term('memberRole', m.role)})`)))));
    }
  }
}
