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

/** Forgets the session, and this tab's state (the open chat, a reply to resume). */
export function clearSession() {
  localStorage.removeItem(SESSION);
  sessionStorage.clear();
}
