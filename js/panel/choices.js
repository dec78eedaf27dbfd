// "Your choices": one switch per purpose and per data category, plus "Don't
// remember this visit". Each change goes through the core at once; a grant
// counts only inside the visitor's own gesture.
import { configText, gesture, h, newId } from './common.js';

/** One labelled switch with its one-line description. */
export function switchRow({ key, label, description, checked, disabled, onChange }) {
  const id = newId('switch');
  const descId = `${id}-d`;
  const input = h('input', {
    type: 'checkbox', role: 'switch', id, checked: !!checked, disabled: !!disabled,
    'aria-describedby': descId, 'data-focus': key, onchange: onChange,
  });
  return h('div', { class: 'switch' },
    input,
    h('label', { for: id }, label),
    h('p', { id: descId, class: 'desc' }, description));
}

function description(ctx, s, group, key) {
  const d = ctx.rt.config.panel && ctx.rt.config.panel.descriptions;
  return configText(ctx.rt, d && d[key]) || s[group][key][1];
}

export function renderChoices(ctx, s, state, actions) {
  const { consent } = state;
  const section = h('section', { 'aria-labelledby': 'tactful-choices' }, h('h3', { id: 'tactful-choices' }, s.choices));
  const purposes = ctx.rt.config.reporting ? ['personalization', 'aggregate'] : ['personalization'];
  for (const key of purposes) {
    section.append(switchRow({
      key: `purpose:${key}`,
      label: s.purposes[key][0],
      description: description(ctx, s, 'purposes', key),
      checked: consent.purposes[key],
      onChange: (e) => actions.consent({ purposes: { [key]: e.target.checked } }, gesture()),
    }));
  }
  const children = ctx.rt.config.site && ctx.rt.config.site.directedAtChildren;
  const group = h('fieldset', { class: 'group' }, h('legend', {}, s.categoryOffDeletes));
  for (const key of ['interests', 'purchases', 'location', 'occasions']) {
    group.append(switchRow({
      key: `category:${key}`,
      label: s.categories[key][0],
      description: description(ctx, s, 'categories', key),
      checked: consent.categories[key] && !children,
      disabled: children,
      onChange: (e) => actions.consent({ categories: { [key]: e.target.checked } }, gesture()),
    }));
  }
  section.append(group);
  section.append(switchRow({
    key: 'ephemeral',
    label: s.ephemeral[0],
    description: s.ephemeral[1],
    checked: state.ephemeral,
    onChange: (e) => actions.ephemeral(e.target.checked),
  }));
  return section;
}
