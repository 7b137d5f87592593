// Charts (统计图表): open alerts over time by type and by grid, entries per hour at each
// entrance, gateway uptime, the monthly performance trend; links to the Grafana
// dashboards when the platform knows where Grafana is. Apache ECharts, vendored
// (static/vendor/echarts, see VERSION there), loaded only on this page.
import { api } from '../api.js';
import { h, notice, zone } from '../dom.js';
import { t, typeName } from '../i18n.js';
import { gatewayName, gridName, places } from '../places.js';
import { can } from '../roles.js';

const ECHARTS = '/static/vendor/echarts/echarts.esm.min.js';
const DAYS = 30;
const MONTHS = 6;

// Tooltips as text drawn by ECharts itself: its HTML tooltips carry inline styles,
// which the console's Content-Security-Policy refuses.
const TOOLTIP = { trigger: 'axis', renderMode: 'richText', confine: true };
const GRIDBOX = { left: 48, right: 16, top: 56, bottom: 40, containLabel: true };

function card(id, title, hint) {
  const box = h('div', {
    class: 'chart',
    'data-testid': `chart-${id}`,
    role: 'img',
    'aria-label': title,
  });
  return {
    box,
    el: h(
      'section',
      { class: 'card' },
      h('h2', {}, title),
      hint ? h('p', { class: 'muted' }, hint) : null,
      box,
    ),
  };
}

function days(n) {
  const out = [];
  const now = Date.now() + zone() * 3600_000; // the estate's days, like the server's
  for (let i = n - 1; i >= 0; i -= 1) {
    const d = new Date(now - i * 86400_000);
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

// One series per key: [{day, key, n}] -> aligned arrays over the x values.
function series(rows, xs, xOf, keyOf, amountOf, name, extra = {}) {
  const by = new Map();
  for (const r of rows) {
    const k = keyOf(r);
    if (!by.has(k)) by.set(k, new Map());
    const m = by.get(k);
    m.set(xOf(r), (m.get(xOf(r)) || 0) + amountOf(r));
  }
  return [...by.entries()].map(([k, m]) => ({
    name: name(k),
    data: xs.map((x) => m.get(x) || 0),
    ...extra,
  }));
}

function lastMonths(n) {
  const out = [];
  const d = new Date();
  d.setDate(1);
  for (let i = n; i >= 1; i -= 1) {
    const m = new Date(d.getFullYear(), d.getMonth() - i + 1, 1);
    out.push(`${m.getFullYear()}-${String(m.getMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}

export async function render(root, ctx) {
  if (!ctx.estate) {
    root.append(notice('info', t('app.noEstate')));
    return;
  }
  const [echarts, p, data] = await Promise.all([
    import(ECHARTS),
    places(ctx.estate, ctx.signal),
    api('/overview/charts', { query: { estate_id: ctx.estate, days: DAYS }, signal: ctx.signal }),
  ]);
  root.append(h('h1', {}, t('charts.title')));
  if (ctx.config.grafana_url && can(ctx.me, 'gateways')) {
    root.append(
      h(
        'p',
        { class: 'grafana', 'data-testid': 'grafana-links' },
        `${t('charts.grafana')}: `,
        ctx.config.dashboards.map((d, i) => [
          i ? ' · ' : '',
          h(
            'a',
            {
              href: `${ctx.config.grafana_url}/d/${encodeURIComponent(d.uid)}?var-estate=${encodeURIComponent(ctx.estate)}`,
              target: '_blank',
              rel: 'noopener noreferrer',
            },
            t(`dashboard.${d.uid}`),
          ),
        ]),
      ),
    );
  }
  const charts = [];
  const draw = (c, option) => {
    const chart = echarts.init(c.box, null, { renderer: 'canvas' });
    chart.setOption({
      textStyle: { fontFamily: getComputedStyle(document.documentElement).fontFamily },
      ...option,
    });
    charts.push(chart);
  };
  const xs = days(DAYS);
  const alerts = data.open_alerts.map((r) => ({ ...r, day: String(r.day).slice(0, 10) }));
  const byType = card('by-type', t('charts.byType'), t('charts.openHint', { n: DAYS }));
  const byGrid = card('by-grid', t('charts.byGrid'), t('charts.openHint', { n: DAYS }));
  root.append(h('div', { class: 'grid2' }, byType.el, byGrid.el));
  const axis = { type: 'category', data: xs.map((d) => d.slice(5)) };
  draw(byType, {
    tooltip: TOOLTIP,
    legend: { type: 'scroll', top: 0 },
    grid: GRIDBOX,
    xAxis: axis,
    yAxis: { type: 'value', minInterval: 1 },
    series: series(
      alerts,
      xs,
      (r) => r.day,
      (r) => r.type,
      (r) => r.open,
      typeName,
      { type: 'bar', stack: 'open' },
    ),
  });
  draw(byGrid, {
    tooltip: TOOLTIP,
    legend: { type: 'scroll', top: 0 },
    grid: GRIDBOX,
    xAxis: axis,
    yAxis: { type: 'value', minInterval: 1 },
    series: series(
      alerts,
      xs,
      (r) => r.day,
      (r) => r.grid_id || '',
      (r) => r.open,
      (g) => (g ? gridName(p, g) : t('overview.noGrid')),
      { type: 'line' },
    ),
  });
  if (can(ctx.me, 'gateways')) {
    const hours = [...Array(24).keys()];
    const entries = card('entries', t('charts.entries'), t('charts.entriesHint'));
    const uptime = card('uptime', t('charts.uptime'), t('charts.uptimeHint'));
    root.append(h('div', { class: 'grid2' }, entries.el, uptime.el));
    draw(entries, {
      tooltip: TOOLTIP,
      legend: { type: 'scroll', top: 0 },
      grid: GRIDBOX,
      xAxis: { type: 'category', data: hours.map((x) => `${x}:00`) },
      yAxis: { type: 'value', minInterval: 1 },
      series: series(
        data.entries,
        hours,
        (r) => r.hour,
        (r) => r.entrance_id || '',
        (r) => r.n,
        (e) => p.entrance.get(e)?.name || e || t('charts.noEntrance'),
        { type: 'line' },
      ),
    });
    const up = data.uptime;
    draw(uptime, {
      tooltip: { ...TOOLTIP, trigger: 'item' },
      grid: { ...GRIDBOX, top: 16 },
      xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', data: up.map((g) => gatewayName(p, g.gateway_id)) },
      series: [
        {
          type: 'bar',
          name: t('charts.uptime'),
          data: up.map((g) => Math.round(g.share * 1000) / 10),
          label: { show: true, position: 'right', formatter: '{c}%' },
        },
      ],
    });
  }
  if (can(ctx.me, 'performance')) {
    const months = lastMonths(MONTHS);
    const perf = await Promise.all(
      months.map((m) =>
        api('/performance', { query: { estate_id: ctx.estate, month: m }, signal: ctx.signal })
          .then((x) => x.total || {})
          .catch(() => ({})),
      ),
    );
    const trend = card(
      'performance',
      t('charts.performance'),
      t('charts.performanceHint', { n: MONTHS }),
    );
    root.append(trend.el);
    const pct = (k) =>
      perf.map((x) => (x[k] === null || x[k] === undefined ? null : Math.round(x[k] * 1000) / 10));
    draw(trend, {
      tooltip: TOOLTIP,
      legend: { type: 'scroll', top: 0 },
      grid: GRIDBOX,
      xAxis: { type: 'category', data: months },
      yAxis: [
        { type: 'value', minInterval: 1, name: t('charts.count') },
        { type: 'value', max: 100, name: '%' },
      ],
      series: [
        { type: 'bar', name: t('perf.alerts_opened'), data: perf.map((x) => x.alerts_opened ?? 0) },
        {
          type: 'bar',
          name: t('perf.alerts_handled'),
          data: perf.map((x) => x.alerts_handled ?? 0),
        },
        {
          type: 'line',
          yAxisIndex: 1,
          name: t('perf.share_within_due'),
          data: pct('share_within_due'),
        },
        {
          type: 'line',
          yAxisIndex: 1,
          name: t('perf.patrol_coverage'),
          data: pct('patrol_coverage'),
        },
      ],
    });
  }
  const resize = () => {
    for (const c of charts) c.resize();
  };
  window.addEventListener('resize', resize);
  ctx.signal.addEventListener('abort', () => {
    window.removeEventListener('resize', resize);
    for (const c of charts) c.dispose();
  });
}
