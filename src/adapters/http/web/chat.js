import { quotaMessage, refreshAccount, showUsage } from './account.js';
import { call, Problem } from './api.js';
import { byId, el } from './dom.js';
import { applyChunk, replyState, uiMessageChunks } from './ui-stream.js';

/** This tab's reply being streamed, so a reload resumes it: `{ chatroomId, replyId, lastEventId, text }`. */
const STREAMING = 'chat.streaming';
const PAGE = 50;

let room = null;
let hasMore = false;
let loadingOlder = false;
/** The reply being read, and how to stop reading it (the reply itself goes on). */
let reading = null;
let createRoom = async () => null;

const list = () => byId('message-list');
const box = () => byId('messages');
const input = () => byId('message');

/** Wires the conversation; `newRoom(title)` creates and opens a chat when the first message has none. */
export function initChat({ newRoom }) {
  createRoom = newRoom;
  byId('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    void send();
  });
  input().addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      void send();
    }
  });
  byId('stop').addEventListener('click', stop);
  byId('older').addEventListener('click', loadOlder);
  box().addEventListener('scroll', () => {
    if (box().scrollTop < 80) void loadOlder();
  });
}

/** Shows a chat (or none: a new one starts with the next message) and resumes a reply still being written. */
export async function openRoom(next) {
  reading?.controller.abort();
  room = next;
  showTitle();
  byId('chat-error').textContent = '';
  list().replaceChildren();
  byId('older').hidden = true;
  byId('empty').hidden = Boolean(room);
  if (!room) return;
  const opened = await call('GET', `/chatroom/${room.id}`);
  if (room?.id !== opened.id) return;
  list().append(...opened.messages.map(messageItem));
  showOlder(opened.hasMore);
  byId('empty').hidden = opened.messages.length > 0;
  box().scrollTop = box().scrollHeight;
  const saved = JSON.parse(sessionStorage.getItem(STREAMING) ?? 'null');
  const pending = opened.messages.findLast(
    (message) => message.role === 'model' && message.status === 'pending',
  );
  if (saved?.chatroomId === room.id && opened.messages.some((message) => message.id === saved.replyId)) {
    await follow(saved.lastEventId ? saved : { replyId: saved.replyId });
  } else if (pending) await follow({ replyId: pending.id });
}

export function currentRoom() {
  return room;
}

/** The open chat's title (after a rename too). */
export function showTitle() {
  byId('room-title').textContent = room?.title ?? 'New chat';
  byId('rename-room').hidden = byId('delete-room').hidden = !room;
}

function showOlder(more) {
  hasMore = more;
  byId('older').hidden = !more;
}

async function loadOlder() {
  const oldest = list().firstElementChild?.dataset.id;
  if (!room || !hasMore || loadingOlder || !oldest) return;
  loadingOlder = true;
  try {
    const page = await call('GET', `/chatroom/${room.id}/messages?before=${oldest}&limit=${PAGE}`);
    const height = box().scrollHeight;
    list().prepend(...page.messages.map(messageItem));
    box().scrollTop += box().scrollHeight - height;
    showOlder(page.hasMore);
  } catch (problem) {
    byId('chat-error').textContent = problem.message;
  } finally {
    loadingOlder = false;
  }
}

function messageItem(message) {
  const item = el('li', {}, el('span', { className: 'text' }), el('span', { className: 'state' }));
  item.dataset.id = message.id;
  item.dataset.role = message.role;
  paint(item, { text: message.content, status: message.status, error: message.error });
  return item;
}

/** A message's text and how it stands: a stopped reply says so, a failed one says why and that it cost nothing. */
function paint(item, { text, status, error }) {
  item.className = `message ${item.dataset.role} ${status}`;
  item.querySelector('.text').textContent = text;
  const state = {
    pending: item.dataset.role === 'model' ? 'Writing…' : '',
    stopped: 'Stopped',
    failed: `Failed: ${error}. This prompt was given back to your daily quota.`,
  }[status];
  item.querySelector('.state').textContent = state ?? '';
}

function append(item) {
  const atBottom = box().scrollHeight - box().scrollTop - box().clientHeight < 80;
  list().append(item);
  byId('empty').hidden = true;
  if (atBottom) box().scrollTop = box().scrollHeight;
}

/** A new chat's title: the first line of its first message, cut at a word within 40 characters. */
function titleOf(content) {
  const line = content.split('\n')[0];
  return line.length <= 40 ? line : `${line.slice(0, 40).replace(/[\s,.;:!?-]+\S*$/, '')}…`;
}

async function send() {
  const content = input().value.trim();
  if (!content || reading) return;
  const controller = new AbortController();
  reading = { controller, state: replyState() };
  byId('chat-error').textContent = '';
  const prompt = messageItem({ id: '', role: 'user', content, status: 'completed', error: null });
  try {
    if (!room) {
      room = await createRoom(titleOf(content));
      showTitle();
    }
    append(prompt);
    input().value = '';
    await read(await postMessage(room.id, content, controller.signal), {}, controller);
  } catch (problem) {
    if (reading?.controller === controller) reading = null;
    if (controller.signal.aborted) return;
    prompt.remove();
    if (!input().value) input().value = content;
    byId('chat-error').textContent = problem.message;
    // At the limit: the reset time on the reader's clock and the way to Pro, rather than the API's UTC time.
    if (problem.code === 'QUOTA_EXCEEDED') {
      await refreshAccount();
      byId('chat-error').textContent = quotaMessage();
    }
  }
}

/** Sends the prompt for a streamed reply; a send lost on the network is retried once with the same key. */
async function postMessage(chatroomId, content, signal) {
  const options = {
    body: { content },
    headers: { Accept: 'text/event-stream', 'Idempotency-Key': crypto.randomUUID() },
    raw: true,
    signal,
  };
  const path = `/chatroom/${chatroomId}/message`;
  return call('POST', path, options).catch((problem) => {
    if (problem instanceof Problem && problem.status === 0) return call('POST', path, options);
    throw problem;
  });
}

/** Follows a reply from the start, or after the last event this tab read (with the text it held then). */
async function follow(from, retries = 3) {
  const controller = new AbortController();
  reading = { controller, state: replyState({ id: from.replyId }) };
  const headers = from.lastEventId ? { 'Last-Event-ID': from.lastEventId } : {};
  try {
    const path = `/chatroom/${room.id}/messages/${from.replyId}/stream`;
    const response = await call('GET', path, { headers, raw: true, signal: controller.signal });
    await read(response, from, controller, retries);
  } catch (error) {
    if (reading?.controller === controller) reading = null;
    if (controller.signal.aborted) return;
    sessionStorage.removeItem(STREAMING);
    byId('chat-error').textContent = error.message;
  }
}

/**
 * Reads a reply's event stream into its message, saving where it is so that a reload can resume it; a stream that
 * breaks off before the reply ended is resumed (up to `retries` times).
 */
async function read(response, from, controller, retries = 3) {
  const chatroomId = room.id;
  let state = replyState({ id: from.replyId, text: from.text });
  let lastEventId = from.lastEventId;
  let item = from.replyId ? list().querySelector(`[data-id="${from.replyId}"]`) : null;
  reading = { controller, state };
  streaming(true);
  try {
    for await (const { id, chunk } of uiMessageChunks(response.body)) {
      if (controller.signal.aborted) break;
      state = applyChunk(state, chunk);
      reading.state = state;
      lastEventId = id ?? lastEventId;
      if (chunk.type === 'start') {
        if (chunk.messageMetadata?.usage) showUsage(chunk.messageMetadata.usage);
        const prompt = list().querySelector('[data-id=""]');
        if (prompt) prompt.dataset.id = chunk.messageMetadata?.promptId ?? '';
        item ??= list().querySelector(`[data-id="${state.id}"]`);
        if (!item) {
          item = messageItem({ id: state.id, role: 'model', content: '', status: 'pending' });
          append(item);
        }
      }
      if (!item) continue;
      paint(item, state);
      sessionStorage.setItem(
        STREAMING,
        JSON.stringify({ chatroomId, replyId: state.id, lastEventId, text: state.text }),
      );
      if (box().scrollHeight - box().scrollTop - box().clientHeight < 120)
        box().scrollTop = box().scrollHeight;
    }
  } catch {
    // The connection broke off: resumed below, unless this tab stopped reading.
  }
  if (reading?.controller !== controller) return;
  reading = null;
  streaming(false);
  if (controller.signal.aborted) return;
  if (state.status === 'pending' && state.id && retries > 0) {
    return follow({ replyId: state.id, lastEventId, text: state.text }, retries - 1);
  }
  sessionStorage.removeItem(STREAMING);
  if (state.status === 'failed') await refreshAccount();
}

function streaming(on) {
  const stopFocused = document.activeElement === byId('stop');
  box().setAttribute('aria-busy', String(on));
  byId('send').disabled = on;
  byId('stop').hidden = !on;
  if (stopFocused && !on) input().focus();
}

async function stop() {
  const replyId = reading?.state.id;
  if (!replyId || !room) return;
  try {
    await call('POST', `/chatroom/${room.id}/messages/${replyId}/stop`);
  } catch (problem) {
    byId('chat-error').textContent = problem.message;
  }
}

/** Leaves the chat (signed out, or the chat deleted): stops reading, keeps nothing of it. */
export function closeRoom() {
  reading?.controller.abort();
  sessionStorage.removeItem(STREAMING);
  return openRoom(null);
}
