// "Your data": download the export as a file; "Forget me" asks once, inline,
// then erases everything and says so.
import { h, newId } from './common.js';
import { stringify } from '../json.js';

export function downloadExport(ctx, s, doc) {
  const url = URL.createObjectURL(new Blob([stringify(doc, 2)], { type: 'application/json' }));
  const day = new Date().toISOString().slice(0, 10);
  const a = h('a', { href: url, download: `${s.fileName}-${ctx.rt.win.location.hostname || 'site'}-${day}.json`, hidden: true });
  ctx.panel.root.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function renderData(ctx, s, state, actions) {
  const section = h('section', { 'aria-labelledby': 'tactful-data' }, h('h3', { id: 'tactful-data' }, s.data));
  const row = h('div', { class: 'row' },
    h('button', { type: 'button', 'data-focus': 'download', onclick: () => actions.download() }, s.download));
  if (state.confirmForget) {
    // Focus lands on "Erase everything": what it erases is its description, so it is read with it.
    const askId = newId('forget');
    row.append(h('div', { class: 'confirm', role: 'group', 'aria-label': s.forget },
      h('p', { id: askId }, s.forgetAsk),
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'danger', 'data-focus': 'forget-yes', 'aria-describedby': askId, onclick: () => actions.forget(true) }, s.forgetYes),
        h('button', { type: 'button', class: 'secondary', 'data-focus': 'forget-no', onclick: () => actions.forget(false) }, s.cancel))));
  } else {
    row.append(h('button', { type: 'button', class: 'secondary', 'data-focus': 'forget', onclick: () => actions.askForget() }, s.forget));
  }
  section.append(row);
  return section;
}
