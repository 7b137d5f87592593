// Hash router: '#/alerts?type=sublet' -> {name: 'alerts', params: [], query: {...}}.

export function parseHash(hash) {
  const h = (hash || '').replace(/^#\/?/, '');
  const [path, qs] = h.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const query = {};
  for (const [k, v] of new URLSearchParams(qs || '')) {
    if (k in query) query[k] = [].concat(query[k], v);
    else query[k] = v;
  }
  return { name: parts[0] || '', params: parts.slice(1), query };
}

export function href(name, params = [], query = {}) {
  const path = [name, ...params.map((p) => encodeURIComponent(p))].join('/');
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    for (const one of Array.isArray(v) ? v : [v]) q.append(k, one);
  }
  const s = q.toString();
  return `#/${path}${s ? `?${s}` : ''}`;
}

export function go(name, params, query) {
  location.hash = href(name, params, query);
}
