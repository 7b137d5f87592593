// Fetch wrapper: bearer token from sessionStorage, JSON in and out, 401 -> login.

const KEY = 'anju.token';
const BASE = '/api/v1';

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
  }
}

export const token = () => sessionStorage.getItem(KEY);
export const setToken = (t) =>
  t ? sessionStorage.setItem(KEY, t) : sessionStorage.removeItem(KEY);

let onUnauthorized = () => {};
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

export function url(path, query) {
  const u = new URL(BASE + path, location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v === undefined || v === null || v === '') continue;
    for (const one of Array.isArray(v) ? v : [v]) u.searchParams.append(k, one);
  }
  return u.pathname + u.search;
}

export function authHeaders(extra = {}) {
  const t = token();
  return t ? { ...extra, Authorization: `Bearer ${t}` } : extra;
}

// raw: the Response (for blobs, streams); throws ApiError on a non-2xx answer.
export async function raw(path, { method = 'GET', query, json, form, headers, signal } = {}) {
  const init = { method, headers: authHeaders(headers), signal };
  if (json !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form; // FormData or URLSearchParams: the browser sets the type
  }
  const res = await fetch(url(path, query), init);
  if (res.status === 401 && path !== '/auth/login') {
    setToken(null);
    onUnauthorized();
  }
  if (!res.ok) {
    let detail = res.statusText;
    try {
      detail = (await res.json()).detail ?? detail;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, detail);
  }
  return res;
}

export async function api(path, opts = {}) {
  const res = await raw(path, opts);
  if (res.status === 204) return null;
  return res.json();
}

// A file the API serves behind the token (CSV, evidence pack, image): an object URL.
export async function blobUrl(path, query) {
  const res = await raw(path, { query });
  return URL.createObjectURL(await res.blob());
}

export async function download(path, query, filename) {
  const href = await blobUrl(path, query);
  const a = document.createElement('a');
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 60_000);
}

export async function login(username, password) {
  const form = new URLSearchParams({ username, password });
  const out = await api('/auth/login', { method: 'POST', form });
  setToken(out.access_token);
  return out;
}

export async function logout() {
  try {
    await api('/auth/logout', { method: 'POST' });
  } catch {
    /* token already gone */
  }
  setToken(null);
}
