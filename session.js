const SESSION = 'chat.session';

/** The signed-in session, kept across reloads and tabs: `{ token, expiresAt, user }`, or null. */
export function session() {
  try {
    return JSON.parse(localStorage.getItem(SESSION) ?? 'null');
  } catch {
    return null;
  }
}

/** Keeps a Session of the API (`{ token, expiresIn, user }`). */
export function saveSession({ token, expiresIn, user }) {
  localStorage.setItem(SESSION, JSON.stringify({ token, expiresAt: Date.now() + expiresIn * 1000, user }));
}

export function clearSession() {
  localStorage.removeItem(SESSION);
  sessionStorage.clear();
}
