// Slots on the page: find them, hand their templates to the core for its
// checks, and apply decisions. Profile values only ever become text nodes.
const defaults = new WeakMap();

const SLOT = '[data-tactful-slot]';

// Elements a variant must not replace the children of: the document's own
// structure (all of it would go), form fields (their text is a value the
// form submits, and nothing is filled from the profile), and elements whose
// text is code or inert. The slot shows its default instead.
const UNFIT = 'html, head, head *, body, script, style, template, textarea, select, select *, datalist, datalist *, input, title';

/**
 * The slots under `roots` (the document, and shadow roots handed to
 * observe()) by id. Markup that cannot be a slot of its own (no id, an id
 * used before, or inside another slot, whose decision would replace it)
 * shows its default content at once, and `problems` gets one line for each.
 * Elements in `skip` are left out, as if not there.
 */
export function findSlots(roots, problems = [], skip = new Set()) {
  const elements = [].concat(roots).flatMap((root) => [...root.querySelectorAll(SLOT)]);
  return claimSlots(elements.filter((el) => !skip.has(el)), new Map(), problems);
}

/**
 * The slot elements `elements`, sorted as findSlots sorts them and
 * added to `slots` (id -> element); an id whose element left the page is
 * taken by the new one (a component rendered again). Returns the ones taken.
 */
export function claimSlots(elements, slots, problems) {
  const taken = new Map();
  for (const el of elements) {
    const id = el.getAttribute('data-tactful-slot');
    let outer = el.parentElement && el.parentElement.closest(SLOT);
    // A slot on <body> is refused, not one that holds the page's other slots.
    while (outer && outer.matches(UNFIT)) outer = outer.parentElement && outer.parentElement.closest(SLOT);
    const held = slots.get(id);
    if (!id) problems.push('an element has data-tactful-slot without an id');
    else if (outer) problems.push(`slot "${id}" is inside slot "${outer.getAttribute('data-tactful-slot')}", which a decision would replace`);
    else if (el.matches(UNFIT)) problems.push(`slot "${id}" is on <${el.localName}>, which cannot show a variant (not html, head, body, a form field, script, style or template)`);
    else if (taken.has(id) || (held && held !== el && held.isConnected)) problems.push(`slot "${id}" appears more than once; only the first is personalized`);
    else {
      taken.set(id, el);
      slots.set(id, el);
      continue;
    }
    // One that showed a variant (the old route's copy of a slot carried
    // through a navigation, still on the page) shows its own content again.
    if (el.hasAttribute('data-tactful-variant')) restoreDefault(el);
    el.setAttribute('data-tactful-decided', 'default');
  }
  return taken;
}

/**
 * Page-authored `<template id>` elements, as text the core checks for
 * recitation. For an id used twice, the first: the one render() shows
 * (getElementById), so the template checked is the template shown.
 */
export function collectTemplates(doc) {
  // No prototype: a template named "constructor" or "__proto__" is one like any other.
  const out = Object.create(null);
  for (const t of doc.querySelectorAll('template[id]')) if (!(t.id in out)) out[t.id] = t.innerHTML;
  return out;
}

/**
 * Applies a decision to each slot. A slot whose default the visitor has
 * already seen (the CSS deadline revealed it) keeps it unless `allowSwap`
 * (a re-decision the visitor caused). Slot markup a variant brought (a
 * template holding a slot) shows its default, and `problems` says so.
 * Returns [{id, variant}] as shown.
 */
export function applyDecisions(doc, slots, decision, { allowSwap = false, problems = [] } = {}) {
  const shown = [];
  const decisions = (decision.slots || []).filter((d) => slots.has(d.id));
  const elements = decisions.map((d) => slots.get(d.id));
  // Which slots the visitor already sees, read for all slots before any is
  // changed: one style computation, not one per slot after each change.
  // A slot that kept its default because its decision came late keeps it for
  // this page view, unless the visitor's own action re-decides (`allowSwap`).
  const lateness = decisions.map((d, i) => (d.variant ?? null) !== null && !allowSwap &&
    (d.late || elements[i].getAttribute('data-tactful-decided') === 'late' ||
      (!elements[i].hasAttribute('data-tactful-decided') && isRevealed(elements[i]))));
  decisions.forEach((d, i) => {
    const el = elements[i];
    const late = lateness[i];
    let variant = late ? null : d.variant ?? null;
    const content = variant ? render(doc, d) : null;
    if (variant && !content) variant = null;
    const current = el.getAttribute('data-tactful-variant');
    if (!content) {
      if (current) restoreDefault(el);
    } else if (current !== variant) {
      keepDefault(el);
      // Refused here, not left to the slot observer: it does not run yet at
      // the first decision, and the slot would stay hidden until the deadline.
      // Only the content just applied is searched, a template's few nodes.
      const inner = content.querySelectorAll(SLOT);
      el.replaceChildren(content);
      if (inner.length) claimSlots(inner, new Map(), problems);
    }
    if (variant) el.setAttribute('data-tactful-variant', variant);
    el.setAttribute('data-tactful-decided', late ? 'late' : variant ? 'personalized' : 'default');
    shown.push({ id: d.id, variant, late });
  });
  return shown;
}

// The page's own default nodes are kept aside as they are (a copy would
// load its images again); they come back as copies.
function keepDefault(el) {
  if (!defaults.has(el)) defaults.set(el, Array.from(el.childNodes));
}

function restoreDefault(el) {
  keepDefault(el);
  el.replaceChildren(...defaults.get(el).map((n) => n.cloneNode(true)));
  el.removeAttribute('data-tactful-variant');
}

/** Shows every slot's default content now (the module could not decide). */
export function revealDefaults(slots) {
  for (const el of slots.values()) {
    if (!el.hasAttribute('data-tactful-decided')) el.setAttribute('data-tactful-decided', 'default');
  }
}

// tactful.css's own deadline when the site sets no --tactful-deadline.
const STYLESHEET_DEADLINE_MS = 150;

/**
 * Lengthens the slot deadline to the config's `deadlineMs` (the config
 * arrived: call at once). The stylesheet's deadline holds even if no script
 * runs, so it is the floor: the config only lengthens it, and only while no
 * undecided slot has been revealed yet. Later, a longer deadline would hide
 * again a default the visitor already sees. The variable is set on the root
 * element through the CSSOM, which a style-src 'self' policy allows; slots
 * not parsed yet inherit it. Returns whether the deadline was lengthened.
 */
export function extendDeadline(doc, ms) {
  const root = doc.documentElement;
  const view = doc.defaultView;
  if (!root || !view || !Number.isInteger(ms) || ms > 10000) return false;
  if (ms <= cssTime(view.getComputedStyle(root).getPropertyValue('--tactful-deadline'), STYLESHEET_DEADLINE_MS)) return false;
  // Read and set in one task: no frame can show a slot in between.
  for (const el of doc.querySelectorAll('[data-tactful-slot]:not([data-tactful-decided])')) {
    if (isRevealed(el)) return false;
  }
  root.style.setProperty('--tactful-deadline', `${ms}ms`);
  return true;
}

// A CSS <time> ("300ms", "0.3s") in milliseconds, or `fallback` when unset or unreadable.
function cssTime(value, fallback) {
  const m = /^\s*(\d+(?:\.\d+)?)(ms|s)\s*$/i.exec(value || '');
  if (!m) return fallback;
  return Number(m[1]) * (m[2].toLowerCase() === 's' ? 1000 : 1);
}

// Revealed by the deadline: tactful.css's rule applies and its animation has
// made the slot visible. Visible without that rule means the stylesheet has
// not arrived yet (async scripts do not wait for it), and a stylesheet in the
// head lets nothing paint before it does: the visitor has seen nothing.
function isRevealed(el) {
  const view = el.ownerDocument.defaultView;
  if (!view) return false;
  const style = view.getComputedStyle(el);
  return style.visibility === 'visible' && style.animationName.split(',').some((n) => n.trim() === 'tactful-reveal');
}

function render(doc, d) {
  if (d.template) {
    const t = doc.getElementById(d.template);
    if (!(t instanceof HTMLTemplateElement)) return null;
    const frag = t.content.cloneNode(true);
    fillText(doc, frag, d.fill || {});
    return frag;
  }
  if (d.content && typeof d.content === 'object') return renderContent(doc, d.content, d.fill || {});
  return null;
}

// Placeholders ({{name}}) are replaced inside text nodes only, so a value can
// never become markup, an attribute or a form field's value.
function fillText(doc, root, fill) {
  const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    // Most text nodes hold no placeholder: test that before walking up the tree.
    if (!node.data.includes('{{')) continue;
    if (node.parentElement && node.parentElement.closest('textarea,select,option')) continue;
    node.data = substitute(node.data, fill);
  }
}

function substitute(text, fill) {
  return text.replace(/\{\{\s*([a-zA-Z]+)\s*\}\}/g, (_, name) => (typeof fill[name] === 'string' ? fill[name] : ''));
}

function renderContent(doc, c, fill) {
  const box = doc.createElement('div');
  box.className = 'tactful-content';
  const add = (tag, text, cls) => {
    if (typeof text !== 'string' || !text) return null;
    const el = doc.createElement(tag);
    el.className = cls;
    el.textContent = substitute(text, fill);
    box.append(el);
    return el;
  };
  if (typeof c.image === 'string' && safeUrl(c.image)) {
    const img = doc.createElement('img');
    img.src = c.image;
    img.alt = typeof c.alt === 'string' ? substitute(c.alt, fill) : ''; // a property: text, never markup
    img.className = 'tactful-image';
    box.append(img);
  }
  add('h2', c.title, 'tactful-title');
  add('p', c.text, 'tactful-text');
  const cta = add('a', c.cta, 'tactful-cta');
  if (cta) cta.href = typeof c.href === 'string' && safeUrl(c.href) ? c.href : '#';
  return box;
}

// http(s), or a path on this origin. The URL parser drops tabs and newlines
// and reads a backslash as '/': "/\host" and "/<tab>/host" would be //host, another
// origin. wasm/src/decide.cpp (page_uses_address) refuses the same in lint.
function safeUrl(url) {
  if (/^https?:\/\//i.test(url)) return true;
  if (/[\t\n\r\\]/.test(url) || url.startsWith('//')) return false;
  return /^(\/|\.\.?\/)/.test(url) || /^[\w\-./?=&#%]+$/.test(url) && !url.includes(':');
}
