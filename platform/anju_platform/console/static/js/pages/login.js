// Login form: POST /auth/login, token kept in sessionStorage (gone with the tab).
import { login } from '../api.js';
import { h, notice } from '../dom.js';
import { t } from '../i18n.js';

export async function render(root, ctx) {
  const msg = h('div');
  const user = h('input', {
    name: 'username',
    autocomplete: 'username',
    required: true,
    'data-testid': 'login-user',
  });
  const pass = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    'data-testid': 'login-password',
  });
  const form = h(
    'form',
    { class: 'card login', 'data-testid': 'login-form' },
    h('h1', {}, t('login.title')),
    h('p', { class: 'muted' }, t('login.hint')),
    msg,
    h('label', {}, t('login.user'), user),
    h('label', {}, t('login.password'), pass),
    h(
      'button',
      { type: 'submit', class: 'primary big', 'data-testid': 'login-submit' },
      t('login.submit'),
    ),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.replaceChildren();
    try {
      await login(user.value.trim(), pass.value);
      await ctx.loggedIn();
    } catch (e) {
      msg.append(
        notice(
          'error',
          e.status === 401
            ? t('login.failed')
            : e.status === 429
              ? t('login.throttled')
              : t('app.error', { detail: e.message }),
        ),
      );
    }
  });
  root.append(form);
  user.focus();
}
