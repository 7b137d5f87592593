// One household: lease, members (with person records), their credentials and face
// enrollments (roles that may see them), and the enrollment form with consent.
import { api } from '../api.js';
import { fmtTime, h, inputNow, inputToIso, notice, table } from '../dom.js';
import { t, term } from '../i18n.js';
import { flatName, gridName, named, places } from '../places.js';
import { can } from '../roles.js';
import { href } from '../router.js';

function enrollForm(ctx, persons, estateId) {
  const msg = h('div', { 'data-testid': 'enroll-result' });
  const f = h(
    'form',
    { class: 'card action', 'data-testid': 'enroll-form' },
    h('h2', {}, t('register.enroll')),
    h('p', { class: 'muted' }, t('register.consentHint')),
    msg,
    h(
      'label',
      {},
      t('register.person'),
      h(
        'select',
        { name: 'person_id', required: true },
        persons.map((p) => h('option', { value: p.person_id }, p.name)),
      ),
    ),
    h(
      'label',
      {},
      t('register.photo'),
      h('input', { name: 'photo', type: 'file', accept: 'image/jpeg,image/png', required: true }),
    ),
    h(
      'label',
      {},
      t('register.consentAt'),
      h('input', { name: 'consent_at', type: 'datetime-local', required: true, value: inputNow() }),
    ),
    h(
      'label',
      {},
      t('register.consentRef'),
      h('input', { name: 'consent_ref', required: true, maxlength: 200 }),
    ),
    h('button', { type: 'submit', class: 'primary big' }, t('register.enrollSubmit')),
  );
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    const fd = new FormData(f);
    const form = new FormData();
    form.append('photo', fd.get('photo'));
    form.append('estate_id', estateId);
    form.append('consent_at', inputToIso(fd.get('consent_at')));
    form.append('consent_ref', fd.get('consent_ref'));
    try {
      await api(`/persons/${encodeURIComponent(fd.get('person_id'))}/enrollments`, {
        method: 'POST',
        form,
      });
      await ctx.rerender();
      document.getElementById('app').prepend(notice('ok', t('register.enrolled')));
    } catch (e) {
      msg.append(notice('error', t('app.error', { detail: e.message })));
    }
  });
  return f;
}

// Erasure on request (PIPL) or after move-out: face data gone, the person anonymized.
function eraseForm(ctx, persons) {
  const msg = h('div', { 'data-testid': 'erase-result' });
  const f = h(
    'form',
    { class: 'card action danger', 'data-testid': 'erase-form' },
    h('h2', {}, t('register.erase')),
    h('p', { class: 'muted' }, t('register.eraseHint')),
    msg,
    h(
      'label',
      {},
      t('register.person'),
      h(
        'select',
        { name: 'person_id', required: true },
        persons.map((p) => h('option', { value: p.person_id }, `${p.name} (${p.person_id})`)),
      ),
    ),
    h(
      'label',
      {},
      t('register.eraseReason'),
      h(
        'select',
        { name: 'reason' },
        ['request', 'after_move_out'].map((r) => h('option', { value: r }, term('eraseReason', r))),
      ),
    ),
    h('label', {}, t('register.eraseNote'), h('input', { name: 'note', maxlength: 500 })),
    h(
      'label',
      { class: 'choice' },
      h('input', { type: 'checkbox', name: 'sure', required: true, 'data-testid': 'erase-sure' }),
      h('span', {}, t('register.eraseSure')),
    ),
    h('button', { type: 'submit', class: 'primary big' }, t('register.eraseSubmit')),
  );
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    const fd = new FormData(f);
    try {
      const out = await api(`/persons/${encodeURIComponent(fd.get('person_id'))}/erase`, {
        method: 'POST',
        json: { reason: fd.get('reason'), note: fd.get('note') || null },
      });
      const n = Object.values(out.counts || {}).reduce((a, b) => a + b, 0);
      await ctx.rerender();
      document
        .getElementById('app')
        .prepend(notice('ok', t('register.erased', { id: out.person_id, n })));
    } catch (e) {
      msg.append(notice('error', t('app.error', { detail: e.message })));
    }
  });
  return f;
}

export async function render(root, ctx) {
  const id = ctx.params[0];
  const hh = await api(`/households/${encodeURIComponent(id)}`, { signal: ctx.signal });
  const unit = await api(`/units/${encodeURIComponent(hh.unit_id)}`, { signal: ctx.signal }).catch(
    () => null,
  );
  const estateId = unit ? unit.estate_id : ctx.estate;
  const members = await api(`/households/${encodeURIComponent(id)}/members`, {
    signal: ctx.signal,
  });
  const persons = await Promise.all(
    members.map((m) =>
      api(`/persons/${encodeURIComponent(m.person_id)}`, { signal: ctx.signal }).catch(() => ({
        person_id: m.person_id,
        name: m.person_id,
      })),
    ),
  );
  const byId = new Map(persons.map((p) => [p.person_id, p]));
  const pl = await places(estateId, ctx.signal);
  const holder = members.find((m) => m.role === 'lease_holder');
  const holderName = holder ? byId.get(holder.person_id)?.name : null;
  root.append(
    h('p', {}, h('a', { href: href('register') }, `← ${t('register.title')}`)),
    h(
      'h1',
      {},
      `${holderName || t('register.household')} · ${flatName(pl, hh.unit_id)} `,
      h('small', { class: 'id' }, hh.household_id),
    ),
    h(
      'section',
      { class: 'card' },
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, t('alerts.unit')),
        h('dd', {}, named(flatName(pl, hh.unit_id), hh.unit_id)),
        h('dt', {}, t('alerts.grid')),
        h('dd', {}, unit ? gridName(pl, unit.grid_id) : ''),
        h('dt', {}, t('register.leaseStart')),
        h('dd', {}, hh.lease_start || ''),
        h('dt', {}, t('register.leaseEnd')),
        h('dd', {}, hh.lease_end || ''),
        h('dt', {}, t('register.moveIn')),
        h('dd', {}, hh.move_in || ''),
        h('dt', {}, t('register.moveOut')),
        h('dd', {}, hh.move_out || ''),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('register.members')),
      table(
        [
          t('register.person'),
          t('register.name'),
          t('register.role'),
          t('register.birthYear'),
          t('register.gender'),
          t('register.validFrom'),
          t('register.validTo'),
        ],
        members.map((m) => {
          const p = byId.get(m.person_id) || {};
          return h(
            'tr',
            { 'data-person-id': m.person_id },
            h('td', {}, h('small', { class: 'id' }, m.person_id)),
            h('td', {}, p.name || ''),
            h('td', {}, term('memberRole', m.role)),
            h('td', {}, p.birth_year || ''),
            h('td', {}, term('gender', p.gender)),
            h('td', {}, m.valid_from || ''),
            h('td', {}, m.valid_to || ''),
          );
        }),
        { 'data-testid': 'members' },
      ),
    ),
  );
  if (can(ctx.me, 'credentials') && estateId) {
    const ids = new Set(members.map((m) => m.person_id));
    const creds = (
      await api('/credentials', {
        query: { estate_id: estateId, limit: 5000 },
        signal: ctx.signal,
      }).catch(() => [])
    ).filter((c) => ids.has(c.person_id));
    const enrollments = (
      await Promise.all(
        members.map((m) =>
          api(`/persons/${encodeURIComponent(m.person_id)}/enrollments`, {
            signal: ctx.signal,
          }).catch(() => []),
        ),
      )
    ).flat();
    root.append(
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('register.credentials')),
        creds.length
          ? table(
              [
                t('register.credential'),
                t('register.person'),
                t('register.credType'),
                t('register.validFrom'),
                t('register.validTo'),
                t('register.revokedAt'),
              ],
              creds.map((c) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('small', { class: 'id' }, c.credential_id)),
                  h('td', {}, byId.get(c.person_id)?.name || c.person_id),
                  h('td', {}, term('credType', c.type)),
                  h('td', {}, fmtTime(c.valid_from)),
                  h('td', {}, fmtTime(c.valid_to)),
                  h('td', {}, fmtTime(c.revoked_at)),
                ),
              ),
              { 'data-testid': 'credentials' },
            )
          : h('p', { class: 'muted' }, t('register.noCredentials')),
      ),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('register.enrollments')),
        enrollments.length
          ? table(
              [
                t('register.enrollment'),
                t('register.person'),
                t('register.consentAt'),
                t('register.consentRef'),
              ],
              enrollments.map((e) =>
                h(
                  'tr',
                  {},
                  h('td', {}, h('small', { class: 'id' }, e.enrollment_id)),
                  h('td', {}, byId.get(e.person_id)?.name || e.person_id),
                  h('td', {}, fmtTime(e.consent_at)),
                  h('td', {}, h('small', { class: 'id' }, e.consent_ref || '')),
                ),
              ),
              { 'data-testid': 'enrollments' },
            )
          : h('p', { class: 'muted' }, t('register.noEnrollments')),
      ),
    );
  }
  if (can(ctx.me, 'enroll') && persons.length && estateId)
    root.append(enrollForm(ctx, persons, estateId));
  if (can(ctx.me, 'erase') && persons.length) root.append(eraseForm(ctx, persons));
}
