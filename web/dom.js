// Small helpers for building the page without a framework. Text is always
// set as text, never parsed as HTML, so names and notes typed by people
// cannot inject markup.

// h('button', {class: 'btn', onclick: fn, 'aria-label': 'x'}, 'text', child)
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') {
        el.addEventListener(k.slice(2), v);
      } else if (k === 'class') {
        el.className = v;
      } else if (k === 'dataset') {
        Object.assign(el.dataset, v);
      } else if (k === 'value' || k === 'checked' || k === 'selected' ||
                 k === 'disabled' || k === 'multiple' || k === 'required') {
        el[k] = v;
      } else if (v === true) {
        el.setAttribute(k, '');
      } else {
        el.setAttribute(k, String(v));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

let idSeq = 0;
export function uid(prefix = 'f') {
  idSeq += 1;
  return `${prefix}-${idSeq}`;
}

// A labelled form field: the label is tied to the control for screen
// readers and for a bigger tap target on phones.
export function field(label, control, hint) {
  if (!control.id) control.id = uid('fld');
  let hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: uid('hint') }, hint);
    control.setAttribute('aria-describedby', hintEl.id);
  }
  return h('div', { class: 'field' },
    h('label', { for: control.id }, label), control, hintEl);
}

// A short-lived message in the live region, read out by screen readers.
export function toast(message, kind = 'info') {
  const region = document.getElementById('toasts');
  if (!region) return;
  const item = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
  region.append(item);
  while (region.children.length > 3) region.firstChild.remove();
  setTimeout(() => item.remove(), kind === 'error' ? 8000 : 4500);
}

export function clearToasts() {
  const region = document.getElementById('toasts');
  if (region) clear(region);
}

// An inline error box for a form; empty text hides it.
export function errorBox() {
  const box = h('div', { class: 'form-error', role: 'alert', hidden: true });
  box.show = (msg) => {
    box.textContent = msg || '';
    box.hidden = !msg;
  };
  return box;
}
