// The dialog shell: a modal <dialog> in its own shadow root. Focus moves in
// and stays in (Tab wraps), Escape closes, and focus returns to the launcher.
import { h, newId } from './common.js';

export const FOCUSABLE = 'a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex="-1"])';

export function createDialog(ctx, { title, closeLabel }) {
  const { el, root, ready } = ctx.host('tactful-panel');
  const titleId = newId('title');
  const body = h('div', { class: 'body' });
  const close = h('button', { type: 'button', class: 'icon', 'aria-label': closeLabel, title: closeLabel }, '×');
  // role="dialog" spelled out too: the role a <dialog> has implicitly, for
  // tools and tests that find dialogs by the attribute.
  const dialog = h('dialog', { class: 'panel', role: 'dialog', 'aria-labelledby': titleId, 'aria-modal': 'true' },
    h('div', { class: 'head' }, h('h2', { id: titleId }, title), close),
    body);
  root.append(dialog);
  ctx.doc.body.append(el);

  const focusables = () => [...dialog.querySelectorAll(FOCUSABLE)].filter((n) => n.getClientRects().length);
  // Focus goes back where it came from: the launcher, or the site's own
  // control that called tactful.panel.open() (if it is still there).
  let returnTo = null;
  function hide() {
    if (!dialog.open) return;
    dialog.close();
    const target = returnTo && returnTo.isConnected ? returnTo : ctx.launcher;
    returnTo = null;
    target.focus();
  }
  close.addEventListener('click', hide);
  dialog.addEventListener('cancel', (e) => {
    e.preventDefault();
    hide();
  });
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      hide();
    } else if (e.key === 'Tab') {
      const list = focusables();
      if (!list.length) return;
      const first = list[0];
      const last = list[list.length - 1];
      const active = root.activeElement;
      if (e.shiftKey && (active === first || !dialog.contains(active))) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (active === last || !dialog.contains(active))) {
        e.preventDefault();
        first.focus();
      }
    }
  });
  // A click on the backdrop (outside the sheet) closes, like Escape.
  dialog.addEventListener('click', (e) => {
    if (e.target !== dialog) return;
    const r = dialog.getBoundingClientRect();
    if (e.clientX < r.left || e.clientX > r.right || e.clientY < r.top || e.clientY > r.bottom) hide();
  });

  return {
    el,
    root,
    ready,
    body,
    dialog,
    isOpen: () => dialog.open,
    show() {
      if (!dialog.open) {
        returnTo = deepActiveElement(ctx.doc);
        // A script that replaced <body> (Turbo Drive, pjax) took the host with it.
        if (!el.isConnected) ctx.doc.body.append(el);
        dialog.showModal();
      }
      close.focus();
    },
    hide,
    /** Keeps the focused control focused across a re-render (by its data-focus key). */
    focusKey() {
      const a = root.activeElement;
      return a && a.getAttribute('data-focus');
    },
    /**
     * The keys to try after a re-render, in order: the control itself, then,
     * for a "Remove" whose item is gone, the next item's and the one before
     * (a keyboard user deleting a list goes on from where they were).
     */
    focusKeys() {
      const key = this.focusKey();
      if (!key || !key.startsWith('remove:')) return [key];
      const keys = [...root.querySelectorAll('[data-focus^="remove:"]')].map((el) => el.getAttribute('data-focus'));
      const at = keys.indexOf(key);
      return [key, keys[at + 1], keys[at - 1], 'pause'];
    },
    refocus(keys) {
      const list = (Array.isArray(keys) ? keys : [keys]).filter(Boolean);
      for (const key of list) {
        const target = root.querySelector(`[data-focus="${CSS.escape(key)}"]`);
        if (target) return target.focus();
      }
      if (list.length) close.focus();
    },
  };
}

// The focused element itself, inside any open shadow roots (the launcher's button, not its host).
function deepActiveElement(doc) {
  let a = doc.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a && a !== doc.body ? a : null;
}
