// Face calibration (人脸比对校准, issue 18): the estate's face-match thresholds computed
// from its own faces (enrolled people are different people; repeat sightings of a
// recognised person are that person), the target and expected false-accept rates, the
// expected miss rate, and the two distance distributions as a histogram drawn here as
// SVG (nothing loaded). Admins recalibrate; the authority and managers only read.
import { api } from '../api.js';
import { fmtTime, h, notice } from '../dom.js';
import { t } from '../i18n.js';
import { can } from '../roles.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 720;
const HEIGHT = 260;
const BOX = { left: 48, right: 12, top: 16, bottom: 40 };

// An SVG element (h() makes HTML ones): attributes only, no inline styles (the CSP).
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

const percent = (x, digits = 1) =>
  x === null || x === undefined ? '–' : `${(x * 100).toFixed(digits)}%`;
const fixed = (x, digits) => (x === null || x === undefined ? '–' : Number(x).toFixed(digits));

// Each distribution as shares of its own pairs: pairs of different people outnumber a
// person's own sightings by orders of magnitude, so raw counts would hide the genuine bars.
function shares(counts) {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (n ? c / n : 0));
}

function histogram(report, threshold) {
  const { edges = [], impostor = [], genuine = [] } = report.histogram || {};
  const bins = Math.max(edges.length - 1, 0);
  const lo = edges[0] ?? 0;
  const hi = edges[bins] ?? 1.5;
  const plotW = WIDTH - BOX.left - BOX.right;
  const plotH = HEIGHT - BOX.top - BOX.bottom;
  const x = (d) => BOX.left + ((d - lo) / (hi - lo || 1)) * plotW;
  const series = [
    ['impostor', shares(impostor), impostor],
    ['genuine', shares(genuine), genuine],
  ];
  // headroom above the tallest bar for the threshold's label
  const top = Math.max(0.05, ...series.flatMap(([, s]) => s)) * 1.15;
  const y = (share) => BOX.top + plotH - (share / top) * plotH;
  const chart = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    class: 'histogram',
    role: 'img',
    'aria-label': t('calibration.histogram'),
    'data-testid': 'calibration-histogram',
  });
  const step = (x(edges[1] ?? hi) - x(lo)) / 2;
  for (let i = 0; i < bins; i += 1) {
    series.forEach(([kind, s, counts], k) => {
      if (!counts[i]) return;
      const left = x(edges[i]) + k * step;
      chart.append(
        svg(
          'rect',
          {
            class: `bar ${kind}`,
            x: left.toFixed(1),
            y: y(s[i]).toFixed(1),
            width: Math.max(step - 1, 1).toFixed(1),
            height: (BOX.top + plotH - y(s[i])).toFixed(1),
            'data-bin': i,
            'data-kind': kind,
          },
          svg('title', {}, `${t(`calibration.${kind}`)} ${edges[i]}–${edges[i + 1]}: ${counts[i]}`),
        ),
      );
    });
  }
  const axis = svg(
    'g',
    { class: 'axis' },
    svg('line', { x1: BOX.left, y1: BOX.top + plotH, x2: WIDTH - BOX.right, y2: BOX.top + plotH }),
    svg('line', { x1: BOX.left, y1: BOX.top, x2: BOX.left, y2: BOX.top + plotH }),
  );
  for (let d = 0; d <= hi + 1e-9; d += 0.25) {
    axis.append(
      svg('text', { x: x(d), y: BOX.top + plotH + 16, 'text-anchor': 'middle' }, d.toFixed(2)),
    );
  }
  for (const share of [0, top / 2, top]) {
    axis.append(
      svg('text', { x: BOX.left - 6, y: y(share) + 4, 'text-anchor': 'end' }, percent(share, 0)),
    );
  }
  axis.append(
    svg(
      'text',
      { x: BOX.left + plotW / 2, y: HEIGHT - 4, 'text-anchor': 'middle' },
      t('calibration.axisDistance'),
    ),
  );
  chart.append(axis);
  const at = x(Math.min(Math.max(threshold, lo), hi));
  chart.append(
    svg(
      'g',
      { class: 'threshold', 'data-testid': 'calibration-threshold-line' },
      svg('line', { x1: at, y1: BOX.top, x2: at, y2: BOX.top + plotH }),
      svg(
        'text',
        { x: at + 4, y: BOX.top + 10 },
        t('calibration.thresholdLine', { value: fixed(threshold, 3) }),
      ),
    ),
  );
  return chart;
}

function legend() {
  const swatch = (kind) =>
    svg(
      'svg',
      { class: 'swatch', viewBox: '0 0 10 10', 'aria-hidden': 'true' },
      svg('rect', { class: `bar ${kind}`, x: 0, y: 0, width: 10, height: 10 }),
    );
  return h(
    'p',
    { class: 'legend' },
    h('span', {}, swatch('impostor'), t('calibration.impostor')),
    h('span', {}, swatch('genuine'), t('calibration.genuine')),
  );
}

function facts(cal) {
  const r = cal.report || {};
  // how many, not who: the page needs no one's identity to judge the calibration
  const tightened = Object.keys(cal.person_thresholds || {}).length;
  return h(
    'dl',
    { class: 'facts', 'data-testid': 'calibration-facts' },
    h('dt', {}, t('calibration.state')),
    h(
      'dd',
      { 'data-testid': 'calibration-state' },
      h(
        'span',
        { class: `pill ${cal.calibrated ? 'state-online' : 'state-offline'}` },
        cal.calibrated ? t('calibration.calibrated') : t('calibration.fallback'),
      ),
    ),
    h('dt', {}, t('calibration.threshold')),
    h('dd', { 'data-testid': 'calibration-value' }, fixed(cal.threshold, 4)),
    h('dt', {}, t('calibration.farTarget')),
    h('dd', {}, percent(cal.far_target, 2)),
    h('dt', {}, t('calibration.expectedFar')),
    h('dd', {}, percent(r.expected_far, 3)),
    h('dt', {}, t('calibration.expectedMiss')),
    h('dd', { 'data-testid': 'calibration-miss' }, percent(r.expected_miss)),
    h('dt', {}, t('calibration.people')),
    h('dd', {}, r.people ?? '–'),
    h('dt', {}, t('calibration.pairs')),
    h(
      'dd',
      {},
      t('calibration.pairsValue', {
        impostor: r.impostor_pairs ?? 0,
        genuine: r.genuine_pairs ?? 0,
      }),
    ),
    h('dt', {}, t('calibration.impostorSpread')),
    h(
      'dd',
      {},
      r.impostor_mean === null || r.impostor_mean === undefined
        ? '–'
        : `${fixed(r.impostor_mean, 3)} ± ${fixed(r.impostor_sd, 3)}`,
    ),
    h('dt', {}, t('calibration.tightened')),
    h(
      'dd',
      { 'data-testid': 'calibration-tightened' },
      tightened || t('calibration.tightenedNone'),
    ),
    h('dt', {}, t('calibration.model')),
    h('dd', {}, h('code', {}, cal.model)),
    h('dt', {}, t('calibration.computedAt')),
    h('dd', {}, fmtTime(cal.computed_at)),
  );
}

export async function render(root, ctx) {
  if (!can(ctx.me, 'faceCalibration')) {
    root.append(notice('error', t('app.notFound')));
    return;
  }
  if (!ctx.estate) {
    root.append(notice('info', t('app.noEstate')));
    return;
  }
  const path = `/estates/${encodeURIComponent(ctx.estate)}/face-calibration`;
  const msg = h('div', { 'data-testid': 'calibration-result' });
  const body = h('div');
  const show = (cal) => {
    body.replaceChildren(
      facts(cal),
      h(
        'section',
        { class: 'card' },
        h('h2', {}, t('calibration.histogram')),
        h('p', { class: 'muted' }, t('calibration.histogramHint')),
        histogram(cal.report || {}, cal.threshold),
        legend(),
      ),
    );
  };
  let current = null;
  try {
    current = await api(path, { signal: ctx.signal });
  } catch (e) {
    if (e.status !== 404) throw e;
  }
  root.append(
    h('h1', {}, t('calibration.title')),
    h('p', { class: 'muted' }, t('calibration.hint')),
    msg,
  );
  if (can(ctx.me, 'faceCalibrate')) {
    const button = h(
      'button',
      { type: 'button', class: 'primary', 'data-testid': 'calibration-recalibrate' },
      t('calibration.recalibrate'),
    );
    button.addEventListener('click', async () => {
      button.disabled = true;
      msg.replaceChildren(notice('info', t('calibration.recalibrating')));
      try {
        const cal = await api(path, { method: 'POST' });
        show(cal);
        msg.replaceChildren(
          notice('ok', t('calibration.done', { value: fixed(cal.threshold, 4) })),
        );
      } catch (e) {
        msg.replaceChildren(notice('error', t('app.error', { detail: e.message })));
      } finally {
        button.disabled = false;
      }
    });
    root.append(h('div', { class: 'actions' }, button));
  } else {
    root.append(
      h(
        'p',
        { class: 'muted', 'data-testid': 'calibration-admin-only' },
        t('calibration.adminOnly'),
      ),
    );
  }
  if (current) show(current);
  else body.append(notice('info', t('calibration.none')));
  root.append(body);
}
