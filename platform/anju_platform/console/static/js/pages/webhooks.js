// Webhooks (通知推送): the estate's receivers of notifications (WeCom / DingTalk group
// robots, JSON), a form to add one, a test message, pause / resume, delete and the
// delivery log. Managers and admins change them; the authority only reads.
import { api } from '../api.js';
import { fmtTime, h, notice, table } from '../dom.js';
import { t, term } from '../i18n.js';
import { can } from '../roles.js';

const FORMATS = ['wecom', 'dingtalk', 'json'];
const KINDS = [
  'alert.opened',
  'alert.escalated',
  'alert.closed',
  'case.assigned',
  'case.visited',
  'case.confirmed',
  'case.decided',
  'report.received',
  'care.assigned',
  'care.contacted',
  'care.closed',
  'absence.reported',
];

// A 422 from validation is a list of {loc, msg}; the receiver checks answer a sentence.
function why(e) {
  const d = e.detail;
  const text = Array.isArray(d) ? d.map((x) => x.msg || JSON.stringify(x)).join('; ') : e.message;
  return t('app.error', { detail: text });
}

function kindsText(kinds) {
  return kinds.length
    ? kinds.map((k) => term('notification', k)).join('、')
    : t('webhooks.allKinds');
}

async function deliveries(hook, box) {
  box.replaceChildren(h('p', { class: 'muted' }, t('webhooks.loading')));
  let rows;
  try {
    rows = await api(`/webhooks/${hook.webhook_id}/deliveries`, { query: { limit: 20 } });
  } catch (e) {
    box.replaceChildren(notice('error', why(e)));
    return;
  }
  box.replaceChildren(
    h('h3', {}, t('webhooks.deliveries')),
    rows.length
      ? h(
          'div',
          { class: 'scroll' },
          table(
            [
              t('webhooks.kind'),
              t('webhooks.status'),
              t('webhooks.attempts'),
              t('webhooks.lastStatus'),
              t('webhooks.lastError'),
              t('webhooks.created'),
              t('webhooks.delivered'),
            ],
            rows.map((d) =>
              h(
                'tr',
                { 'data-delivery-id': d.delivery_id },
                h('td', {}, term('notification', d.kind)),
                h('td', {}, term('delivery', d.status)),
                h('td', { class: 'num' }, d.attempts),
                h('td', {}, d.last_status ?? ''),
                h('td', { class: 'detail' }, d.last_error || ''),
                h('td', {}, fmtTime(d.created_at)),
                h('td', {}, fmtTime(d.delivered_at)),
              ),
            ),
            { 'data-testid': 'deliveries' },
          ),
        )
      : h('p', { class: 'muted' }, t('webhooks.noDeliveries')),
  );
}

function estateName(ctx, id) {
  if (!id) return t('webhooks.allEstates');
  const e = ctx.estates.find((x) => x.estate_id === id);
  return e?.name ? `${e.name} (${id})` : id;
}

function card(hook, ctx, refresh) {
  const msg = h('div', { 'data-testid': 'webhook-result' });
  const log = h('div');
  const act = async (fn) => {
    msg.replaceChildren();
    try {
      await fn();
    } catch (e) {
      msg.replaceChildren(notice('error', why(e)));
    }
  };
  const test = () =>
    act(async () => {
      const r = await api(`/webhooks/${hook.webhook_id}/test`, { method: 'POST' });
      const detail = [r.status_code ? `HTTP ${r.status_code}` : '', r.error || '']
        .filter(Boolean)
        .join(' · ');
      msg.replaceChildren(
        r.ok
          ? notice('ok', t('webhooks.testOk', { ms: r.duration_ms }))
          : notice('error', t('webhooks.testFailed', { detail: detail || '?' })),
      );
    });
  const toggle = () =>
    act(async () => {
      await api(`/webhooks/${hook.webhook_id}`, {
        method: 'PATCH',
        json: { active: !hook.active },
      });
      await refresh();
    });
  const remove = () =>
    act(async () => {
      if (!window.confirm(t('webhooks.confirmDelete', { name: hook.name }))) return;
      await api(`/webhooks/${hook.webhook_id}`, { method: 'DELETE' });
      await refresh();
    });
  const write = can(ctx.me, 'webhooksWrite');
  return h(
    'section',
    { class: 'card', 'data-webhook-id': hook.webhook_id },
    h(
      'h2',
      {},
      hook.name,
      h(
        'span',
        {
          class: `pill ${hook.active ? 'state-online' : 'state-offline'}`,
          'data-testid': 'webhook-active',
        },
        hook.active ? t('webhooks.active') : t('webhooks.inactive'),
      ),
    ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, t('webhooks.format')),
      h('dd', {}, term('webhookFormat', hook.format)),
      h('dt', {}, t('webhooks.url')),
      h('dd', { class: 'detail', 'data-testid': 'webhook-url' }, h('code', {}, hook.url)),
      h('dt', {}, t('webhooks.kinds')),
      h('dd', {}, kindsText(hook.kinds)),
      h('dt', {}, t('webhooks.estate')),
      h('dd', {}, estateName(ctx, hook.estate_id)),
      h('dt', {}, t('webhooks.secret')),
      h('dd', {}, hook.has_secret ? t('webhooks.secretSet') : t('webhooks.secretNone')),
      h('dt', {}, t('webhooks.createdAt')),
      h(
        'dd',
        {},
        `${fmtTime(hook.created_at)} `,
        hook.created_by ? h('small', { class: 'id' }, hook.created_by) : null,
      ),
    ),
    msg,
    h(
      'div',
      { class: 'actions' },
      write
        ? h(
            'button',
            { type: 'button', 'data-testid': 'webhook-test', onclick: test },
            t('webhooks.test'),
          )
        : null,
      write
        ? h(
            'button',
            { type: 'button', 'data-testid': 'webhook-toggle', onclick: toggle },
            hook.active ? t('webhooks.deactivate') : t('webhooks.activate'),
          )
        : null,
      h(
        'button',
        {
          type: 'button',
          'data-testid': 'webhook-deliveries',
          onclick: () => deliveries(hook, log),
        },
        t('webhooks.showDeliveries'),
      ),
      write
        ? h(
            'button',
            { type: 'button', class: 'danger', 'data-testid': 'webhook-delete', onclick: remove },
            t('webhooks.delete'),
          )
        : null,
    ),
    log,
  );
}

function form(ctx, refresh) {
  const msg = h('div');
  const check = (name, value, label, checked = false) => {
    const box = h('input', { type: 'checkbox', name, value });
    box.defaultChecked = checked; // what form.reset() goes back to
    return h('label', { class: 'check' }, box, h('span', {}, label));
  };
  const f = h(
    'form',
    { class: 'card action', 'data-testid': 'webhook-form' },
    h('h2', {}, t('webhooks.add')),
    msg,
    h(
      'label',
      {},
      t('webhooks.name'),
      h('input', {
        name: 'name',
        required: true,
        maxlength: 200,
        placeholder: t('webhooks.namePlaceholder'),
      }),
    ),
    h(
      'label',
      {},
      t('webhooks.format'),
      h(
        'select',
        { name: 'format' },
        FORMATS.map((x) => h('option', { value: x }, term('webhookFormat', x))),
      ),
    ),
    h(
      'label',
      {},
      t('webhooks.url'),
      h('input', { name: 'url', type: 'url', required: true, maxlength: 2000 }),
    ),
    h('p', { class: 'muted' }, t('webhooks.urlHint')),
    h(
      'label',
      {},
      t('webhooks.secretInput'),
      h('input', { name: 'secret', type: 'password', maxlength: 500, autocomplete: 'off' }),
    ),
    h(
      'fieldset',
      { class: 'checks' },
      h('legend', {}, t('webhooks.kindsInput')),
      KINDS.map((k) => check('kinds', k, term('notification', k))),
    ),
    h(
      'div',
      { class: 'checks' },
      check('active', 'yes', t('webhooks.activeInput'), true),
      ctx.me.role === 'admin' ? check('all', 'yes', t('webhooks.forAllEstates')) : null,
    ),
    h('button', { type: 'submit', class: 'primary big' }, t('webhooks.save')),
  );
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    const fd = new FormData(f);
    const body = {
      name: fd.get('name'),
      url: fd.get('url'),
      format: fd.get('format'),
      kinds: fd.getAll('kinds'),
      active: fd.get('active') === 'yes',
      estate_id: fd.get('all') === 'yes' ? null : ctx.estate,
    };
    if (fd.get('secret')) body.secret = fd.get('secret');
    try {
      const hook = await api('/webhooks', { method: 'POST', json: body });
      f.reset();
      await refresh();
      msg.append(notice('ok', t('webhooks.added', { name: hook.name })));
    } catch (e) {
      msg.append(notice('error', why(e)));
    }
  });
  return f;
}

export async function render(root, ctx) {
  if (!can(ctx.me, 'webhooks')) {
    root.append(notice('error', t('app.notFound')));
    return;
  }
  if (!ctx.estate) {
    root.append(notice('info', t('app.noEstate')));
    return;
  }
  const list = h('div', { 'data-testid': 'webhooks' });
  const refresh = async () => {
    const hooks = await api('/webhooks', { query: { estate_id: ctx.estate }, signal: ctx.signal });
    list.replaceChildren(
      ...(hooks.length
        ? hooks.map((x) => card(x, ctx, refresh))
        : [h('p', { class: 'muted' }, t('webhooks.none'))]),
    );
  };
  await refresh();
  root.append(
    h('h1', {}, t('webhooks.title')),
    h('p', { class: 'muted' }, t('webhooks.hint')),
    list,
  );
  if (can(ctx.me, 'webhooksWrite')) root.append(form(ctx, refresh));
}
