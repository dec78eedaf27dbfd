// The decision benchmark's page, shared by Node (bench/decide.mjs) and the
// Chromium bench page (bench/decide-page.mjs): 200 slots x 3 rules ($in on
// country, interests.sports > x, visits >= n) written for each engine - our
// config, GrowthBook features, an Optimizely datafile - and one function per
// engine that decides the whole page. No Node or browser API here.
export const SLOTS = 200;
const COUNTRIES = ['US', 'CA', 'GB'];

// The rules of slot i. Shared: thresholds vary per slot so that different
// slots pick different rules, and slots share audiences as pages do (8
// distinct conditions in 600). Distinct: every one of the 600 conditions is
// different, so nothing is evaluated once for many slots.
function rulesOf(i, distinct) {
  return distinct
    ? { countries: [...COUNTRIES, `X${i}`], sportsAbove: i / 1000, visitsAtLeast: 1 + i / 1000 }
    : { countries: COUNTRIES, sportsAbove: (i % 4) * 0.3, visitsAtLeast: 1 + (i % 3) };
}

export function benchConfig({ distinct = false, publicKey }) {
  const slots = [];
  for (let i = 0; i < SLOTS; i++) {
    const r = rulesOf(i, distinct);
    slots.push({
      id: `s${i}`,
      variants: [
        { id: 'country', condition: { 'location.country': { $in: r.countries } }, content: { title: `c${i}` } },
        { id: 'sports', condition: { 'interests.sports': { $gt: r.sportsAbove } }, content: { title: `s${i}` } },
        { id: 'visits', condition: { 'visits.count': { $gte: r.visitsAtLeast } }, content: { title: `v${i}` } },
      ],
    });
  }
  return {
    version: 1,
    site: { name: 'bench', directedAtChildren: false },
    policyVersion: '2026-11-01',
    privacyPolicyUrl: '/privacy.html',
    consent: { personalizationDefault: false },
    taxonomy: [{ id: 'sports', label: { en: 'sports' } }, { id: 'hiking', label: { en: 'hiking' } }],
    profile: { halfLifeDays: 30, minEvidence: 2 },
    page: { maxPersonalizedSlots: SLOTS },
    holdout: 0,
    slots,
    reporting: { collector: '/collect', publicKey },
  };
}

export function growthbookFeatures(distinct) {
  const features = {};
  for (let i = 0; i < SLOTS; i++) {
    const r = rulesOf(i, distinct);
    features[`s${i}`] = {
      defaultValue: null,
      rules: [
        { condition: { country: { $in: r.countries } }, force: 'country' },
        { condition: { 'interests.sports': { $gt: r.sportsAbove } }, force: 'sports' },
        { condition: { 'visits.count': { $gte: r.visitsAtLeast } }, force: 'visits' },
      ],
    };
  }
  return features;
}

/**
 * The same rules as an Optimizely datafile: one flag per slot whose delivery
 * rules (a rollout) are the three conditions in order, each an audience over
 * the visitor's attributes with all traffic. Audiences with the same
 * conditions are one audience, as a project would define them.
 */
export function optimizelyDatafile(distinct) {
  const audiences = new Map(); // conditions (JSON) -> audience
  const audience = (conditions) => {
    const text = JSON.stringify(conditions);
    if (!audiences.has(text)) {
      const id = String(1000 + audiences.size);
      audiences.set(text, { id, name: `audience ${id}`, conditions });
    }
    return audiences.get(text).id;
  };
  const attr = (name, match, value) => ({ type: 'custom_attribute', name, match, value });
  const featureFlags = [];
  const rollouts = [];
  for (let i = 0; i < SLOTS; i++) {
    const r = rulesOf(i, distinct);
    const rules = [
      ['country', ['or', ...r.countries.map((c) => attr('country', 'exact', c))]],
      ['sports', ['and', attr('interests.sports', 'gt', r.sportsAbove)]],
      ['visits', ['and', attr('visits.count', 'ge', r.visitsAtLeast)]],
    ].map(([variation, conditions], j) => {
      const id = audience(conditions);
      return {
        id: `rule-${i}-${j}`, key: `rule-${i}-${j}`, status: 'Running', layerId: `layer-${i}`,
        audienceIds: [id], audienceConditions: ['or', id],
        variations: [{ id: `var-${i}-${j}`, key: variation, featureEnabled: true, variables: [] }],
        trafficAllocation: [{ entityId: `var-${i}-${j}`, endOfRange: 10000 }],
        forcedVariations: {},
      };
    });
    rollouts.push({ id: `layer-${i}`, experiments: rules });
    featureFlags.push({ id: `flag-${i}`, key: `s${i}`, rolloutId: `layer-${i}`, experimentIds: [], variables: [] });
  }
  const typedAudiences = [...audiences.values()];
  return {
    version: '4', projectId: 'bench', accountId: 'bench', revision: '1', anonymizeIP: true, botFiltering: false,
    attributes: [{ id: 'attr-1', key: 'country' }, { id: 'attr-2', key: 'interests.sports' }, { id: 'attr-3', key: 'visits.count' }],
    // Typed audiences carry the conditions; the legacy list holds Optimizely's placeholder for each.
    audiences: typedAudiences.map(({ id, name }) => ({ id, name, conditions: '["or", {"match": "exact", "name": "$opt_dummy_attribute", "type": "custom_attribute", "value": "$opt_dummy_value"}]' })),
    typedAudiences, experiments: [], groups: [], events: [], integrations: [], featureFlags, rollouts,
  };
}

/** The visitor set up on a core: opted in, a country, a sports interest, visits. */
export function benchVisitorOn(core, { config, key }) {
  const check = (what, out) => {
    if (out && out.error) throw new Error(`bench ${what}: ${out.error}${out.path ? ` (${out.path})` : ''}`);
    return out;
  };
  check('init', core.call('init', JSON.stringify(config)));
  check('load', core.call('load', { key, signals: {} }));
  check('consent', core.call('consent.set', { purposes: { personalization: true }, categories: { interests: true, location: true } }, { gesture: true }));
  check('declare', core.call('profile.declare', { location: { country: 'DE' } }, { gesture: true }));
  check('track', core.call('track', [{ type: 'visit' }, { type: 'view', interests: ['sports'] },
    { type: 'view', interests: ['sports'] }, { type: 'view', interests: ['sports', 'hiking'] }]));
  return core;
}

/**
 * The same visitor as the peers see it (flat attributes), read back from the
 * visitor's own profile view (scores are shown rounded; the thresholds sit
 * far from the score). `complete` is false when the view lacks a value.
 */
export function peerAttributes(core) {
  const view = core.call('profile.view');
  const item = (id) => (view.interests || []).find((x) => x.id === id)?.value;
  const sports = item('interest:sports')?.score;
  const visits = item('visits')?.count;
  return {
    complete: sports !== undefined && visits !== undefined,
    growthbook: { id: 'bench', country: 'DE', interests: { sports: sports ?? 0 }, visits: { count: visits ?? 0 } },
    optimizely: { country: 'DE', 'interests.sports': sports ?? 0, 'visits.count': visits ?? 0 },
  };
}

/** Tactful as the page calls it (js/runtime.js): the page set once, then one binary call per decision. */
export function tactfulPage(core, config) {
  const positions = core.call('page', { path: '/', interests: [], viewport: 'large', slots: config.slots.map((s) => s.id) }).slots;
  return () => {
    const raw = core.decide();
    const out = new Array(SLOTS);
    for (let i = 0; i < SLOTS; i++) {
      const v = raw[4 * i];
      out[i] = v < 0 ? null : config.slots[positions[i]].variants[v].id;
    }
    return out;
  };
}

export function growthbookPage(GrowthBook, distinct, attributes) {
  const gb = new GrowthBook({ features: growthbookFeatures(distinct), attributes });
  return () => {
    const out = new Array(SLOTS);
    for (let i = 0; i < SLOTS; i++) out[i] = gb.getFeatureValue(`s${i}`, null);
    return out;
  };
}

/** Optimizely's SDK (`sdk`: the package's exports) deciding each flag for one user, with no events sent. */
export async function optimizelyPage(sdk, distinct, attributes) {
  const client = sdk.createInstance({
    projectConfigManager: sdk.createStaticProjectConfigManager({ datafile: JSON.stringify(optimizelyDatafile(distinct)) }),
  });
  await client.onReady();
  const user = client.createUserContext('bench', attributes);
  const options = ['DISABLE_DECISION_EVENT'];
  return () => {
    const out = new Array(SLOTS);
    for (let i = 0; i < SLOTS; i++) {
      const d = user.decide(`s${i}`, options);
      out[i] = d.enabled ? d.variationKey : null;
    }
    return out;
  };
}

export const sameChoices = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
