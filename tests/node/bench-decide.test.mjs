// The decision benchmark compares like with like: the 200 slots x 3 rules
// written for Tactful, GrowthBook and Optimizely (bench/decide-rules.mjs)
// make every engine choose the same variant for every slot, so the times
// `./run bench` prints are for the same work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { KEY, newCore, root } from './core.mjs';
import { benchConfig, benchVisitorOn, growthbookPage, optimizelyPage, peerAttributes, tactfulPage } from '../../bench/decide-rules.mjs';

const require = createRequire(join(root, 'package.json'));
const { GrowthBook } = require('@growthbook/growthbook');
const optimizely = await import(require.resolve('@optimizely/optimizely-sdk'));

for (const distinct of [false, true]) {
  test(`all three engines choose the same variant on every slot (${distinct ? 'all 600 conditions distinct' : 'shared audiences'})`, async () => {
    const config = benchConfig({ distinct, publicKey: Buffer.alloc(32, 9).toString('base64') });
    const core = benchVisitorOn(await newCore(), { config, key: KEY });
    const attributes = peerAttributes(core);
    assert.ok(attributes.complete, 'the visitor has a sports score and visits');
    const ours = tactfulPage(core, config)();
    assert.equal(ours.length, 200);
    // Not vacuous: with shared audiences the page mixes rules and default content
    // (with distinct ones every slot's sports threshold is below the visitor's score).
    assert.deepEqual([...new Set(ours)].sort(), distinct ? ['sports'] : [null, 'sports', 'visits'].sort());
    assert.deepEqual(growthbookPage(GrowthBook, distinct, attributes.growthbook)(), ours);
    assert.deepEqual((await optimizelyPage(optimizely, distinct, attributes.optimizely))(), ours);
  });
}
