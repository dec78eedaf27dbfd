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
