// "Why this?": the explanation and its "Don't use this" name the reason that
// really decided, by the wasm core in Node and the panel's own choice of action.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoConfigObject, KEY, newCore } from './core.mjs';
import { actionFor } from '../../js/panel/why.js';

// The demo site plus one slot targeted at a like.
async function likesVisitor(condition) {
  const config = structuredClone(demoConfigObject);
  config.slots.push({ id: 'liked', variants: [{ id: 'v', condition, content: { title: 'For you' } }] });
  const core = await newCore();
  assert.equal(core.call('init', JSON.stringify(config)).error, undefined);
  core.call('load', { key: KEY, signals: {} });
  core.call('consent.set', { purposes: { personalization: true } }, { gesture: true });
  return core;
}
const page = { path: '/', interests: [], viewport: 'large', slots: ['liked'], templates: {} };
const liked = (core) => core.call('decide', page).slots.find((s) => s.id === 'liked').variant;

test('"Don\'t use this" on a like turns off the like the sentence names, and the slot changes', async () => {
  const core = await likesVisitor({ likes: { $in: ['hiking'] } });
  core.call('profile.declare', { likes: ['trail-running', 'hiking'] });
  assert.equal(liked(core), 'v');
  const why = core.call('explain', { slot: 'liked', lang: 'en' });
  assert.equal(why.sentence, "You're seeing this because you told us you like hiking.");
  const likes = why.used.find((u) => u.path === 'likes');
  assert.deepEqual(likes.items.map((i) => i.id), ['like:hiking'], 'only the like the rule used');
  const action = actionFor(why.used);
  assert.deepEqual(action, { kind: 'interest', id: 'hiking' });
  core.call('profile.declare', { dislikes: [action.id] });
  assert.equal(liked(core), null);
});

test('"Don\'t use this" acts on the reason in the sentence, never on what the visitor does not have', () => {
  assert.deepEqual(actionFor([{ path: 'interests.hiking', value: 0.2, negated: true }, { path: 'visits.count', value: 5 }]),
    { kind: 'other' });
  assert.deepEqual(actionFor([{ path: 'location.country', value: 'ES' }, { path: 'purchases.shoes.count', value: 2 }]),
    { kind: 'category', id: 'purchases' }, 'purchases come first in the sentence too');
  assert.deepEqual(actionFor([{ path: 'visits.count', value: 5 }, { path: 'interests.yoga', value: 0.8 }]),
    { kind: 'interest', id: 'yoga' });
});

test('an explanation of an $or rule lists only the branch that held', async () => {
  const core = await likesVisitor({ $or: [{ 'interests.hiking': { $gte: 0.9 } }, { likes: { $in: ['city-walking'] } }] });
  core.call('profile.declare', { likes: ['city-walking'] });
  for (let i = 0; i < 3; i++) core.call('track', [{ type: 'view', interests: ['hiking'], source: 'page' }]);
  assert.equal(liked(core), 'v');
  const why = core.call('explain', { slot: 'liked', lang: 'es' });
  assert.deepEqual(why.used.map((u) => u.path), ['likes']);
  assert.equal(why.sentence, 'Ves esto porque incluiste paseos por la ciudad entre tus gustos.');
  assert.deepEqual(actionFor(why.used), { kind: 'interest', id: 'city-walking' });
});
