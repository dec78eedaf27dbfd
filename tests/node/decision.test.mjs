// The same decision the browser makes, made by the wasm core in Node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoVisitor, KEY, newCore, demoConfig } from './core.mjs';

const homePage = { path: '/', interests: [], viewport: 'large', slots: ['hero', 'picks', 'banner'],
  templates: { 'hero-trail-running': '<h2>Ready for your next trail run?</h2>', 'hero-hiking': '<h2>Hike</h2>', 'hero-city': '<h2>City</h2>' } };

const hero = (decision) => decision.slots.find((s) => s.id === 'hero');

test('a new visitor gets the default hero', async () => {
  const core = await demoVisitor();
  const decision = core.call('decide', homePage);
  assert.equal(hero(decision).variant, null);
});

test('after opting in and two trail-running pages, the hero is the trail-running variant', async () => {
  const core = await demoVisitor();
  const consent = core.call('consent.set', { purposes: { personalization: true } }, { gesture: true });
  assert.equal(consent.purposes.personalization, true);
  for (let i = 0; i < 2; i++) {
    core.call('track', [{ type: 'view', interests: ['trail-running', 'outdoor'], source: 'page' }]);
  }
  const h = hero(core.call('decide', homePage));
  assert.equal(h.variant, 'trail-running');
  assert.equal(h.template, 'hero-trail-running');
});

test('views tracked before opting in are not stored, so they do not personalize', async () => {
  const core = await demoVisitor();
  core.call('track', [{ type: 'view', interests: ['trail-running'] }, { type: 'view', interests: ['trail-running'] }]);
  core.call('consent.set', { purposes: { personalization: true } }, { gesture: true });
  assert.equal(hero(core.call('decide', homePage)).variant, null);
});

test('a grant without a user gesture is refused and changes nothing', async () => {
  const core = await demoVisitor();
  const out = core.call('consent.set', { purposes: { personalization: true } }, { gesture: false });
  assert.match(out.error, /gesture/);
  assert.equal(out.code, 'gesture-required', 'a stable code the panel says in the visitor\'s language');
  assert.equal(core.call('consent.get').purposes.personalization, false);
});

test('refusals a visitor can meet carry a stable code beside the English message; a developer\'s mistake has none', async () => {
  const core = await demoVisitor();
  core.call('consent.set', { purposes: { personalization: true }, categories: { location: true } }, { gesture: true });
  assert.deepEqual(core.call('profile.remove', { id: 'location' }), { code: 'not-stored', error: "no stored item with id 'location'", path: 'id' });
  assert.deepEqual(core.call('profile.declare', { location: { country: 'UK' } }),
    { code: 'invalid-country', error: 'must be an ISO 3166-1 alpha-2 code', path: 'location.country' });
  // A withdrawal applied beside a refused grant: the code stays with the state now in force.
  const mixed = core.call('consent.set', { categories: { location: false, purchases: true } }, { gesture: false });
  assert.equal(mixed.code, 'gesture-required');
  assert.equal(mixed.consent.categories.location, false);
  assert.equal(core.call('profile.declare', { age: 40 }).code, undefined);
});

test('the profile survives a save and a reload in a new core', async () => {
  const core = await demoVisitor();
  core.call('consent.set', { purposes: { personalization: true } }, { gesture: true });
  core.call('track', [{ type: 'view', interests: ['hiking'] }, { type: 'view', interests: ['hiking'] }]);
  const saved = core.call('save');
  assert.equal(typeof saved.profile, 'string');
  assert.equal(typeof saved.consent, 'string');

  const next = await newCore();
  next.call('init', demoConfig);
  const load = next.call('load', { key: KEY, consent: saved.consent, profile: saved.profile, signals: {} });
  assert.equal(load.profileReset, undefined);
  assert.equal(hero(next.call('decide', homePage)).variant, 'hiking');
});

test('an invalid config is refused with the path of the problem', async () => {
  const core = await newCore();
  const out = core.call('init', JSON.stringify({ version: 1, slots: [{ id: 'hero', variants: [{ id: 'x', condition: { a: { $regx: 'y' } } }] }] }));
  assert.match(out.error, /slots\[0\]\.variants\[0\]\.condition/);
  assert.match(out.error, /\$regx/);
});

test('the binary hot path decides exactly what the JSON operation does', async () => {
  const core = await demoVisitor();
  core.call('consent.set', { purposes: { personalization: true } }, { gesture: true });
  core.call('track', [{ type: 'view', interests: ['hiking'] }, { type: 'view', interests: ['hiking'] }, { type: 'visit' }]);
  const page = core.call('page', homePage);
  assert.deepEqual(page.slots, [0, 1, 2]);
  const viaJson = core.call('decide', homePage).slots;
  const raw = core.decide();
  assert.equal(raw.length, 4 * viaJson.length);
  const config = JSON.parse(demoConfig);
  viaJson.forEach((slot, i) => {
    const variant = raw[4 * i];
    assert.equal(variant < 0 ? null : config.slots[page.slots[i]].variants[variant].id, slot.variant);
    if (slot.fill && slot.fill.interest) assert.equal(config.taxonomy[raw[4 * i + 2]].label.en, slot.fill.interest);
  });
  assert.equal(viaJson.find((s) => s.id === 'hero').variant, 'hiking');
});

test('an input JSON cannot carry is refused with the operation named, and the core goes on', async () => {
  const core = await demoVisitor();
  const cyclic = {};
  cyclic.self = cyclic;
  for (const input of [{ likes: [1n] }, cyclic]) {
    assert.throws(() => core.call('profile.declare', input), (e) => !(e instanceof TypeError) &&
      /^tactful: profile\.declare: the input cannot be written as JSON \(/.test(e.message));
  }
  assert.equal(core.call('consent.get').purposes.personalization, false);
});

test('a site directed at children personalizes nothing without consent, and with it decides on the page alone', async () => {
  const kids = JSON.parse(demoConfig);
  kids.site = { ...kids.site, directedAtChildren: true };
  kids.slots.push({ id: 'corner', variants: [
    { id: 'trail-fans', condition: { 'interests.trail-running': { $gt: 0.1 } }, content: { title: 'For trail fans' } },
    { id: 'everyone-here', content: { title: 'Hello' } },
  ] });
  const core = await demoVisitor({ config: JSON.stringify(kids) });
  const page = { ...homePage, slots: ['corner'] };
  const before = core.call('decide', page).slots[0];
  assert.deepEqual([before.variant, before.reason], [null, 'consent']);
  assert.equal(core.call('explain', { slot: 'corner' }).sentence,
    'No personalization: it is off or paused in your privacy settings.');
  core.call('consent.set', { purposes: { personalization: true } }, { gesture: true });
  core.call('track', [{ type: 'view', interests: ['trail-running'] }, { type: 'view', interests: ['trail-running'] }]);
  const after = core.call('decide', page).slots[0];
  assert.deepEqual([after.variant, after.reason], ['everyone-here', 'matched']);
});

test('a page template whose placeholder its variant\'s rule cannot fill is reported, as such config content is refused', async () => {
  const config = JSON.parse(demoConfig);
  config.slots.push({ id: 'corner', variants: [{ id: 'regulars', condition: { 'visits.count': { $gte: 1 } }, template: 'corner-tpl' }] });
  const core = await demoVisitor({ config: JSON.stringify(config) });
  const out = core.call('decide', { ...homePage, slots: ['corner'], templates: { 'corner-tpl': '<p>More {{like}} for you</p>' } });
  assert.deepEqual(out.templateErrors, [
    `template#corner-tpl: uses {{like}}, but the condition of slots[${config.slots.length - 1}].variants[0] does not read likes`]);
  assert.equal(out.slots[0].variant, null);
});
