// Time and change over time, seen from outside: the site's config changing
// between a visitor's visits, the visitor's clock put right (moved back),
// and the visitor's own time zone. Time is moved with Playwright's clock,
// never waited for.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { configVariant, grantConsent, newVisitor, openStoredRecords, startSite, visit } from './harness.mjs';

const DAY = 86400000;

let site;
before(async () => { site = await startSite(); });
after(() => site.stop());

/** Serves the site's config changed by the current `change` (null: as it is) to every page of `context`. */
async function changingConfig(context) {
  const state = { change: null };
  await context.route('**/tactful.config.json', async (route) => {
    const response = await route.fetch();
    const config = JSON.parse(await response.text());
    if (state.change) state.change(config);
    await route.fulfill({ response, body: JSON.stringify(config), headers: { ...response.headers(), 'content-type': 'application/json' } });
  });
  return state;
}

describe('a config changed between visits', () => {
  test('an interest newly marked sensitive, one dropped from the taxonomy, and item-level purchases turned off leave the stored profile', async () => {
    const v = await newVisitor();
    try {
      const config = await changingConfig(v.context);
      config.change = (c) => { c.profile.itemLevelPurchases = true; };
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page, { purposes: { personalization: true }, categories: { purchases: true } });
      await visit(v.page, `${site.url}/hiking.html`);
      await visit(v.page, `${site.url}/city.html`);
      await v.page.evaluate(async () => {
        window.tactful.track({ type: 'purchase', category: 'hiking', item: 'Summit Hiker', value: 120 });
        await window.tactful.profile.declare({ likes: ['city-walking'] });
      });
      const before = JSON.stringify((await openStoredRecords(v.page)).profile);
      for (const word of ['hiking', 'city-walking', 'Summit Hiker']) assert.match(before, new RegExp(word));

      // The owner's next config: hiking is health data now (its rules go with
      // it), city walking is no longer an interest, and no item-level purchases.
      config.change = (c) => {
        c.profile.itemLevelPurchases = false;
        c.taxonomy = c.taxonomy.filter((t) => t.id !== 'city-walking');
        c.taxonomy.find((t) => t.id === 'hiking').sensitive = 'health';
        for (const s of c.slots) s.variants = s.variants.filter((x) => x.id !== 'hiking' && x.id !== 'city');
      };
      assert.deepEqual(await visit(v.page, `${site.url}/index.html`), { ok: true });
      const exported = JSON.stringify(await v.page.evaluate(() => window.tactful.profile.export()));
      const stored = JSON.stringify((await openStoredRecords(v.page)).profile);
      for (const text of [exported, stored]) {
        assert.doesNotMatch(text, /hiking|city-walking|Summit Hiker/);
        assert.match(text, /outdoor/); // what the config still allows stays
      }
    } finally {
      await v.close();
    }
  });
});

describe("the visitor's time zone", () => {
  // 19:00 UTC on 28 February is already 1 March at UTC+14, and 1 March 03:00
  // UTC is still 28 February at UTC-8: the birthday month is the visitor's own.
  const cases = [
    ['Pacific/Kiritimati', Date.UTC(2027, 1, 28, 19, 0), 'birthday'],
    ['America/Los_Angeles', Date.UTC(2027, 2, 1, 3, 0), null],
  ];
  for (const [timezoneId, time, expected] of cases) {
    test(`a March birthday month in ${timezoneId} at ${new Date(time).toISOString()} shows ${expected || 'the default'}`, async () => {
      const v = await newVisitor({ timezoneId });
      try {
        await v.context.clock.install({ time });
        await visit(v.page, `${site.url}/index.html`);
        await grantConsent(v.page, { purposes: { personalization: true }, categories: { occasions: true } });
        await v.page.evaluate(() => window.tactful.profile.declare({ occasions: { birthdayMonth: 3 } }));
        await visit(v.page, `${site.url}/index.html`);
        assert.equal(await v.page.locator('[data-tactful-slot="banner"]').getAttribute('data-tactful-variant'), expected);
      } finally {
        await v.close();
      }
    });
  }
});

describe("the visitor's clock put right", () => {
  test('frequency caps hold when the clock goes back a day: showings dated ahead count as today\'s', async () => {
    const config = configVariant((c) => { c.slots[0].variants[0].caps = { perDay: 2, perWeek: 3 }; });
    const capped = await startSite({ config });
    const v = await newVisitor();
    try {
      const t0 = Date.UTC(2027, 0, 7, 12, 0);
      await v.context.clock.install({ time: t0 + DAY }); // the visitor's clock runs a day ahead
      await visit(v.page, `${capped.url}/index.html`);
      await grantConsent(v.page);
      await visit(v.page, `${capped.url}/trail-running.html`);
      await visit(v.page, `${capped.url}/product-ridge-runner.html`);
      const hero = async () => {
        await visit(v.page, `${capped.url}/index.html`);
        return v.page.locator('[data-tactful-slot="hero"]').getAttribute('data-tactful-variant');
      };
      const shown = [await hero(), await hero()];
      await v.context.clock.setSystemTime(t0); // put right
      shown.push(await hero());
      await v.context.clock.setSystemTime(t0 + DAY);
      shown.push(await hero(), await hero());
      assert.deepEqual(shown, ['trail-running', 'trail-running', null, 'trail-running', null]);
    } finally {
      await v.close();
      capped.stop();
    }
  });

  test('an item learned while the clock ran ahead expires its retention after the clock was put right', async () => {
    const v = await newVisitor();
    try {
      const t0 = Date.UTC(2027, 0, 7, 12, 0);
      await v.context.clock.install({ time: t0 + 365 * DAY }); // a year ahead
      await visit(v.page, `${site.url}/index.html`);
      await grantConsent(v.page);
      await visit(v.page, `${site.url}/hiking.html`);
      await v.context.clock.setSystemTime(t0); // put right
      await visit(v.page, `${site.url}/index.html`);
      const hiking = (await v.page.evaluate(() => window.tactful.profile.view())).interests.find((i) => i.id === 'interest:hiking');
      // 180 days from when the clock was put right (and the page load took a moment), not from a year ahead.
      const expires = Date.parse(hiking.expires) - (t0 + 180 * DAY);
      assert.ok(expires >= 0 && expires < 60_000, `expires ${hiking.expires}`);
      // The demo keeps interests 180 days: gone then, not a year later.
      await v.context.clock.setSystemTime(t0 + 181 * DAY);
      await visit(v.page, `${site.url}/index.html`);
      assert.doesNotMatch(JSON.stringify((await openStoredRecords(v.page)).profile), /hiking/);
    } finally {
      await v.close();
    }
  });
});
