// The privacy panel, loaded lazily by js/launcher.js when the visitor opens
// it (or when a "Why this?" or the first-visit invitation needs it). It hands
// its API back on one namespaced property, window.tactful.__panel.
import { change, configText, failure, h, policyChanged, stringsFor } from './common.js';
import { createDialog } from './dialog.js';
import { renderChoices } from './choices.js';
import { renderKnown } from './known.js';
import { renderData, downloadExport } from './data.js';
import { renderLeaves } from './leaves.js';
import { invite } from './invitation.js';
import { why } from './why.js';
import { deleteFromStored, isEphemeral, setEphemeral } from '../visit.js';
import { dismissal } from '../launcher.js';

function notices(ctx, s, state) {
  const rt = ctx.rt;
  const out = [];
  const { signals, purposes } = state.consent;
  // What the signal changed: statistics off, or nothing since the visitor chose them.
  const chosen = purposes.aggregate;
  if (signals.gpc) out.push(chosen ? s.gpcChosen : s.gpc);
  else if (signals.dnt) out.push(chosen ? s.dntChosen : s.dnt);
  if (policyChanged(state.consent, state.receipts)) out.push(`${s.policyChanged} ${configText(rt, rt.config.policyChanges)}`.trim());
  if (state.ephemeral) out.push(s.ephemeralOn);
  return out.map((t) => h('p', { class: 'notice' }, t));
}

function open(ctx) {
  const rt = ctx.rt;
  const s = stringsFor(rt);
  if (!ctx.panel) {
    const panel = createDialog(ctx, { title: s.title, closeLabel: s.close });
    const status = h('p', { class: 'status', role: 'status' });
    panel.dialog.append(status);
    // invalid: the field the core refused, as the visitor typed it, with the reason.
    const ui = { confirmForget: false, invalid: null };
    const say = (text) => { status.textContent = text; };
    const reason = (e) => failure(rt, e);
    const fail = (e) => say(reason(e));

    async function refresh(focus) {
      const key = focus || panel.focusKeys();
      // The export holds everything stored, so the panel shows what a download would.
      const state = await rt.transaction(() => {
        const all = rt.call('profile.export', dismissal(rt));
        return { consent: all.consent, receipts: all.receipts, view: all.profile, decisions: all.decisions };
      });
      state.ephemeral = isEphemeral(rt);
      state.confirmForget = ui.confirmForget;
      state.invalid = ui.invalid;
      const policyUrl = typeof rt.config.privacyPolicyUrl === 'string' ? rt.config.privacyPolicyUrl : '';
      panel.body.replaceChildren(
        ...notices(ctx, s, state),
        h('p', { class: 'intro' }, s.intro, ' ', policyUrl ? h('a', { href: policyUrl, 'data-focus': 'policy' }, s.policy) : null),
        renderChoices(ctx, s, state, actions),
        renderKnown(ctx, s, state, actions),
        renderLeaves(ctx, s, state) || '',
        renderData(ctx, s, state, actions));
      panel.refocus(key);
    }

    let acting = false;
    // refused(e): what a failure leaves in the form, for the re-render.
    const act = (fn, done, refused) => {
      acting = true;
      ui.invalid = null;
      return change(ctx, fn).then(() => {
        if (done) say(done);
      }, (e) => {
        fail(e);
        if (refused) refused(e);
      }).then(() => {
        acting = false;
        return refresh(ui.invalid ? ui.invalid.field : undefined);
      });
    };

    const actions = {
      consent: (c, gesture) => { say(''); return act((r) => deleteFromStored(r, () => r.call('consent.set', c, { gesture }))); },
      ephemeral: (on) => act((r) => setEphemeral(r, on), on ? s.ephemeralOn : ''),
      remove: (id, what) => act((r) => deleteFromStored(r, () => r.call('profile.remove', { id })), s.removed(what)),
      declare: (declaration, removals) => act((r) => {
        if (removals.length) deleteFromStored(r, () => removals.forEach((id) => r.call('profile.remove', { id })));
        if (Object.keys(declaration).length) r.call('profile.declare', declaration);
      }, s.saved, (e) => {
        // The country the core refused stays as typed, marked, with its reason, and takes focus.
        if (e && e.path === 'location.country' && declaration.location) {
          ui.invalid = { field: 'country', value: declaration.location.country, message: reason(e) };
        }
      }),
      async download() {
        try {
          downloadExport(ctx, s, await rt.transaction(() => rt.call('profile.export', dismissal(rt))));
          say(s.downloaded);
        } catch (e) {
          fail(e);
        }
      },
      askForget() {
        ui.confirmForget = true;
        refresh('forget-yes');
      },
      async forget(yes) {
        ui.confirmForget = false;
        if (yes) {
          try {
            acting = true;
            await rt.win.tactful.profile.forget();
            say(s.forgotten);
          } catch (e) {
            fail(e);
          }
          acting = false;
        }
        refresh('forget');
      },
    };
    // Changes made elsewhere (another tab, a "Why this?") show up here too.
    ctx.doc.addEventListener('tactful:consent', () => { if (panel.isOpen() && !acting) refresh(); });
    // Each opening starts afresh: no question left pending ("Erase
    // everything?"), no field marked, no result of an earlier visit said.
    const reset = () => {
      ui.confirmForget = false;
      ui.invalid = null;
      say('');
    };
    ctx.panel = Object.assign(panel, { refresh, reset });
  }
  const panel = ctx.panel;
  return panel.ready.then(() => {
    if (!panel.isOpen()) panel.reset();
    panel.show();
    return panel.refresh();
  }).then(() => ({ open: true }));
}

window.tactful.__panel = { open, invite, why };
