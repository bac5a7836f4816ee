import { call } from './api.js';
import { byId, clockTime, timeUntil } from './dom.js';
import { saveSession, session } from './session.js';

let user = null;
let usage = null;

/** Wires the account's buttons: upgrade, billing, password. */
export function initAccount() {
  byId('upgrade').addEventListener('click', () => leaveFor('/subscribe/pro', 'checkoutUrl'));
  byId('billing').addEventListener('click', () => leaveFor('/subscription/portal', 'url'));
  byId('change-password').addEventListener('click', () => openPasswordDialog(false));
  byId('password-form').addEventListener('submit', savePassword);
  // The reset time is "in 4 h 12 min": keep it true while the page stays open.
  setInterval(() => usage && showUsage(usage), 60_000);
}

/** Reads the user and today's usage again (after a payment, a failed reply, or coming back to the tab). */
export async function refreshAccount() {
  const me = await call('GET', '/user/me');
  user = me.user;
  byId('change-password').textContent = user.hasPassword ? 'Change password' : 'Set password';
  showUsage(me.usage);
  return me;
}

/** "3 of 5 prompts left today, resets in 4 h 12 min"; the upgrade (or billing) action beside it. */
export function showUsage(next) {
  usage = next;
  const pro = user?.tier === 'pro';
  const plan = pro ? 'Pro: ' : '';
  const resets = `resets in ${timeUntil(usage.resetsAt)}`;
  byId('usage').textContent =
    usage.limit === null
      ? `${plan}unlimited prompts`
      : `${plan}${usage.remaining} of ${usage.limit} prompts left today, ${resets}`;
  byId('usage').classList.toggle('at-limit', usage.remaining === 0);
  byId('upgrade').hidden = pro;
  byId('billing').hidden = !pro;
}

/** What to tell a user over the quota: when prompts come back, and that Pro has more. */
export function quotaMessage() {
  const used = `You have used all ${usage.limit} prompts for today.`;
  const when = `More at ${clockTime(usage.resetsAt)} (in ${timeUntil(usage.resetsAt)}).`;
  return user.tier === 'pro' ? `${used} ${when}` : `${used} ${when} Upgrade to Pro for more today.`;
}

/** Starts a checkout or a billing portal session and goes there (Stripe, or the offline pages). */
async function leaveFor(path, field) {
  try {
    location.assign((await call('POST', path))[field]);
  } catch (problem) {
    notify(problem.message);
    if (problem.code === 'ALREADY_SUBSCRIBED') await refreshAccount();
  }
}

/** After coming back from the checkout: the upgrade arrives by webhook, usually within seconds. */
export async function awaitUpgrade() {
  notify('Payment received: checking your plan…');
  for (let attempt = 0; attempt < 20; attempt++) {
    if ((await refreshAccount()).user.tier === 'pro')
      return notify('You are on Pro now. Enjoy the extra prompts!');
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  notify('The payment is still being confirmed; your plan will change as soon as it is.');
}

export function notify(text) {
  byId('app-notice').textContent = text;
}

/** Sets a first password, changes it, or (after forgot password) replaces it without the old one. */
export function openPasswordDialog(afterReset) {
  const needsCurrent = Boolean(user?.hasPassword ?? session()?.user.hasPassword) && !afterReset;
  byId('password-title').textContent = afterReset
    ? 'Choose a new password'
    : byId('change-password').textContent;
  byId('current-field').hidden = !needsCurrent;
  byId('current-password').value = '';
  byId('new-password').value = '';
  byId('password-error').textContent = '';
  byId('password-dialog').showModal();
}

async function savePassword(event) {
  if (event.submitter?.value !== 'ok') return;
  event.preventDefault();
  const body = { newPassword: byId('new-password').value };
  if (!byId('current-field').hidden) body.currentPassword = byId('current-password').value;
  try {
    saveSession(await call('POST', '/auth/change-password', { body }));
    byId('password-dialog').close();
    notify('Your password is saved.');
    await refreshAccount();
  } catch (problem) {
    byId('password-error').textContent = problem.message;
  }
}
