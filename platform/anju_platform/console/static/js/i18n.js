// UI strings: one dictionary per language (i18n/zh-CN.js, i18n/en.js); zh-CN default,
// the choice persists in localStorage.

import en from './i18n/en.js';
import zh from './i18n/zh-CN.js';

const DICTS = { 'zh-CN': zh, en };
const KEY = 'anju.lang';

export const LANGS = Object.keys(DICTS);

export function lang() {
  const l = localStorage.getItem(KEY);
  return DICTS[l] ? l : 'zh-CN';
}

export function setLang(l) {
  localStorage.setItem(KEY, DICTS[l] ? l : 'zh-CN');
  document.documentElement.lang = lang();
}

// t('alerts.count', {n: 3}) -> text with {n} filled in; a missing key shows itself.
export function t(key, vars = {}) {
  const s = DICTS[lang()][key] ?? zh[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// Stable names from the API (alert types, statuses, outcomes...) under a prefix;
// unknown names are shown as they are.
export function term(group, name) {
  if (name === null || name === undefined || name === '') return '';
  const key = `${group}.${name}`;
  const s = DICTS[lang()][key] ?? zh[key];
  return s ?? String(name);
}

export const typeName = (x) => term('type', x);
export const statusName = (x) => term('status', x);

// The alert's reason in the current language, the other one as a fallback.
export function reason(row) {
  return lang() === 'en' ? row.reason_en || row.reason_zh : row.reason_zh || row.reason_en;
}

// Stable names of the API in their order, filled at login from the one table on the server
// (anju_common/vocabulary.py via GET /api/v1/overview/config) with their words.
export const ALERT_TYPES = [];
// watch: below the opening threshold, shown so a manager can look ahead (观察中).
export const ALERT_STATUSES = [];
export const OUTCOMES = [];
export const REASONS = [];
export const DECISIONS = [];
const LISTS = {
  type: ALERT_TYPES,
  status: ALERT_STATUSES,
  outcome: OUTCOMES,
  reasonCode: REASONS,
  decision: DECISIONS,
};

export function addVocabulary(vocabulary) {
  if (!vocabulary) return;
  for (const [l, terms] of Object.entries(vocabulary.labels || {})) {
    if (DICTS[l]) Object.assign(DICTS[l], terms);
  }
  for (const [group, list] of Object.entries(LISTS)) {
    list.splice(0, list.length, ...(vocabulary.values?.[group] || []));
  }
}
