// The REST client: one place that adds the token, parses the JSON error body the server
// always sends, and tells the app when the session is no longer valid.

const TOKEN_KEY = 'shopchat.token';

/** What a refused request said: HTTP status, the server's code, message, field and errors. */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'http_' + status;
    this.field = e.field || null;
    this.errors = e.errors || null;
  }
}

/** The session token: kept for this browser tab's session only, gone on logout. */
export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

let onUnauthorized = () => {};

/** Called when the server answers 401: the token expired or was revoked. */
export function whenUnauthorized(fn) { onUnauthorized = fn; }

async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  // A file (a Blob) goes as its own bytes; anything else as JSON.
  const raw = body instanceof Blob;
  if (body !== undefined) headers['Content-Type'] = raw ? 'application/octet-stream' : 'application/json';
  const response = await fetch('/api/v1' + path, {
    method,
    headers,
    body: body === undefined || raw ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && path !== '/auth/login') onUnauthorized(error);
    throw error;
  }
  return data;
}

/** `api.get('/sites')`, `api.post(path, body)`… — paths are relative to `/api/v1`. */
export const api = {
  get: (path) => request('GET', path),
  post: (path, body = {}) => request('POST', path, body),
  put: (path, body) => request('PUT', path, body),
  patch: (path, body) => request('PATCH', path, body),
  del: (path) => request('DELETE', path),
};

/** Builds a query string from an object, skipping empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? '?' + s : '';
}
