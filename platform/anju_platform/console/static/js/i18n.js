// UI strings: one dictionary per language (i18n/zh-CN.js, i18n/en.js); zh-CN default,
// the choice persists in localStorage.
import zh from './i18n/zh-CN.js';
import en from './i18n/en.js';

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

// Stable names of the API (docs/alerts.md, the issue 7 contract).
export const ALERT_TYPES = [
  'sublet', 'overcrowding', 'change_of_use', 'vacancy', 'vacancy_warning', 'elderly_not_seen',
  'card_clone', 'card_after_moveout', 'card_face_mismatch', 'evicted_reentry', 'resident_report',
];
// watch: below the opening threshold, shown so a manager can look ahead (观察中).
export const ALERT_STATUSES = ['watch', 'open', 'acknowledged', 'closed', 'dismissed'];
export const OUTCOMES = ['confirmed', 'not_confirmed', 'no_access'];
export const REASONS = [
  'registered_caregiver', 'family_member_unregistered', 'approved_absence', 'night_shift',
  'pattern_explained', 'other',
];
export const DECISIONS = ['warning', 'deduction_upheld', 'deduction_rejected', 'lease_review', 'no_action'];
