// "What leaves this browser": in plain words what the aggregate purpose
// sends, how often, and the privacy budget (ε) spent in the current window.
import { h } from './common.js';

function list(items, and) {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} ${and} ${items[items.length - 1]}`;
}

export function renderLeaves(ctx, s, state) {
  const reporting = ctx.rt.config.reporting;
  if (!reporting) return null;
  const section = h('section', { 'aria-labelledby': 'tactful-leaves' }, h('h3', { id: 'tactful-leaves' }, s.leaves));
  if (!state.consent.purposes.aggregate) {
    section.append(h('p', {}, s.leavesOff));
    return section;
  }
  const kinds = [...new Set((ctx.rt.config.metrics || []).map((m) => m.kind))].map((k) => s.metrics[k]).filter(Boolean);
  const hours = Math.max(1, Math.round((reporting.windowSeconds || 86400) / 3600));
  section.append(h('p', {}, s.leavesOn(s.every(hours), list(kinds, s.and))));
  const budget = h('p', { class: 'desc' });
  section.append(budget);
  if (ctx.rt.reporting) {
    ctx.rt.reporting.status().then((st) => {
      const round = (x) => String(Math.round(x * 100) / 100);
      budget.textContent = s.budget(round(st.epsilonSpent || 0), round(st.epsilonBudget || reporting.epsilonBudget || 0));
    }, () => {});
  }
  return section;
}
