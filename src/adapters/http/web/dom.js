/** The element with this id. */
export const byId = (id) => document.getElementById(id);

/** A new element with these properties and children. */
export function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** Asks in the page's dialog: resolves the field's text ('' without a field) on OK, null on Cancel or Escape. */
export function ask({ title, text = '', field = '', value = '', ok }) {
  const dialog = byId('ask');
  const input = byId('ask-input');
  byId('ask-title').textContent = title;
  byId('ask-text').textContent = text;
  byId('ask-label').textContent = field;
  byId('ask-label').hidden = input.hidden = !field;
  input.required = Boolean(field);
  input.value = value;
  byId('ask-ok').textContent = ok;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok' ? input.value : null), {
      once: true,
    });
  });
}

/** "4 h 12 min" from now to `time`. */
export function timeUntil(time) {
  const minutes = Math.max(1, Math.ceil((new Date(time).getTime() - Date.now()) / 60_000));
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}

/** "05:30", a time of day in the reader's zone. */
export function clockTime(time) {
  return new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
