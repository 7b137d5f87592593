// Console shell: header (navigation, estate, role, language, logout) and page dispatch.
import { api, logout, token, whenUnauthorized } from './api.js';
import { clear, h, notice, setZone } from './dom.js';
import { addVocabulary, lang, setLang, t, term } from './i18n.js';
import * as alerts from './pages/alerts.js';
import * as audit from './pages/audit.js';
import * as calibration from './pages/calibration.js';
import * as care from './pages/care.js';
import * as detail from './pages/case.js';
import * as charts from './pages/charts.js';
import * as erasures from './pages/erasures.js';
import * as household from './pages/household.js';
import * as login from './pages/login.js';
import * as overview from './pages/overview.js';
import * as patrol from './pages/patrol.js';
import * as performance from './pages/performance.js';
import * as register from './pages/register.js';
import * as reports from './pages/reports.js';
import * as tasks from './pages/tasks.js';
import * as users from './pages/users.js';
import * as webhooks from './pages/webhooks.js';
import { forget } from './places.js';
import { can } from './roles.js';
import { go, href, parseHash } from './router.js';

const PAGES = {
  login,
  overview,
  alerts,
  alert: detail,
  case: detail,
  tasks,
  care,
  register,
  household,
  performance,
  audit,
  patrol,
  reports,
  webhooks,
  erasures,
  users,
  charts,
  calibration,
};
const NAV = [
  ['overview', null],
  ['charts', null],
  ['alerts', null],
  ['tasks', null],
  ['care', null],
  ['register', null],
  ['reports', 'reports'],
  ['performance', 'performance'],
  ['audit', 'audit'],
  ['patrol', 'patrol'],
  ['webhooks', 'webhooks'],
  ['calibration', 'faceCalibration'],
  ['users', 'users'],
  ['erasures', 'erasures'],
];
const NEXT = 'anju.next';
const ESTATE = 'anju.estate';

let me = null;
let config = { grafana_url: null, dashboards: [], gateway_stale_s: 180 };
let estates = [];
let controller = null;

function estate() {
  const saved = localStorage.getItem(ESTATE);
  const ids = estates.map((e) => e.estate_id);
  return ids.includes(saved) ? saved : ids[0] || null;
}

async function loadMe() {
  me = await api('/auth/me');
  try {
    config = await api('/overview/config');
    setZone(config.tz_offset_hours);
    addVocabulary(config.vocabulary);
  } catch {
    /* defaults: UTC+8 */
  }
  try {
    estates = await api('/estates');
  } catch {
    estates = [];
  }
  if (!estates.length) estates = me.estates.map((id) => ({ estate_id: id, name: id }));
}

function header(route) {
  document.title = t('app.title');
  document.querySelector('.brand').textContent = t('app.title');
  const nav = clear(document.getElementById('nav'));
  if (me) {
    for (const [name, need] of NAV) {
      if (need && !can(me, need)) continue;
      nav.append(
        h(
          'a',
          {
            href: href(name),
            class: route.name === name ? 'active' : '',
            'data-testid': `nav-${name}`,
          },
          t(`nav.${name}`),
        ),
      );
    }
  }
  const sel = document.getElementById('estate');
  clear(sel);
  sel.hidden = !me || estates.length === 0;
  for (const e of estates) {
    sel.append(
      h('option', { value: e.estate_id }, e.name ? `${e.name} (${e.estate_id})` : e.estate_id),
    );
  }
  sel.value = estate() || '';
  sel.setAttribute('aria-label', t('app.estate'));
  document.getElementById('who').textContent = me ? `${me.name} · ${term('role', me.role)}` : '';
  const l = document.getElementById('lang');
  l.textContent = lang() === 'en' ? '中文' : 'English';
  l.setAttribute('aria-label', t('app.switchLanguage'));
  const out = document.getElementById('logout');
  out.hidden = !me;
  out.textContent = t('app.logout');
}

async function render() {
  if (controller) controller.abort();
  const mine = new AbortController();
  controller = mine;
  const route = parseHash(location.hash);
  forget(); // names are read again on every page: the register may have changed
  // Each render fills its own container: a superseded render writes into a detached one.
  const root = h('div');
  // DOM append() writes null as the text "null": pages append optional parts, so drop them.
  root.append = (...parts) =>
    Element.prototype.append.apply(
      root,
      parts.filter((x) => x !== null && x !== undefined && x !== false),
    );
  clear(document.getElementById('app')).append(root);
  if (!token() && route.name !== 'login') {
    sessionStorage.setItem(NEXT, location.hash || '#/');
    go('login');
    return;
  }
  try {
    if (token() && !me) await loadMe();
  } catch (e) {
    if (mine.signal.aborted) return;
    header(route);
    root.append(notice('error', t('app.error', { detail: e.message })));
    return;
  }
  if (mine.signal.aborted) return;
  if (route.name === 'login' && token() && me) {
    go(me.role === 'inspector' ? 'tasks' : 'overview');
    return;
  }
  if (!route.name) {
    go(me.role === 'inspector' ? 'tasks' : 'overview');
    return;
  }
  header(route);
  const page = PAGES[route.name];
  if (!page) {
    root.append(notice('error', t('app.notFound')));
    return;
  }
  const ctx = {
    me,
    config,
    estate: estate(),
    estates,
    name: route.name,
    params: route.params,
    query: route.query,
    signal: mine.signal,
    rerender: render,
    loggedIn: async () => {
      me = null;
      const next = sessionStorage.getItem(NEXT);
      sessionStorage.removeItem(NEXT);
      const target = next && next !== '#/login' ? next : '#/';
      if (location.hash === target) await render();
      else location.hash = target;
    },
  };
  try {
    await page.render(root, ctx);
  } catch (e) {
    if (mine.signal.aborted) return;
    root.append(notice('error', t('app.error', { detail: e.message })));
  }
}

function start() {
  setLang(lang());
  // A patrol poster's QR code points at /p/{code}: the same page, routed by hash.
  const m = location.pathname.match(/^\/p\/([^/]+)$/);
  if (m)
    history.replaceState(
      null,
      '',
      `/${href('patrol', [], { code: decodeURIComponent(m[1]), at: Date.now() })}`,
    );
  whenUnauthorized(() => {
    me = null;
    if (parseHash(location.hash).name !== 'login') sessionStorage.setItem(NEXT, location.hash);
    go('login');
  });
  document.getElementById('lang').addEventListener('click', () => {
    setLang(lang() === 'en' ? 'zh-CN' : 'en');
    render();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    await logout();
    me = null;
    go('login');
  });
  document.getElementById('estate').addEventListener('change', (ev) => {
    localStorage.setItem(ESTATE, ev.target.value);
    render();
  });
  window.addEventListener('hashchange', render);
  render();
}

start();
