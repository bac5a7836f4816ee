import { call } from './api.js';
import { closeRoom, currentRoom, openRoom, showTitle } from './chat.js';
import { ask, byId, el } from './dom.js';

/** The open chat of this tab, for coming back without a #id (e.g. from the checkout). */
const OPEN = 'chat.room';
let rooms = [];

/** Wires the chat list and the open chat's rename and delete. */
export function initRooms() {
  byId('new-chat').addEventListener('click', () => {
    void select(null);
    byId('message').focus();
  });
  byId('rename-room').addEventListener('click', rename);
  byId('delete-room').addEventListener('click', remove);
  byId('toggle-rooms').addEventListener('click', () => showList(!byId('rooms').classList.contains('open')));
  // Back and forward between chats (and an #id typed in the address); selecting one in the page pushes its #id.
  addEventListener('popstate', () => {
    const id = location.hash.slice(1);
    if (currentRoom()?.id !== id) void select(rooms.find((room) => room.id === id) ?? null, 'none');
  });
}

/** Reads the chats, newest first, and opens the one in the address (or the one this tab had open). */
export async function loadRooms() {
  rooms = (await call('GET', '/chatroom')).chatrooms;
  const id = location.hash.slice(1) || sessionStorage.getItem(OPEN);
  await select(rooms.find((room) => room.id === id) ?? null, 'replace');
}

/** Creates a chat (the first message's chat) and shows it, first in the list. */
export async function newRoom(title) {
  const room = await call('POST', '/chatroom', { body: { title } });
  rooms.unshift(room);
  remember(room, 'push');
  return room;
}

function select(room, how = 'push') {
  showList(false);
  remember(room, how);
  return openRoom(room).catch((problem) => {
    byId('chat-error').textContent = problem.message;
  });
}

/** Marks `room` as the open one: in the list, this tab, and the address (a new entry, the same one, or as it is). */
function remember(room, how) {
  const address = room ? `#${room.id}` : location.pathname + location.search;
  if (how === 'push') history.pushState(null, '', address);
  if (how === 'replace') history.replaceState(null, '', address);
  if (room) sessionStorage.setItem(OPEN, room.id);
  else sessionStorage.removeItem(OPEN);
  render(room);
}

function render(open = currentRoom()) {
  const items = rooms.map((room) => {
    const button = el('button', { type: 'button', textContent: room.title });
    if (room.id === open?.id) button.setAttribute('aria-current', 'true');
    button.addEventListener('click', () => select(room));
    return el('li', {}, button);
  });
  byId('room-list').replaceChildren(...items);
}

function showList(open) {
  byId('rooms').classList.toggle('open', open);
  byId('toggle-rooms').setAttribute('aria-expanded', String(open));
}

async function rename() {
  const room = currentRoom();
  const title = await ask({ title: 'Rename chat', field: 'Title', value: room.title, ok: 'Rename' });
  if (title === null) return;
  try {
    Object.assign(room, await call('PATCH', `/chatroom/${room.id}`, { body: { title } }));
    rooms = rooms.map((each) => (each.id === room.id ? room : each));
    render();
    showTitle();
  } catch (problem) {
    byId('chat-error').textContent = problem.message;
  }
}

async function remove() {
  const room = currentRoom();
  const text = `“${room.title}” and all its messages will be deleted. This cannot be undone.`;
  if ((await ask({ title: 'Delete this chat?', text, ok: 'Delete' })) === null) return;
  try {
    await call('DELETE', `/chatroom/${room.id}`);
    rooms = rooms.filter((each) => each.id !== room.id);
    remember(null, 'push');
    await closeRoom();
    byId('message').focus();
  } catch (problem) {
    byId('chat-error').textContent = problem.message;
  }
}
