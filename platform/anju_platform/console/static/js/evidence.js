// Evidence rows in the reader's language: detection stores each note as a code with
// values (evidenceNote.<code> in the dictionaries); older rows without a code keep their
// English note. Places and people by name, times in the estate's local time.
import { fmtDay, fmtTime, h } from './dom.js';
import { t, term } from './i18n.js';
import { gatewayName } from './places.js';

// Day-level evidence (a day's summary, a last sign of life): the day, not a clock time.
const DAY_KINDS = new Set([
  'stranger_day',
  'regular_stranger',
  'visitor',
  'last_sign',
  'last_seen',
]);

export function when(e) {
  return DAY_KINDS.has(e.kind) ? fmtDay(e.day) : fmtTime(e.at);
}

// Who a presence row is about: a registered person by name, a stranger's face cluster,
// a visitor pass.
export function whoName(who, people) {
  const s = String(who || '');
  if (s.startsWith('pass:')) return t('evidence.pass', { id: s.slice(5) });
  if (s.startsWith('u-')) return t('evidence.stranger', { id: s.slice(2, 8) });
  return people?.get(s) || s;
}

function value(k, v, p, people) {
  if (v === null || v === undefined) return k === 'since' ? t('evidence.sinceWatching') : '';
  if (k === 'who' || k === 'holder') return whoName(v, people);
  if (k === 'via')
    return String(v)
      .split(/[,+]/)
      .map((x) => term('value', x))
      .join('、');
  if (k === 'gateway' || k === 'first_gateway') return gatewayName(p, v);
  if (k === 'opened') return term('opened', String(v));
  if (k === 'since') return fmtDay(v);
  return String(v);
}

export function noteText(e, p, people) {
  const key = `evidenceNote.${e.code}`;
  if (!e.code || t(key) === key) return e.note || '';
  const vars = Object.fromEntries(
    Object.entries(e.params || {}).map(([k, v]) => [k, value(k, v, p, people)]),
  );
  return t(key, vars);
}

// One timeline: time, kind, the note in words; a face thumbnail where a snapshot exists
// and the role may see faces; the event id small (staff look events up by it).
export function timeline(evidence, { p, people, faces, thumb, testid = 'evidence' }) {
  if (!evidence.length) return h('p', { class: 'muted' }, t('case.noEvidence'));
  return h(
    'ol',
    { class: 'timeline', 'data-testid': testid },
    evidence.map((e) =>
      h(
        'li',
        { 'data-code': e.code || '' },
        h('time', {}, when(e)),
        h('strong', {}, term('evidence', e.kind)),
        h('span', { class: 'note' }, noteText(e, p, people)),
        faces && e.event_id && (e.has_snapshot || e.snapshot_ref)
          ? thumb(`/snapshots/${encodeURIComponent(e.event_id)}`, t('case.face'))
          : null,
        e.event_id
          ? h('small', { class: 'id', title: t('case.eventId') }, e.event_id.slice(0, 8))
          : null,
      ),
    ),
  );
}

export const isQr = (e) =>
  e.kind === 'visitor' ||
  String(e.params?.via || '').includes('qr') ||
  (!e.code && /\(qr\b|\bqr\b/i.test(e.note || ''));
