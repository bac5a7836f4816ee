import { call } from './api.js';
import { byId } from './dom.js';
import { saveSession } from './session.js';

const form = () => byId('auth-form');
let step = 'mobile';
/** Whether the code being verified is a password-reset code (forgot password). */
let resetting = false;
let signedIn = () => {};

/** Wires the sign-in page; `onSignedIn({ resetting })` runs once a session is saved. */
export function initSignIn(onSignedIn) {
  signedIn = onSignedIn;
  form().addEventListener('submit', (event) => {
    event.preventDefault();
    const action = { mobile: () => sendCode(false), code: verify, password: logIn }[step];
    void busy(action);
  });
  for (const button of form().querySelectorAll('[data-go]')) {
    button.addEventListener('click', () => go(button.dataset.go));
  }
  byId('sign-up').addEventListener('click', () => busy(signUp));
  byId('resend').addEventListener('click', () => busy(() => sendCode(resetting)));
  byId('forgot').addEventListener('click', () => busy(() => sendCode(true)));
}

/** Shows the sign-in page, with `notice` saying why (e.g. the session expired). */
export function showSignIn(notice = '') {
  byId('chat-app').hidden = true;
  byId('sign-in').hidden = false;
  byId('auth-notice').textContent = notice;
  byId('password').value = '';
  byId('code').value = '';
  go('mobile');
}

function go(next) {
  step = next;
  for (const section of form().querySelectorAll('[data-step]'))
    section.hidden = section.dataset.step !== next;
  byId('auth-error').textContent = '';
  byId(next).focus();
}

/** Runs `action` with the form's buttons disabled; a problem's detail is shown under the form. */
async function busy(action) {
  const buttons = form().querySelectorAll('button');
  for (const button of buttons) button.disabled = true;
  byId('auth-error').textContent = '';
  try {
    await action();
  } catch (problem) {
    byId('auth-error').textContent = problem.message;
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

const mobile = () => byId('mobile').value;

async function signUp() {
  try {
    await call('POST', '/auth/signup', { body: { mobile: mobile() } });
    await sendCode(false, 'Your account is created. ');
  } catch (problem) {
    if (problem.code !== 'MOBILE_TAKEN') throw problem;
    await sendCode(false, 'This number already has an account. ');
  }
}

/** Asks for a sign-in code (or a password-reset code); an unknown number is signed up first. */
async function sendCode(reset, said = '') {
  let issued;
  try {
    issued = await call('POST', reset ? '/auth/forgot-password' : '/auth/send-otp', {
      body: { mobile: mobile() },
    });
  } catch (problem) {
    if (problem.code !== 'USER_NOT_FOUND' || reset) throw problem;
    await call('POST', '/auth/signup', { body: { mobile: mobile() } });
    return sendCode(false, 'This number had no account yet, so we created one. ');
  }
  resetting = reset;
  go('code');
  if (issued.otp) {
    byId('code').value = issued.otp;
    byId('auth-notice').textContent =
      `${said}Offline mode: no SMS is sent; the service returned the code and it is filled in for you.`;
  } else {
    const minutes = Math.round(issued.expiresIn / 60);
    byId('auth-notice').textContent =
      `${said}We sent a code to ${issued.mobile}; it is valid for ${minutes} min.`;
  }
}

async function verify() {
  const otp = byId('code').value.trim();
  finish(await call('POST', '/auth/verify-otp', { body: { mobile: mobile(), otp } }));
}

async function logIn() {
  const password = byId('password').value;
  finish(await call('POST', '/auth/login', { body: { mobile: mobile(), password } }));
}

function finish(session) {
  saveSession(session);
  byId('auth-notice').textContent = '';
  const wasReset = resetting;
  resetting = false;
  signedIn({ resetting: wasReset });
}
