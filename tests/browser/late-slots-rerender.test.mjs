// Slots a framework renders again and again (a region's innerHTML set from
// its own template: new elements with the same ids, no Tactful attributes),
// and components' shadow roots handed to observe() as they come and go.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { delayConfig, newVisitor, ready, startSite, trailRunner, visit } from './harness.mjs';

const hero = (page) => page.locator('[data-tactful-slot="hero"]');

// Page script: keeps the hero's markup as the site wrote it, before Tactful
// touched it, and window.__rerender() puts it back as a framework does;
// counts the cross-tab lock requests (one per storage transaction).
function framework(v) {
  return v.page.addInitScript(() => {
    window.__locks = 0;
    const request = navigator.locks.request.bind(navigator.locks);
    navigator.locks.request = (...args) => {
      window.__locks += 1;
      return request(...args);
    };
    document.addEventListener('DOMContentLoaded', () => {
      window.__heroHtml = document.querySelector('[data-tactful-slot="hero"]').outerHTML;
    });
    window.__rerender = () => {
      document.querySelector('[data-tactful-slot="hero"]').outerHTML = window.__heroHtml;
    };
  });
}

describe('slots rendered again by a framework', () => {
  let site;
  before(async () => { site = await startSite(); });
  after(() => site.stop());

  test('a slot whose decision came late keeps its default when rendered again', async () => {
    const v = await trailRunner(site, { deadline: null });
    try {
      await framework(v);
      await delayConfig(v.context, 700);
      await v.page.goto(`${site.url}/index.html`);
      assert.deepEqual(await ready(v.page), { ok: true });
      assert.equal(await hero(v.page).getAttribute('data-tactful-decided'), 'late');
      await v.page.evaluate(() => window.__rerender());
      await v.page.waitForFunction(() => document.querySelector('[data-tactful-slot="hero"]').hasAttribute('data-tactful-decided'));
      // The visitor saw the default: a render of the same component is no reason to swap it.
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), null);
      assert.doesNotMatch(await hero(v.page).innerText(), /next trail run/i);
    } finally {
      await v.close();
    }
  });

  test('rendered again 60 times, a personalized slot shows its variant each time and takes no storage transaction', async () => {
    const v = await trailRunner(site);
    try {
      await framework(v);
      await visit(v.page, `${site.url}/index.html`);
      assert.equal(await hero(v.page).getAttribute('data-tactful-variant'), 'trail-running');
      await v.page.waitForTimeout(300); // the page load's own transactions end
      const seen = await v.page.evaluate(async () => {
        const locks = window.__locks;
        const states = [];
        for (let i = 0; i < 60; i += 1) {
          window.__rerender();
          await new Promise((r) => requestAnimationFrame(r)); // a frame: what the visitor would see
          const el = document.querySelector('[data-tactful-slot="hero"]');
          states.push(`${el.getAttribute('data-tactful-decided')}:${el.getAttribute('data-tactful-variant')}`);
        }
        await new Promise((r) => setTimeout(r, 200));
        return { states: [...new Set(states)], locks: window.__locks - locks };
      });
      assert.deepEqual(seen.states, ['personalized:trail-running']);
      assert.equal(seen.locks, 0);
    } finally {
      await v.close();
    }
  });
});

describe('components handing their shadow roots to observe()', () => {
  let site;
  before(async () => { site = await startSite(); });
  after(() => site.stop());

  test('a shadow root whose component left the page is not kept alive', async () => {
    const v = await newVisitor();
    try {
      await visit(v.page, `${site.url}/index.html`);
      // 200 components, each observed as it renders, then removed (a list rendered again).
      await v.page.evaluate(async () => {
        for (let i = 0; i < 200; i += 1) {
          const card = document.createElement('x-card');
          const root = card.attachShadow({ mode: 'closed' });
          root.innerHTML = `<div data-tactful-slot="card">Card ${i}</div>`;
          document.body.append(card);
          await window.tactful.observe(root);
          (window.__roots ||= []).push(new WeakRef(root));
          card.remove();
        }
      });
      const cdp = await v.context.newCDPSession(v.page);
      await v.page.waitForTimeout(100); // a WeakRef read in a task holds its target until the task ends
      await cdp.send('HeapProfiler.collectGarbage');
      const alive = await v.page.evaluate(() => window.__roots.filter((r) => r.deref()).length);
      // The last one is the slot "card" of this page view (its element is the one that id names).
      assert.ok(alive <= 1, `${alive} of 200 removed components' shadow roots still alive`);
    } finally {
      await v.close();
    }
  });
});
