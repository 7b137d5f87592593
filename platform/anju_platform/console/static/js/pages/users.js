// Accounts (admins): list, create, and per account change the name, role, estates and
// grids (pickers, never typed ids), disable / enable, reset the password, and read the
// account's audit trail. The API (/users, admin only) checks everything again.
import { api } from '../api.js';
import { h, notice, table } from '../dom.js';
import { t, term } from '../i18n.js';
import { can } from '../roles.js';
import { go, href } from '../router.js';
import { auditRows } from './audit.js';

const ROLES = ['inspector', 'manager', 'authority', 'admin'];

// A password the admin reads out or hands over once: 14 characters without look-alikes.
export function newPassword(n = 14) {
  const abc = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  return Array.from(bytes, (b) => abc[b % abc.length]).join('');
}

// Every estate with its grids, for the pickers and for showing names instead of ids.
async function places(ctx) {
  const estates = ctx.estates;
  const grids = (
    await Promise.all(
      estates.map((e) =>
        api('/grids', { query: { estate_id: e.estate_id }, signal: ctx.signal }).catch(() => []),
      ),
    )
  ).flat();
  return { estates, grids };
}

const estateName = (p, id) => p.estates.find((e) => e.estate_id === id)?.name || id;
const gridName = (p, id) => p.grids.find((g) => g.grid_id === id)?.name || id;

function checks(name, items, chosen, testid) {
  return h(
    'fieldset',
    { class: 'checks', 'data-testid': testid },
    h('legend', {}, t(`users.${name}`)),
    items.length
      ? items.map(([value, label]) =>
          h(
            'label',
            { class: 'check' },
            h('input', { type: 'checkbox', name, value, checked: chosen.includes(value) }),
            h('span', {}, label),
          ),
        )
      : h('span', { class: 'muted' }, t('users.noneToPick')),
  );
}

// The estates picker (managers) and the grids picker grouped by estate (inspectors);
// only the one the chosen role uses is shown.
function scopeFields(p, user) {
  const estates = checks(
    'estates',
    p.estates.map((e) => [e.estate_id, e.name || e.estate_id]),
    user.estates || [],
    'pick-estates',
  );
  const grids = checks(
    'grids',
    p.grids.map((g) => [g.grid_id, `${estateName(p, g.estate_id)} · ${g.name || g.grid_id}`]),
    user.grids || [],
    'pick-grids',
  );
  const show = (role) => {
    estates.hidden = role !== 'manager';
    grids.hidden = role !== 'inspector';
  };
  return { estates, grids, show };
}

const picked = (form, name) =>
  [...form.querySelectorAll(`input[name=${name}]:checked`)].map((i) => i.value);

function roleSelect(value) {
  return h(
    'select',
    { name: 'role', required: true, 'data-testid': 'user-role' },
    ROLES.map((r) => h('option', { value: r, selected: r === value }, term('role', r))),
  );
}

function passwordField(testid, required) {
  const input = h('input', {
    name: 'password',
    type: 'text',
    minlength: 10,
    maxlength: 200,
    required,
    autocomplete: 'new-password',
    'data-testid': testid,
  });
  const make = h(
    'button',
    {
      type: 'button',
      onclick: () => {
        input.value = newPassword();
      },
    },
    t('users.generate'),
  );
  return h('div', { class: 'password' }, input, make);
}

// The API's 409/422 answers are English; the page says what went wrong in its language.
// On an account's page a 409 is the last active admin kept (never a taken login).
function failure(e, editing = false) {
  if (e.status === 409) return t(editing ? 'users.last_admin' : 'users.exists');
  if (e.status === 422) return t('users.invalid');
  return t('app.error', { detail: e.message });
}

function createForm(p) {
  const msg = h('div', { 'data-testid': 'user-create-result' });
  const scope = scopeFields(p, {});
  const role = roleSelect('inspector');
  const f = h(
    'form',
    { class: 'card action', 'data-testid': 'user-create', novalidate: true },
    h('h2', {}, t('users.create')),
    msg,
    h(
      'label',
      {},
      t('users.userId'),
      h('input', {
        name: 'user_id',
        required: true,
        maxlength: 64,
        pattern: '[A-Za-z0-9_.:\\-]+',
        autocomplete: 'off',
        'data-testid': 'user-id',
      }),
      h('small', { class: 'muted' }, t('users.userIdHint')),
    ),
    h(
      'label',
      {},
      t('users.name'),
      h('input', { name: 'name', required: true, maxlength: 200, 'data-testid': 'user-name' }),
    ),
    h('label', {}, t('users.role'), role),
    scope.estates,
    scope.grids,
    h('label', {}, t('users.password'), passwordField('user-password', true)),
    h('button', { type: 'submit', class: 'primary big' }, t('users.createSubmit')),
  );
  scope.show(role.value);
  role.addEventListener('change', () => scope.show(role.value));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    const fd = new FormData(f);
    if (!f.checkValidity()) {
      msg.append(notice('error', t('users.invalid')));
      return;
    }
    const body = {
      user_id: fd.get('user_id').trim(),
      name: fd.get('name').trim(),
      role: fd.get('role'),
      password: fd.get('password'),
      estates: fd.get('role') === 'manager' ? picked(f, 'estates') : [],
      grids: fd.get('role') === 'inspector' ? picked(f, 'grids') : [],
    };
    try {
      await api('/users', { method: 'POST', json: body });
      go('users', [body.user_id], { created: '1' });
    } catch (e) {
      msg.append(notice('error', failure(e)));
    }
  });
  return f;
}

async function listPage(root, ctx, p) {
  const rows = await api('/users', { signal: ctx.signal });
  const filter = h('input', {
    type: 'search',
    placeholder: t('users.filter'),
    'data-testid': 'user-filter',
  });
  const body = rows.map((u) =>
    h(
      'tr',
      {
        class: `clickable${u.active ? '' : ' inactive'}`,
        'data-user-id': u.user_id,
        onclick: () => go('users', [u.user_id]),
      },
      h(
        'td',
        {},
        h('a', { href: href('users', [u.user_id]) }, u.name),
        ' ',
        h('small', { class: 'id' }, u.user_id),
      ),
      h('td', {}, term('role', u.role)),
      h(
        'td',
        {},
        [...u.estates.map((e) => estateName(p, e)), ...u.grids.map((g) => gridName(p, g))].join(
          '、',
        ),
      ),
      h(
        'td',
        {},
        h(
          'span',
          { class: `pill ${u.active ? 'state-online' : 'state-offline'}` },
          t(u.active ? 'users.active' : 'users.disabled'),
        ),
      ),
    ),
  );
  filter.addEventListener('input', () => {
    const q = filter.value.trim().toLowerCase();
    for (const tr of body) tr.hidden = q !== '' && !tr.textContent.toLowerCase().includes(q);
  });
  root.append(
    h('h1', {}, t('users.title')),
    h('p', { class: 'muted' }, t('users.hint')),
    filter,
    h(
      'div',
      { class: 'scroll' },
      table([t('users.name'), t('users.role'), t('users.scope'), t('users.state')], body, {
        class: 'list',
        'data-testid': 'users',
      }),
    ),
    createForm(p),
  );
}

async function accountPage(root, ctx, p, id) {
  const u = await api(`/users/${encodeURIComponent(id)}`, { signal: ctx.signal });
  const msg = h('div', { 'data-testid': 'user-result' });
  const done = async (key) => {
    await ctx.rerender();
    document.getElementById('app').prepend(notice('ok', t(key)));
  };
  const patch = async (body, key) => {
    msg.replaceChildren();
    try {
      await api(`/users/${encodeURIComponent(u.user_id)}`, { method: 'PATCH', json: body });
      await done(key);
    } catch (e) {
      msg.append(notice('error', failure(e, true)));
    }
  };
  if (ctx.query.created) msg.append(notice('ok', t('users.created')));

  const scope = scopeFields(p, u);
  const role = roleSelect(u.role);
  const edit = h(
    'form',
    { class: 'card action', 'data-testid': 'user-edit', novalidate: true },
    h('h2', {}, t('users.edit')),
    h(
      'label',
      {},
      t('users.name'),
      h('input', { name: 'name', required: true, maxlength: 200, value: u.name }),
    ),
    h('label', {}, t('users.role'), role),
    scope.estates,
    scope.grids,
    h('button', { type: 'submit', class: 'primary big' }, t('users.save')),
  );
  scope.show(role.value);
  role.addEventListener('change', () => scope.show(role.value));
  edit.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const fd = new FormData(edit);
    const r = fd.get('role');
    patch(
      {
        name: fd.get('name').trim(),
        role: r,
        estates: r === 'manager' ? picked(edit, 'estates') : [],
        grids: r === 'inspector' ? picked(edit, 'grids') : [],
      },
      'users.saved',
    );
  });

  const reset = h(
    'form',
    { class: 'card action', 'data-testid': 'user-reset', novalidate: true },
    h('h2', {}, t('users.reset')),
    h('p', { class: 'muted' }, t('users.resetHint')),
    h('label', {}, t('users.newPassword'), passwordField('reset-password', true)),
    h('button', { type: 'submit', class: 'primary big' }, t('users.resetSubmit')),
  );
  reset.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const pw = new FormData(reset).get('password');
    if (!reset.checkValidity()) {
      msg.replaceChildren(notice('error', t('users.invalid')));
      return;
    }
    patch({ password: pw }, 'users.passwordReset');
  });

  const toggle = h(
    'button',
    {
      type: 'button',
      class: u.active ? 'big danger' : 'big',
      'data-testid': 'user-toggle',
      onclick: () => {
        if (u.active && !window.confirm(t('users.confirmDisable', { name: u.name }))) return;
        patch({ active: !u.active }, u.active ? 'users.disabledDone' : 'users.enabledDone');
      },
    },
    t(u.active ? 'users.disable' : 'users.enable'),
  );

  const trail = await api('/audit', {
    query: { target_type: 'user', target_id: u.user_id, limit: 100 },
    signal: ctx.signal,
  }).catch(() => []);
  root.append(
    h('p', {}, h('a', { href: href('users') }, `← ${t('users.title')}`)),
    h(
      'h1',
      { 'data-testid': 'user-title' },
      u.name,
      ' ',
      h('small', { class: 'id' }, u.user_id),
      ' ',
      h(
        'span',
        {
          class: `pill ${u.active ? 'state-online' : 'state-offline'}`,
          'data-testid': 'user-state',
        },
        t(u.active ? 'users.active' : 'users.disabled'),
      ),
    ),
    msg,
    h(
      'div',
      { class: 'grid2' },
      edit,
      h(
        'div',
        {},
        reset,
        h(
          'section',
          { class: 'card' },
          h('h2', {}, t('users.access')),
          h('p', { class: 'muted' }, t(u.active ? 'users.disableHint' : 'users.enableHint')),
          toggle,
        ),
      ),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('users.trail')),
      trail.length
        ? auditRows(trail, 'user-trail')
        : h('p', { class: 'muted' }, t('users.noTrail')),
    ),
  );
}

export async function render(root, ctx) {
  if (!can(ctx.me, 'users')) {
    root.append(notice('error', t('app.notFound')));
    return;
  }
  const p = await places(ctx);
  if (ctx.params[0]) await accountPage(root, ctx, p, ctx.params[0]);
  else await listPage(root, ctx, p);
}
