// The only privacy UI on the critical bundle, kept tiny: the "Privacy
// settings" launcher, a "Why this?" button on each personalized slot, and the
// check whether to invite a first-time visitor. Everything they open lives in
// the lazily loaded panel (dist/tactful-panel.js + tactful-panel.css). Their
// look is tactful-launcher.css, fetched after the slots are decided.
import { loadWithin } from './load.js';

const LABEL = { en: 'Privacy settings', es: 'Ajustes de privacidad' };
const WHY = { en: 'Why this?', es: '¿Por qué esto?' };
export const INVITATION_KEY = 'tactful:invitation';

export function installLauncher(rt, { base, nonce, emit, redecide }) {
  const doc = rt.doc;
  const panelConfig = (rt.config && rt.config.panel) || {};
  const text = (v, fallback) => (v && typeof v === 'object' ? v[rt.lang] || v.en : typeof v === 'string' ? v : '') || fallback;
  const ctx = { rt, base, emit, redecide, doc, host };
  let loading = null;

  // A custom element name keeps the site's element selectors off our host;
  // the shadow root keeps its CSS out, and ours in. The launcher and "Why
  // this?" buttons need only the shared sheet; the panel's parts (`panel`)
  // add its own, so no panel file is fetched before the panel is used.
  function host(name, { panel = true } = {}) {
    const el = doc.createElement(name);
    // Unseen until every sheet is in: before any, by this inline style; once
    // tactful-launcher.css is in (its `all: initial` on :host overrides the
    // inline style), by its rule for data-loading. A host shown between two
    // sheets would sit in the page's flow, at the start of <body> for the
    // invitation, and push the page down and back (a layout shift).
    el.style.display = 'none';
    el.setAttribute('data-loading', '');
    el.lang = rt.lang; // read aloud in the panel's language, whatever the page's
    const root = el.attachShadow({ mode: 'open' });
    const sheets = panel ? ['tactful-launcher.css', 'tactful-panel.css'] : ['tactful-launcher.css'];
    // Shown once styled (or, if a sheet fails, unstyled but usable).
    const ready = Promise.all(sheets.map((file) => new Promise((resolve) => {
      const link = doc.createElement('link');
      link.rel = 'stylesheet';
      if (nonce) link.nonce = nonce;
      link.href = new URL(file, base).href;
      link.onload = link.onerror = resolve;
      root.append(link);
    }))).then(() => {
      el.style.removeProperty('display');
      el.removeAttribute('data-loading');
    });
    return { el, root, ready };
  }

  function loadPanel() {
    const src = new URL('tactful-panel.js', base).href;
    // As for the config and the wasm: a script that never answers is given up.
    loading ||= loadWithin(`tactful: the panel script ${src}`, () => new Promise((resolve, reject) => {
      const s = doc.createElement('script');
      try {
        s.src = trustedScriptUrl(rt.win, src);
      } catch {
        throw new Error(`tactful: Trusted Types: the page's trusted-types directive must allow the policy "tactful" (to load ${src})`);
      }
      if (nonce) s.nonce = nonce;
      s.async = true;
      s.onload = () => {
        const panel = rt.win.tactful && rt.win.tactful.__panel;
        if (panel) resolve(panel);
        else reject(new Error('tactful: the panel script did not register'));
      };
      s.onerror = () => reject(new Error(`tactful: the panel script ${src} could not be loaded`));
      doc.head.append(s);
    }));
    loading.catch(() => { loading = null; });
    return loading;
  }
  const withPanel = (fn) => loadPanel().then(fn, (e) => {
    console.error(e.message);
    throw e;
  });

  const launcher = host('tactful-launcher', { panel: false });
  launcher.el.setAttribute('data-position', panelConfig.position === 'bottom-left' ? 'bottom-left' : 'bottom-right');
  const button = doc.createElement('button');
  button.type = 'button';
  button.className = 'launcher';
  button.setAttribute('aria-haspopup', 'dialog');
  button.textContent = text(panelConfig.label, LABEL[rt.lang] || LABEL.en);
  launcher.root.append(button);
  doc.body.append(launcher.el);
  keepOnPage(doc, launcher.el);
  // The invitation too, first in <body>, until it goes (the returned function).
  ctx.keepFirst = (el) => keepOnPage(doc, el, { first: true });
  ctx.launcher = button;
  ctx.launcherHost = launcher.el;
  keepUncovered(doc, launcher.el);

  rt.openPanel = () => withPanel((p) => p.open(ctx));
  button.addEventListener('click', () => { rt.openPanel().catch(() => {}); });

  // "Why this?" on every personalized slot, re-checked after each decision.
  const whyHosts = new Map();
  function placeWhy() {
    for (const { id, variant } of rt.lastShown) {
      const slot = rt.slots.get(id);
      let entry = whyHosts.get(id);
      if (!variant || !slot) {
        if (entry) entry.el.remove();
        continue;
      }
      if (!entry) {
        entry = host('tactful-why', { panel: false });
        entry.el.setAttribute('data-hold', '');
        const b = doc.createElement('button');
        b.type = 'button';
        b.className = 'why';
        b.textContent = WHY[rt.lang] || WHY.en;
        b.setAttribute('aria-expanded', 'false');
        b.addEventListener('click', () => withPanel((p) => p.why(ctx, id, entry)).catch(() => {}));
        entry.root.append(b);
        entry.button = b;
        whyHosts.set(id, entry);
      }
      if (entry.el.parentNode !== slot) slot.prepend(entry.el);
      entry.ready.then(() => alignWhy(slot, entry));
    }
  }
  // Absolutely positioned at its static place (tactful-launcher.css): takes
  // no space in the slot; moved to the slot's top end corner.
  function alignWhy(slot, entry) {
    const s = entry.el.style;
    s.removeProperty('--tactful-why-top');
    s.removeProperty('--tactful-why-left');
    requestAnimationFrame(() => {
      const b = entry.button.getBoundingClientRect();
      const box = slot.getBoundingClientRect();
      const at = entry.el.getBoundingClientRect();
      const rtl = rt.win.getComputedStyle(slot).direction === 'rtl';
      const top = box.top - at.top + Math.max(4, Math.min(8, (box.height - b.height) / 2));
      const left = rtl ? box.left - at.left + 8 : box.right - at.left - b.width - 8;
      s.setProperty('--tactful-why-top', `${Math.round(top)}px`);
      s.setProperty('--tactful-why-left', `${Math.round(left)}px`);
      entry.el.removeAttribute('data-hold');
    });
  }
  ctx.placeWhy = placeWhy;
  doc.addEventListener('tactful:decision', placeWhy);
  rt.win.addEventListener('resize', () => whyHosts.forEach((e, id) => rt.slots.get(id) && alignWhy(rt.slots.get(id), e)));
  placeWhy();

  if (shouldInvite(rt)) withPanel((p) => p.invite(ctx)).catch(() => {});
}

/**
 * A page control that has keyboard focus is never hidden behind the launcher
 * (WCAG 2.4.11): the launcher moves to the other bottom corner, or, when it
 * would cover the control (or the first-visit invitation) there too, is
 * hidden until focus moves on. It is fixed: nothing on the page shifts.
 */
function keepUncovered(doc, el) {
  const apart = (a, b) => a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
  function check() {
    const focused = doc.activeElement;
    const was = el.getAttribute('data-avoid');
    if (!was && (!focused || focused === doc.body)) return;
    el.removeAttribute('data-avoid');
    if (!focused || focused === doc.body || focused.localName.startsWith('tactful-')) return;
    const f = focused.getBoundingClientRect();
    const at = el.getBoundingClientRect();
    const { clientWidth: width, clientHeight: height } = doc.documentElement;
    // A region that fills most of the window (a <main tabindex=-1> a skip
    // link focuses) is not hidden by a button in its corner: nothing to move.
    const seen = (Math.min(f.right, width) - Math.max(f.left, 0)) * (Math.min(f.bottom, height) - Math.max(f.top, 0));
    if (apart(f, at) || seen > (width * height) / 2) return;
    const other = { left: width - at.right, right: width - at.left, top: at.top, bottom: at.bottom };
    const invitation = doc.querySelector('tactful-invitation');
    const blocked = !apart(f, other) || (invitation && !apart(invitation.getBoundingClientRect(), other));
    el.setAttribute('data-avoid', blocked ? 'hide' : 'swap');
  }
  doc.addEventListener('focusin', check);
  doc.addEventListener('focusout', (e) => { if (!e.relatedTarget) check(); });
  // A focused control that scrolls, or a window resized, under the launcher.
  doc.addEventListener('scroll', check, { capture: true, passive: true });
  doc.defaultView.addEventListener('resize', check);
}

/**
 * Puts `el` back at the end of <body> (at its start if `first`) when a
 * script replaces <body> or all its children (Turbo Drive, pjax, a framework
 * that renders into <body>): the visitor's way to the privacy settings stays
 * on every page. Only <html>'s and <body>'s own children are watched, not
 * the whole tree. Returns the function that stops it.
 */
function keepOnPage(doc, el, { first = false } = {}) {
  let watched = null;
  const observer = new MutationObserver(() => {
    if (!doc.body) return;
    if (!el.isConnected) {
      if (first) doc.body.prepend(el);
      else doc.body.append(el);
    }
    watch();
  });
  const watch = () => {
    if (doc.body === watched) return;
    watched = doc.body;
    observer.observe(doc.body, { childList: true });
  };
  observer.observe(doc.documentElement, { childList: true });
  watch();
  return () => observer.disconnect();
}

/**
 * Whether to offer personalization, as the core rules it (should_invite):
 * the page only keeps the visitor's "No thanks", which is not a consent
 * record (declining stores nothing in the visitor's profile).
 */
export function shouldInvite(rt) {
  return rt.call('invitation', dismissal(rt)).due === true;
}

/**
 * The visitor's "No thanks" as the core takes it ({dismissedAt: ms,
 * dismissedPolicyVersion}, or {} when there is none): for the invitation, and
 * for the export, which shows it with everything else kept about them.
 */
export function dismissal(rt) {
  let dismissed = null;
  try {
    dismissed = JSON.parse(rt.win.localStorage.getItem(INVITATION_KEY));
  } catch {
    /* unreadable: as if never dismissed */
  }
  const at = dismissed && Date.parse(dismissed.at);
  return Number.isFinite(at) ? { dismissedAt: at, dismissedPolicyVersion: String(dismissed.policyVersion) } : {};
}

// A page enforcing Trusted Types (require-trusted-types-for 'script') refuses
// a plain string as a script's URL. The panel's URL, which only this module
// builds, passes through our own policy "tactful"; the page's trusted-types
// directive, if it has one, must name it. Where the policy cannot be made,
// the plain URL is used: fine unless Trusted Types are enforced.
let scriptPolicy;
function trustedScriptUrl(win, url) {
  try {
    scriptPolicy ||= win.trustedTypes && win.trustedTypes.createPolicy('tactful', { createScriptURL: (u) => u });
  } catch {
    /* not allowed by the page's trusted-types directive */
  }
  return scriptPolicy ? scriptPolicy.createScriptURL(url) : url;
}
