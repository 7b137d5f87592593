// Patrol checkpoint landing: a poster's QR code opens /p/{code} (-> #/patrol?code=);
// after login the scan is posted (POST /patrols/scans) once, or the code is typed in.
import { api } from '../api.js';
import { h, notice } from '../dom.js';
import { t } from '../i18n.js';
import { go } from '../router.js';

export async function render(root, ctx) {
  root.append(h('h1', {}, t('patrol.title')));
  const msg = h('div', { 'data-testid': 'patrol-result' });
  const scan = async (code) => {
    msg.replaceChildren();
    try {
      const out = await api('/patrols/scans', { method: 'POST', json: { code } });
      msg.append(
        notice(
          'ok',
          t('patrol.recorded', { where: out.checkpoint_name || out.checkpoint_id || code }),
        ),
      );
    } catch (e) {
      msg.append(notice('error', t('app.error', { detail: e.message })));
    }
  };
  const input = h('input', {
    name: 'code',
    required: true,
    value: ctx.query.code || '',
    autocomplete: 'off',
    'data-testid': 'patrol-code',
  });
  const form = h(
    'form',
    { class: 'card' },
    h('label', {}, t('patrol.code'), input),
    h('button', { type: 'submit', class: 'primary big' }, t('patrol.submit')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    go('patrol', [], { code: input.value.trim(), at: Date.now() });
  });
  root.append(msg, form);
  // The code came from the poster: record it once per visit of this address (a
  // language switch or reload re-renders the page but must not scan again).
  const key = `anju.scan.${ctx.query.code}|${ctx.query.at || ''}`;
  if (ctx.query.code && !sessionStorage.getItem(key)) {
    sessionStorage.setItem(key, '1');
    await scan(ctx.query.code);
  } else if (ctx.query.code) {
    msg.append(notice('info', t('patrol.already')));
  }
}
