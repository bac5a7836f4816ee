import { session } from './session.js';

/** An RFC 9457 problem answered by the API: `message` is its `detail`, meant for people. */
export class Problem extends Error {
  constructor(status, body) {
    super(body.detail ?? body.title ?? `The service answered ${status}`);
    this.status = status;
    this.code = body.code ?? 'UNKNOWN';
    this.retryAfter = body.retryAfter;
  }
}

let signedOut = () => {};
/** `callback(problem)` runs when a signed-in call gets 401: the token expired or was revoked. */
export function whenSignedOut(callback) {
  signedOut = callback;
}

/**
 * One call of the API with the session's token. A problem answer throws a Problem; `raw` returns the Response
 * (for event streams).
 */
export async function call(method, path, { body, headers = {}, raw = false, signal } = {}) {
  const token = session()?.token;
  const init = { method, headers: { ...headers }, signal };
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new Problem(0, { detail: 'The service cannot be reached. Check your connection and try again.' });
  }
  if (!response.ok) {
    const problem = new Problem(response.status, await response.json().catch(() => ({})));
    if (response.status === 401 && token) signedOut(problem);
    throw problem;
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}
