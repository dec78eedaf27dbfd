// "Why this?" on a personalized slot: a popover with the core's explanation
// (tactful.explain) and "Don't use this", which turns off what the rule used:
// an interest becomes a dislike, a category is switched off, anything else
// is hidden here for a while (notNow). Then the page re-decides.
import { change, failure, h, interestLabel, newId, stringsFor } from './common.js';
import { FOCUSABLE } from './dialog.js';
import { deleteFromStored } from '../visit.js';

const CATEGORY_PATHS = ['purchases', 'occasions', 'location'];

/**
 * What "Don't use this" does for an explanation: {kind, id}. It turns off the
 * reason the sentence gives, so it looks in the sentence's order (an interest,
 * then a like, then a category) and never at a test that held by the
 * visitor NOT having something (`negated`): there is nothing of theirs to stop using.
 */
export function actionFor(used) {
  const held = (used || []).filter((u) => !u.negated && 'value' in u);
  const first = (test) => held.find((u) => test(u.path.split('.')[0], u.path));
  const interest = first((head, path) => head === 'interests' && path.includes('.'));
  if (interest) return { kind: 'interest', id: interest.path.slice(interest.path.indexOf('.') + 1) };
  const like = first((head) => head === 'likes');
  const liked = like && (like.matched || like.value || [])[0];
  if (liked) return { kind: 'interest', id: liked };
  for (const category of CATEGORY_PATHS) {
    if (first((head) => head === category)) return { kind: 'category', id: category };
  }
  return { kind: 'other' };
}

export function why(ctx, slotId, entry) {
  const rt = ctx.rt;
  const s = stringsFor(rt);
  rt.settle(slotId);
  const explained = rt.call('explain', { slot: slotId, lang: rt.lang });
  const action = explained.variant ? actionFor(explained.used) : null;
  const titleId = newId('why');
  const status = h('p', { class: 'status', role: 'status' });
  const what = action && (action.kind === 'interest' ? s.why.interest(interestLabel(rt, action.id))
    : action.kind === 'category' ? s.why.category(s.categories[action.id][0]) : s.why.other);
  const descId = newId('whyd');

  const dontUse = action && h('button', { type: 'button', 'aria-describedby': descId, onclick: () => {
    change(ctx, (r) => {
      if (action.kind === 'interest') r.call('profile.declare', { dislikes: [action.id] });
      else if (action.kind === 'category') deleteFromStored(r, () => r.call('consent.set', { categories: { [action.id]: false } }));
      else r.call('notNow', { slot: slotId });
    }).then(() => {
      status.textContent = s.why.done;
      dontUse.disabled = true;
      close.focus();
    }, (e) => { status.textContent = failure(rt, e); });
  } }, s.why.dontUse);
  const close = h('button', { type: 'button', class: 'secondary', onclick: () => pop.hidePopover() }, s.close);
  const pop = h('div', { class: 'pop', popover: 'auto', role: 'dialog', 'aria-labelledby': titleId },
    h('h2', { id: titleId, class: 'pop-title' }, s.why.title),
    h('p', {}, explained.sentence || explained.error || s.why.none),
    action ? h('p', { id: descId, class: 'desc' }, what) : null,
    h('div', { class: 'row' }, dontUse, close),
    status);
  // Its own host on <body>: a re-decision replaces the slot's children, and
  // the explanation must outlive that.
  ctx.whyPop ||= ctx.host('tactful-popover');
  // Also again when a script replaced <body> (Turbo Drive, pjax) and the host with it.
  if (!ctx.whyPop.el.isConnected) ctx.doc.body.append(ctx.whyPop.el);
  ctx.whyPop.root.querySelectorAll('.pop').forEach((old) => old.remove());
  ctx.whyPop.root.append(pop);

  pop.addEventListener('toggle', (e) => {
    const open = e.newState === 'open';
    entry.button.setAttribute('aria-expanded', String(open));
    if (!open) {
      const active = ctx.doc.activeElement;
      if (!active || active === ctx.doc.body || active === ctx.whyPop.el) returnFocus(ctx, slotId, entry);
      pop.remove();
    }
  });
  // Tab past its last control goes on from its button (the popover's source,
  // below), not to the end of the page; the popover then closes, so it does
  // not cover what now has focus. A click on its own text (no new focus) keeps it.
  pop.addEventListener('focusout', (e) => {
    if (e.relatedTarget && !pop.contains(e.relatedTarget) && pop.matches(':popover-open')) pop.hidePopover();
  });
  return ctx.whyPop.ready.then(() => place(rt, entry, pop, dontUse || close));
}

// Focus goes back to the button; when the slot went back to its default
// ("Don't use this"), the button went with it: focus stays in the slot, on
// its first control (else on the launcher), not at the top of the page.
function returnFocus(ctx, slotId, entry) {
  if (entry.el.isConnected) return entry.button.focus();
  const slot = ctx.rt.slots.get(slotId);
  const first = slot && [...slot.querySelectorAll(FOCUSABLE)].find((n) => n.getClientRects().length);
  (first || ctx.launcher).focus();
}

// Placed by its button, kept on screen (the popover is in the top layer and
// fixed: what falls below the window could never be scrolled to): below the
// button, or above it when it does not fit below, or else as low as fits.
function place(rt, entry, pop, first) {
  const b = entry.button.getBoundingClientRect();
  const { clientWidth: vw, clientHeight: vh } = rt.doc.documentElement;
  const width = Math.min(320, vw - 16);
  pop.style.width = `${width}px`;
  pop.style.top = '8px';
  pop.style.left = `${Math.round(Math.max(8, Math.min(b.right - width, vw - width - 8)))}px`;
  pop.showPopover({ source: entry.button });
  const height = pop.offsetHeight;
  const top = b.bottom + 6 + height <= vh - 8 ? b.bottom + 6
    : b.top - 6 - height >= 8 ? b.top - 6 - height
      : Math.max(8, vh - 8 - height);
  pop.style.top = `${Math.round(top)}px`;
  first.focus();
  return { open: true };
}
