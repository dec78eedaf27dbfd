// The first-visit invitation: small, non-blocking, one sentence of value,
// "Yes, personalize" and "No thanks" equally prominent. Only the visitor's
// own click grants; "No thanks" is remembered (see shouldInvite in launcher.js).
import { INVITATION_KEY } from '../launcher.js';
import { change, configText, failure, gesture, h, newId, policyChanged, stringsFor } from './common.js';
import { FOCUSABLE } from './dialog.js';

export function invite(ctx) {
  const rt = ctx.rt;
  const s = stringsFor(rt);
  const cfg = rt.config.invitation || {};
  const { el, root } = ctx.host('tactful-invitation');
  el.setAttribute('data-position', ctx.launcherHost.getAttribute('data-position'));
  const titleId = newId('invite');
  const status = h('p', { class: 'status', role: 'status' });
  const consent = rt.call('consent.get');
  const changed = policyChanged(consent, rt.call('consent.receipts'));
  // Focus inside the invitation as it goes (a keyboard visitor's "No thanks",
  // or the confirmation after "Yes") goes back to where it was before it
  // entered the invitation; when it came from nowhere (the page's first Tab),
  // to the start of the page's content, where that Tab would have gone
  // without the invitation. Not to the launcher in the window's far corner.
  let cameFrom = null;
  el.addEventListener('focusin', (e) => {
    const from = e.relatedTarget;
    if (from && from !== el && !el.contains(from)) cameFrom = from === ctx.launcherHost ? ctx.launcher : from;
  });
  // What happened is said once the invitation is gone: a status region kept
  // beside the launcher, there (empty) before it is filled, so it is read.
  const said = h('p', { class: 'said', role: 'status' });
  ctx.launcher.getRootNode().append(said);
  let unkeep = () => {};
  const close = (saying) => {
    const focused = root.activeElement;
    ctx.doc.removeEventListener('tactful:consent', answeredElsewhere);
    ctx.doc.removeEventListener('keydown', escape);
    unkeep();
    el.remove();
    if (focused) returnFocus(ctx, cameFrom);
    if (saying) said.textContent = saying;
  };
  // Escape hides it for this page, answering nothing (it is asked again on the
  // next): a keyboard visitor uncovers a control it hides without moving focus
  // (WCAG 2.4.11). Not an Escape meant for an open dialog or popover.
  function escape(e) {
    if (e.key !== 'Escape' || e.defaultPrevented) return;
    if (e.composedPath().some((n) => n.matches && n.matches('dialog[open], :popover-open'))) return;
    close();
  }
  ctx.doc.addEventListener('keydown', escape);
  // Personalization turned on elsewhere (the panel, another tab): the
  // question is answered, so it goes. Our own "Yes" shows its confirmation first.
  let saidYes = false;
  function answeredElsewhere(e) {
    if (!saidYes && e.detail && e.detail.purposes && e.detail.purposes.personalization) close();
  }
  ctx.doc.addEventListener('tactful:consent', answeredElsewhere);

  const yes = h('button', { type: 'button', onclick: () => {
    saidYes = true;
    change(ctx, (r) => r.call('consent.set', { purposes: { personalization: true } }, { gesture: gesture() }))
      .then(() => {
        // The button that had focus is gone: the confirmation takes it, so it is read.
        const done = h('p', { tabindex: '-1' }, s.invite.done);
        box.replaceChildren(done);
        done.focus();
        setTimeout(close, 4000);
      }, (e) => {
        saidYes = false;
        status.textContent = failure(rt, e);
      });
  } }, s.invite.yes);
  const no = h('button', { type: 'button', onclick: () => {
    try {
      rt.win.localStorage.setItem(INVITATION_KEY, JSON.stringify({ at: new Date().toISOString(), policyVersion: consent.policyVersion }));
    } catch {
      /* not remembered: asked again next time */
    }
    close(s.invite.declined);
  } }, s.invite.no);
  const box = h('section', { class: 'invite', 'aria-labelledby': titleId },
    h('h2', { id: titleId, class: 'invite-title' }, configText(rt, cfg.title) || s.invite.label),
    changed ? h('p', { class: 'notice' }, `${s.policyChanged} ${configText(rt, rt.config.policyChanges)}`.trim()) : null,
    h('p', {}, configText(rt, cfg.text) || s.invite.text),
    h('div', { class: 'row even' }, yes, no),
    status);
  root.append(box);
  // First in the page's order, as a cookie banner is: the first Tab and the
  // start of a screen reader's reading reach it, not only after the whole page.
  // It takes no focus.
  ctx.doc.body.prepend(el);
  // A page that replaces <body> (Turbo Drive, pjax) keeps the question open.
  unkeep = ctx.keepFirst(el);
  return { shown: true };
}

// Focus to `from`, else to the page's first control, else to the launcher:
// the first of them that takes it (a control the site's CSS hides does not).
function returnFocus(ctx, from) {
  const page = [...ctx.doc.body.querySelectorAll(FOCUSABLE)].filter((n) => n.getClientRects().length);
  for (const n of [from, ...page, ctx.launcher]) {
    if (!n || !n.isConnected) continue;
    n.focus();
    if (n.getRootNode().activeElement === n) return;
  }
}
