// What every part of the panel shares: the visitor's strings, a tiny DOM
// builder (profile data only ever becomes text), and one way to apply a change.
import en from './i18n/en.js';
import es from './i18n/es.js';

const LANGS = { en, es };

export function stringsFor(rt) {
  return LANGS[rt.lang] || en;
}

/**
 * What the visitor reads when a change fails, in their language: a refusal
 * of the core by its stable code (err.code, i18n `refused`), anything else
 * one plain sentence. The English message, for the site's developer, goes
 * to the console.
 */
export function failure(rt, e) {
  const s = stringsFor(rt);
  const code = e && typeof e.code === 'string' ? e.code : '';
  if (code && Object.hasOwn(s.refused, code)) return s.refused[code];
  rt.say(String((e && e.message) || e).replace(/^tactful: /, ''));
  return s.failed;
}

/** A config text in the visitor's language: a string or {en, es}. */
export function configText(rt, value) {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') return value[rt.lang] || value.en || '';
  return '';
}

/** h('p', {class: 'x'}, 'text', child): attributes set as attributes, children as text or nodes. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v == null) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

let uid = 0;
export const newId = (p) => `tactful-${p}-${++uid}`;

/** Whether this event runs inside the visitor's own activation: the only time a grant counts. */
export function gesture(win = window) {
  return win.navigator.userActivation ? win.navigator.userActivation.isActive === true : false;
}

/**
 * Runs fn(rt) as one transaction, re-decides the page's slots, and tells the
 * page when consent changed. Resolves to fn's result; rejects with its error.
 */
export async function change(ctx, fn) {
  const { rt } = ctx;
  const before = JSON.stringify(rt.call('consent.get'));
  const out = await rt.transaction(() => {
    const result = fn(rt);
    rt.decide({ allowSwap: true });
    return result;
  });
  const after = rt.call('consent.get');
  if (JSON.stringify(after) !== before) ctx.emit('consent', after);
  return out;
}

export function formatDate(rt, value) {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return new Intl.DateTimeFormat(rt.lang, { dateStyle: 'medium', timeZone: /^\d{4}-\d\d-\d\d$/.test(value) ? 'UTC' : undefined }).format(d);
}

export function monthName(rt, m) {
  return new Intl.DateTimeFormat(rt.lang, { month: 'long', timeZone: 'UTC' }).format(Date.UTC(2000, m - 1, 1));
}

/** The taxonomy's label in the visitor's language for an interest, or a purchase category of the same id; else the id. */
export function interestLabel(rt, id) {
  const found = ((rt.config && rt.config.taxonomy) || []).find((t) => t.id === id);
  return (found && configText(rt, found.label)) || id;
}

/** The visitor chose under an older policy version and has not chosen again since. */
export function policyChanged(consent, receipts) {
  const chosen = receipts.filter((r) => r.source === 'visitor' || r.source === 'site');
  const last = chosen[chosen.length - 1];
  return !!last && last.policyVersion !== consent.policyVersion;
}
