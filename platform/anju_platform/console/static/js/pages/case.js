// Alert / case detail, ordered for the inspector at the door (phone first): where (flat,
// address, floor, entrance), who (household, registered members; their phone numbers only
// for the assigned inspector), what (reason, evidence in the reader's language with face
// thumbnails), then the visits (cards, photos, more photos later) and the actions of the
// role: record a visit, assign, decide, acknowledge / dismiss; evidence pack (HTML, PDF).
import { api, download } from '../api.js';
import { fmtDay, fmtScore, fmtTime, h, notice } from '../dom.js';
import { isQr, timeline } from '../evidence.js';
import { lang, reason, statusName, t, term, typeName } from '../i18n.js';
import { flatName, gridName, named, places } from '../places.js';
import { can } from '../roles.js';
import { href } from '../router.js';
import { casesByAlert } from './alerts.js';
import { assignForm, decisionForm, statusForm, visitForm } from './case_forms.js';
import { thumb, visitCards } from './case_visits.js';

async function load(ctx) {
  const id = ctx.params[0];
  if (ctx.name === 'case') {
    const c = await api(`/cases/${encodeURIComponent(id)}`, { signal: ctx.signal });
    const alert = await api(`/alerts/${c.alert_id}`, { signal: ctx.signal }).catch(() => null);
    return { alert, c };
  }
  const alert = await api(`/alerts/${encodeURIComponent(id)}`, { signal: ctx.signal });
  const found = (await casesByAlert(alert.estate_id, ctx.signal, alert.grid_id)).get(
    alert.alert_id,
  );
  const c = found
    ? await api(`/cases/${found.case_id}`, { signal: ctx.signal }).catch(() => null)
    : null;
  return { alert, c };
}

function facts(pairs, testid) {
  return h(
    'dl',
    { class: 'facts', 'data-testid': testid },
    pairs
      .filter(([, v]) => v !== null && v !== undefined && v !== '')
      .map(([k, v]) => [h('dt', {}, t(k)), h('dd', {}, v)]),
  );
}

function whereCard(ctx, a, p) {
  const u = p.unit.get(a.unit_id) || {};
  const estate = ctx.estates.find((e) => e.estate_id === a.estate_id) || {};
  const entrance = u.entrance_id ? p.entrance.get(u.entrance_id)?.name : null;
  return h(
    'section',
    { class: 'card where-card', 'data-testid': 'where' },
    h('h2', {}, t('case.where')),
    h(
      'p',
      { class: 'flat' },
      named(flatName(p, a.unit_id, a.building_id), a.unit_id || a.building_id),
    ),
    facts([
      ['case.address', [estate.name, estate.address].filter(Boolean).join(' · ')],
      [
        'case.floor',
        u.floor !== null && u.floor !== undefined ? t('case.floorN', { n: u.floor }) : null,
      ],
      ['case.entrance', entrance],
      ['alerts.grid', gridName(p, a.grid_id)],
    ]),
  );
}

// Who: the household living there and its registered members (phone for the assignee).
function whoCard(c, a, p) {
  const hh = c?.household;
  const u = p.unit.get(a.unit_id) || {};
  const hid = hh ? hh.household_id : u.household_id;
  const body = [];
  if (hid)
    body.push(
      h(
        'p',
        {},
        h('a', { href: href('household', [hid]) }, u.household_name || t('case.householdPage')),
        ' ',
        h('small', { class: 'id' }, hid),
      ),
    );
  if (hh?.members.length) {
    body.push(
      h(
        'ul',
        { class: 'members', 'data-testid': 'members' },
        hh.members.map((m) =>
          h(
            'li',
            { 'data-person-id': m.person_id },
            h('strong', {}, m.name),
            ` · ${term('memberRole', m.role)}`,
            m.phone
              ? [
                  ' · ',
                  h(
                    'a',
                    { href: `tel:${m.phone.replace(/[^+0-9]/g, '')}`, 'data-testid': 'phone' },
                    m.phone,
                  ),
                ]
              : null,
          ),
        ),
      ),
    );
  } else if (!hid) {
    body.push(h('p', { class: 'muted' }, t('case.noHousehold')));
  }
  return h(
    'section',
    { class: 'card', 'data-testid': 'household' },
    h('h2', {}, t('case.who')),
    body,
  );
}

function whatCard(a, c, alert) {
  const other = lang() === 'en' ? ['case.reasonZh', a.reason_zh] : ['case.reasonEn', a.reason_en];
  return h(
    'section',
    { class: 'card', 'data-testid': 'what' },
    h('h2', {}, t('case.what')),
    h(
      'p',
      { class: 'reason-main', 'data-testid': 'reasons' },
      reason(a),
      other[1]
        ? h('details', { class: 'other-lang' }, h('summary', {}, t(other[0])), h('p', {}, other[1]))
        : null,
    ),
    facts([
      ['alerts.score', fmtScore(a.score)],
      ['case.level', a.level],
      ['case.firstDay', alert && fmtDay(alert.first_day)],
      ['alerts.lastDay', alert && fmtDay(alert.last_day)],
      ['case.source', a.source && term('source', a.source)],
      ['case.assignee', c && (c.assignee_name || c.assignee_id || t('case.unassigned'))],
      ['case.due', c && `${fmtTime(c.due_at)}${c.overdue ? ` (${t('case.overdue')})` : ''}`],
    ]),
  );
}

export async function render(root, ctx) {
  const { alert, c } = await load(ctx);
  const a = alert || c;
  const p = await places(a.estate_id, ctx.signal);
  const evidence = c?.evidence || alert?.evidence || [];
  const people = new Map((c?.household?.members || []).map((m) => [m.person_id, m.name]));
  const done = async (text) => {
    await ctx.rerender();
    document.getElementById('app').prepend(notice('ok', text));
  };
  const fromTasks =
    ctx.me.role === 'inspector' || (c && c.assignee_id === ctx.me.user_id && c.status === 'open');
  const back = fromTasks
    ? h('a', { href: href('tasks'), 'data-testid': 'back' }, `← ${t('tasks.title')}`)
    : h('a', { href: href('alerts'), 'data-testid': 'back' }, `← ${t('alerts.title')}`);
  const faces = can(ctx.me, 'viewFaces');
  root.append(
    h('p', {}, back),
    h(
      'h1',
      { 'data-testid': 'detail-title' },
      `${typeName(a.type)} · ${flatName(p, a.unit_id, a.building_id)} `,
      h('small', { class: 'id' }, `#${a.alert_id}`),
      ' ',
      h(
        'span',
        { class: `pill status-${a.status || a.alert_status}` },
        statusName(a.status || a.alert_status),
      ),
      c
        ? h(
            'span',
            { class: `pill case-${c.status}`, 'data-testid': 'case-status' },
            term('caseStatus', c.status),
          )
        : null,
    ),
    h('div', { class: 'grid2' }, whereCard(ctx, a, p), whoCard(c, a, p)),
    whatCard(a, c, alert),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('case.evidence')),
      timeline(evidence, { p, people, faces, thumb }),
    ),
  );
  const qr = evidence.filter(isQr);
  if (qr.length)
    root.append(
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('case.qrScans')),
        timeline(qr, { p, people, faces, thumb, testid: 'qr-scans' }),
      ),
    );
  if (c) root.append(visitCards(ctx, c, done));
  if (c && c.status === 'open' && can(ctx.me, 'visit')) root.append(visitForm(c, done));
  if (c && ['open', 'confirmed'].includes(c.status) && can(ctx.me, 'assign'))
    root.append(await assignForm(ctx, c, done));
  if (c && c.status === 'confirmed' && can(ctx.me, 'decide')) root.append(decisionForm(c, done));
  if (
    !c &&
    alert &&
    ['watch', 'open', 'acknowledged'].includes(alert.status) &&
    can(ctx.me, 'alertStatus')
  )
    root.append(statusForm(alert, done));
  if (c) {
    if (c.register_change) {
      const rc = c.register_change;
      root.append(
        notice(
          'info',
          `${term('reasonCode', rc.reason)}: ${lang() === 'en' ? rc.note_en : rc.note_zh}`,
        ),
      );
    }
    if ((c.suppressions || []).length) {
      root.append(
        h(
          'section',
          { class: 'card' },
          h('h2', {}, t('case.suppressions')),
          h(
            'ul',
            { 'data-testid': 'suppressions' },
            c.suppressions.map((x) =>
              h(
                'li',
                {},
                `${x.type ? typeName(x.type) : t('alerts.any')} · ${fmtDay(x.valid_from)} – ${fmtDay(x.valid_to) || t('case.open')} · `,
                term('reasonCode', String(x.reason).replace(/^register_change:/, '')),
              ),
            ),
          ),
        ),
      );
    }
    if (c.deduction) {
      root.append(
        h(
          'section',
          { class: 'card' },
          h('h2', {}, t('case.deduction')),
          facts([
            ['case.violationType', typeName(c.deduction.violation_type)],
            ['case.points', c.deduction.points],
            ['alerts.status', term('deduction', c.deduction.status)],
          ]),
        ),
      );
    }
    if (c.decision) {
      root.append(
        h(
          'section',
          { class: 'card' },
          h('h2', {}, t('case.decision')),
          facts([
            ['case.decision', term('decision', c.decision.decision)],
            ['case.note', c.decision.note],
            ['case.decidedBy', c.decision.decided_by],
            ['case.decidedAt', fmtTime(c.decision.decided_at)],
          ]),
        ),
      );
    }
    root.append(
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'big',
            'data-testid': 'evidence-pack',
            onclick: () =>
              download(`/cases/${c.case_id}/evidence-pack`, {}, `case-${c.case_id}.html`),
          },
          t('case.evidencePack'),
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'big',
            'data-testid': 'evidence-pdf',
            onclick: () =>
              download(`/cases/${c.case_id}/evidence-pack.pdf`, {}, `case-${c.case_id}.pdf`),
          },
          t('case.evidencePdf'),
        ),
      ),
    );
  }
}
