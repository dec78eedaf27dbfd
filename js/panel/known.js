// "What we know about you": every stored item, grouped by category, with how
// and when it was learned and when it expires; delete any one; edit what the
// visitor declared; pause personalization.
import { configText, formatDate, gesture, h, interestLabel, monthName } from './common.js';

const CATEGORIES = ['interests', 'purchases', 'location', 'occasions'];

export function describeItem(ctx, s, item) {
  const rt = ctx.rt;
  const fmt = s.item[item.kind];
  const text = fmt
    ? fmt(item.value, (id) => interestLabel(rt, id), (d) => formatDate(rt, d), (m) => monthName(rt, m))
    : `${item.kind}: ${JSON.stringify(item.value)}`;
  return text;
}

export function renderKnown(ctx, s, state, actions) {
  const rt = ctx.rt;
  const { consent, view } = state;
  const section = h('section', { 'aria-labelledby': 'tactful-know' }, h('h3', { id: 'tactful-know' }, s.know));
  const on = consent.purposes.personalization;
  // "Paused" and "Resume" only make sense if it was ever on.
  const wasOn = !on && everOn(state);
  if (!on) section.append(h('p', { class: 'note' }, wasOn ? s.paused : s.off));
  section.append(h('button', {
    type: 'button', class: 'secondary', 'data-focus': 'pause',
    onclick: () => actions.consent({ purposes: { personalization: !on } }, gesture()),
  }, on ? s.pause : wasOn ? s.resume : s.turnOn));

  for (const cat of CATEGORIES) {
    const items = view[cat] || [];
    const list = h('ul', { class: 'items' });
    for (const item of items) {
      const what = describeItem(ctx, s, item);
      const p = item.provenance || {};
      const learned = `${s.learned[p.source] || p.source || ''}${p.at ? ` ${s.on(formatDate(rt, p.at))}` : ''}.`;
      list.append(deletableRow(s, actions, item.id, what,
        `${learned} ${item.expires ? s.expires(formatDate(rt, item.expires)) : ''}`,
        item.use ? s.use[item.kind] || item.use : null));
    }
    if (!items.length) list.append(h('li', { class: 'empty' }, s.nothing));
    section.append(h('h4', {}, s.categories[cat][0]), list);
  }
  section.append(renderSuggestions(ctx, s, state.decisions, actions), renderPreferences(ctx, s, state, actions));
  return section;
}

// What deciding keeps: each "not now" (deletable like any item), how often
// capped suggestions were shown, and the random id behind experiments.
function renderSuggestions(ctx, s, decisions, actions) {
  const d = decisions || { notNow: [], shown: [] };
  const list = h('ul', { class: 'items' });
  for (const n of d.notNow) list.append(deletableRow(s, actions, n.id, s.notNow(slotName(ctx.rt, n.slot)), s.expires(formatDate(ctx.rt, n.expires))));
  const shown = d.shown.reduce((sum, x) => sum + x.count, 0);
  if (shown) list.append(h('li', {}, h('p', { class: 'desc' }, s.shownCount(shown))));
  list.append(h('li', {}, h('p', { class: 'desc' }, s.bucket)));
  return h('div', {}, h('h4', {}, s.suggestions), list);
}

// What the site calls a slot (its config's label), else its id.
function slotName(rt, id) {
  const slot = (rt.config.slots || []).find((x) => x && x.id === id);
  return configText(rt, slot && slot.label) || id;
}

// One stored thing the visitor can delete: what it is, its details (lines of
// text, or null), and its Delete button (focus kept by `remove:<id>`).
function deletableRow(s, actions, id, what, ...details) {
  return h('li', {},
    h('div', {}, h('p', { class: 'what' }, what), ...details.map((d) => (d ? h('p', { class: 'desc' }, d) : null))),
    h('button', {
      type: 'button', class: 'small', 'data-focus': `remove:${id}`, 'aria-label': s.remove(what),
      onclick: () => actions.remove(id, what),
    }, s.removeShort));
}

// Personalization was on at some point: a receipt says so, or items are
// stored (nothing is stored without it).
function everOn({ receipts, view }) {
  if ((receipts || []).some((r) => r.choices && r.choices.purposes && r.choices.purposes.personalization === true)) return true;
  return CATEGORIES.some((cat) => (view[cat] || []).length > 0);
}

// Likes and dislikes per interest of the site's taxonomy, birthday month and
// country, saved together: what changed is declared, what was cleared removed.
function renderPreferences(ctx, s, state, actions) {
  const rt = ctx.rt;
  const { consent, view } = state;
  const usable = (cat) => consent.purposes.personalization && consent.categories[cat];
  // A Map: an interest may be named "constructor" or "__proto__", which a
  // plain object would answer from Object.prototype.
  const current = new Map();
  for (const item of view.interests || []) {
    if (item.kind === 'like' || item.kind === 'dislike') current.set(item.value, item.kind);
  }
  const month = (view.occasions || []).find((i) => i.kind === 'birthday-month');
  const place = (view.location || []).find((i) => i.kind === 'location');
  const form = h('form', { class: 'prefs', 'aria-labelledby': 'tactful-prefs' }, h('h4', { id: 'tactful-prefs' }, s.prefs));

  const selects = [];
  // A sensitive interest is never stored: offering it would only be refused.
  for (const t of (rt.config.taxonomy || []).filter((x) => !x.sensitive)) {
    const id = `tactful-pref-${t.id}`;
    const select = h('select', { id, disabled: !usable('interests'), 'data-focus': `pref:${t.id}` },
      h('option', { value: '' }, s.prefNone),
      h('option', { value: 'like' }, s.prefLike),
      h('option', { value: 'dislike' }, s.prefDislike));
    select.value = current.get(t.id) || '';
    selects.push([t.id, select]);
    form.append(h('div', { class: 'field' }, h('label', { for: id }, interestLabel(rt, t.id)), select));
  }
  if (!usable('interests')) form.append(h('p', { class: 'desc' }, s.needs(s.categories.interests[0])));

  const birthday = h('select', { id: 'tactful-birthday', disabled: !usable('occasions'), 'data-focus': 'birthday' },
    h('option', { value: '' }, s.notSet),
    ...Array.from({ length: 12 }, (_, i) => h('option', { value: String(i + 1) }, monthName(rt, i + 1))));
  birthday.value = month ? String(month.value) : '';
  form.append(h('div', { class: 'field' }, h('label', { for: 'tactful-birthday' }, s.birthday), birthday));
  if (!usable('occasions')) form.append(h('p', { class: 'desc' }, s.needs(s.categories.occasions[0])));

  const refused = state.invalid && state.invalid.field === 'country' ? state.invalid : null;
  const country = h('input', {
    id: 'tactful-country', type: 'text', maxlength: '2', autocomplete: 'country', pattern: '[A-Za-z]{2}',
    disabled: !usable('location'), 'data-focus': 'country',
    'aria-invalid': refused ? 'true' : null, 'aria-describedby': refused ? 'tactful-country-error' : null,
  });
  country.value = refused ? refused.value : place ? place.value.country : '';
  form.append(h('div', { class: 'field' }, h('label', { for: 'tactful-country' }, s.country), country));
  if (refused) form.append(h('p', { id: 'tactful-country-error', class: 'error' }, refused.message));
  if (!usable('location')) form.append(h('p', { class: 'desc' }, s.needs(s.categories.location[0])));

  form.append(h('button', { type: 'submit', 'data-focus': 'save' }, s.save));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const declare = {};
    const removals = [];
    const likes = [];
    const dislikes = [];
    for (const [id, select] of selects) {
      if (select.disabled || select.value === (current.get(id) || '')) continue;
      if (select.value === 'like') likes.push(id);
      else if (select.value === 'dislike') dislikes.push(id);
      else removals.push(`${current.get(id)}:${id}`);
    }
    if (likes.length) declare.likes = likes;
    if (dislikes.length) declare.dislikes = dislikes;
    if (!birthday.disabled && birthday.value !== (month ? String(month.value) : '')) {
      if (birthday.value) declare.occasions = { birthdayMonth: Number(birthday.value) };
      else removals.push('birthdayMonth');
    }
    const cc = country.value.trim().toUpperCase();
    if (!country.disabled && cc !== (place ? place.value.country : '')) {
      if (cc) declare.location = { country: cc };
      else removals.push('location');
    }
    actions.declare(declare, removals);
  });
  return form;
}
