import { awaitUpgrade, initAccount, notify, openPasswordDialog, refreshAccount } from './account.js';
import { whenSignedOut } from './api.js';
import { initSignIn, showSignIn } from './auth.js';
import { closeRoom, initChat } from './chat.js';
import { byId } from './dom.js';
import { initRooms, loadRooms, newRoom } from './rooms.js';
import { clearSession, session } from './session.js';

initSignIn(({ resetting }) => {
  void enter();
  if (resetting) openPasswordDialog(true);
});
initAccount();
initRooms();
initChat({ newRoom });

whenSignedOut(() => {
  const current = session();
  if (!current) return;
  const expired = current.expiresAt <= Date.now();
  leave(
    expired
      ? 'Your session has expired. Sign in again to go on.'
      : 'Your session is no longer valid (your password was changed, or it was revoked). Sign in again.',
  );
});
byId('sign-out').addEventListener('click', () => leave('You are signed out.'));
addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && session()) void refreshAccount().catch(() => {});
});

if (session()) void enter();
else showSignIn();

/** The chat screen: the account, the chats, and what the address says (a chat, or a return from the checkout). */
async function enter() {
  byId('sign-in').hidden = true;
  byId('chat-app').hidden = false;
  notify('');
  byId('message').focus();
  try {
    await Promise.all([refreshAccount(), loadRooms()]);
  } catch (problem) {
    notify(problem.message);
    return;
  }
  const checkout = new URLSearchParams(location.search).get('checkout');
  if (!checkout) return;
  history.replaceState(null, '', location.pathname + location.hash);
  if (checkout === 'success') await awaitUpgrade();
  if (checkout === 'cancel') notify('Checkout canceled: no payment was taken.');
}

function leave(notice) {
  void closeRoom();
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
  clearSession();
  showSignIn(notice);
}
