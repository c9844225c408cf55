/**
 * @module web/api/client
 * A small fetch wrapper for the fusionrec HTTP API: JSON in and out, the optional `X-API-Key`
 * header (kept in localStorage), and the server's error envelope turned into {@link ApiError}.
 */

const KEY_STORAGE = 'fusionrec.apiKey';

/** An error answer of the API (`{ error: { code, message, field? } }`) or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function getApiKey(): string {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? '';
  } catch {
    return '';
  }
}

export function setApiKey(key: string): void {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: the key lives for this page only
  }
}

export type Query = Record<string, string | number | boolean | undefined | null>;

/** `/v1/items` + `{ offset: 0, q: '' }` -> `/v1/items?offset=0` (empty and absent values dropped). */
export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

/** URL of an item's stored image or audio clip. */
export function mediaUrl(id: string, kind: 'image' | 'audio'): string {
  return `/v1/items/${encodeURIComponent(id)}/media/${kind}`;
}

interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
}

async function request<T>(path: string, o: RequestOptions = {}): Promise<T> {
  // the dashboard's requests are an operator's: its feedback and views stay out of A/B statistics
  const headers: Record<string, string> = { accept: 'application/json', 'x-fusionrec-operator': '1' };
  const key = getApiKey();
  if (key) headers['x-api-key'] = key;
  if (o.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(withQuery(path, o.query), {
      method: o.method ?? 'GET',
      headers,
      ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', `cannot reach the server (${(e as Error).message})`);
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
    throw new ApiError(
      res.status,
      err?.code ?? `http_${res.status}`,
      err?.message ?? `${res.status} ${res.statusText || 'error'}`,
      err?.field,
    );
  }
  if (data === null && text) throw new ApiError(res.status, 'bad_json', `${path} did not answer JSON`);
  return data as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> =>
    request<T>(path, { ...(query ? { query } : {}), ...(signal ? { signal } : {}) }),
  post: <T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> =>
    request<T>(path, { method: 'POST', body: body ?? {}, ...(signal ? { signal } : {}) }),
};
