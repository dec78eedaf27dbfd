// Random condition cases for the differential test against GrowthBook's SDK
// (tests/node/growthbook-differential.test.mjs, scripts/gb-diff.mjs). A seed
// fixes every case, so a divergence found once can be replayed.
//
// The pools aim where JavaScript's coercions bite: numbers against numeric
// strings, booleans, null and missing attributes, arrays of mixed types,
// objects, dot paths into arrays, version strings with prefixes, pre-release
// and build tags, text outside the BMP (UTF-16 order differs from UTF-8's),
// and regexes built only from the constructs docs/conditions.md supports.

// mulberry32: small, fast and the same everywhere.
export function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n) => Math.floor(next() * n);
  const pick = (list) => list[int(list.length)];
  const chance = (p) => next() < p;
  return { next, int, pick, chance };
}

const NUMBERS = [0, 1, -1, 2, 2.5, 3, 5, 10, 100, 0.1, -0.5, 1e21, 1e-7, 1e-6, 123456789012, 9007199254740993,
  999999999999999900000, 1.7976931348623157e308, 5e-324, 0.30000000000000004, 1234.5678];
// Plain-ASCII texts are what the case-insensitive operators may fold (they fold
// ASCII only, documented); the others must compare exactly.
const ASCII_TEXT = ['', 'a', 'A', 'abc', 'ABC', 'Abc', 'b', 'B', 'tea', 'TEA', 'cake', 'x y', 'a\nb', 'null',
  'true', 'false', 'undefined', '[object Object]', '1,2', 'a,B', 'x{,3}', ']', '\\', '\t-', 'aaab'];
const NUMERIC_TEXT = ['0', '1', '-1', '2', '2.5', '3', '5', '10', '100', ' 2.5 ', '1e3', '0x10', '0b11', '+1', '.5',
  '5.', '1e21', '1e+21', 'Infinity', '-Infinity', 'NaN', '007', '1_000', '١', '1e', 'e5', '--1', '0x', '0X1F',
  '0o17', '0b2', '-0x10', '+Infinity', 'Infinityx', '1e400', '\u00a05\u2028', '\t3\n', '0.000001', '1e-7',
  '123456789012', '999999999999999900000'];
const UNCASED_TEXT = ['€', '中文', '😀', '\uff21', '\ue000', '𝒜', '😀a', '\u00a0', '\u2028'];
const CASED_TEXT = ['é', 'É', 'ñ', 'Ñ', 'España', 'ESPAÑA', 'ß', 'İ', 'ΟΔΟΣ', 'οδος'];
const VERSIONS = ['1.2.3', 'v1.2.3', '1.2.3-beta.1', '1.2.3-beta.10', '1.2.3-rc.2', '1.2.3+build.5', 'v1.2.3+b',
  '1.2', '1', '2', '1.10.0', '1.9.0', '1.2.3.4', '1.0.0-alpha', '1.0.0-0', '1.0.0', '10.0.0', '99999.0.0',
  '1.2.3-', '1..2', 'v', 'vv1.0.0', '1.2.3+a\nb', '1.0.0-😀', '1.0.0-\uff21'];
const TYPES = ['null', 'array', 'string', 'number', 'boolean', 'object', 'undefined'];

// Regex pieces: literals and classes, then quantifiers and groups over them.
const ATOMS = ['a', 'b', 'A', 'B', '1', '0', '.', ' ', ',', '\\.', '\\d', '\\D', '\\w', '\\W', '\\s', '\\S',
  '[a-c]', '[^b]', '[A-Z]', '[0-9]', '[]', '[^]', '\\n', '\\/', '/', 'é', '€', '😀', '\\u00e9', '\\x41', '{', '}',
  'null', 'true', 'abc', '\\B', '\\0', '\\cA', '[\\b]', 'x{,3}', ']', '[]a]', '(|a)', 'a{0}', '\\t', '[\\d-z]',
  '[^\\s]', '(a*)*', '\\\\'];
const QUANTIFIERS = ['*', '+', '?', '{2}', '{1,2}', '{0,}', '*?', '+?', '??'];

export function makeGenerator(seed, { asciiRegexi = true } = {}) {
  const r = rng(seed);

  // What the condition names (values and paths), so attributes can be made
  // to meet it: random documents alone would almost never match.
  let used = [];
  let usedPaths = [];
  let recording = false;
  const remember = (v) => (recording && used.push(v), v);
  const text = () => remember(r.pick(r.pick([ASCII_TEXT, ASCII_TEXT, NUMERIC_TEXT, VERSIONS, UNCASED_TEXT, CASED_TEXT])));
  // Text for the case-insensitive operators: letters whose case folds, in
  // and beyond ASCII ("ESPAÑA", the Greek final sigma), and text without case.
  const foldText = () => remember(r.pick(r.pick([ASCII_TEXT, ASCII_TEXT, CASED_TEXT, UNCASED_TEXT, NUMERIC_TEXT])));
  const scalar = () => {
    switch (r.int(6)) {
      case 0: return remember(r.pick(NUMBERS));
      case 1: return r.pick([true, false]);
      case 2: return null;
      case 3: return remember(r.pick(NUMERIC_TEXT));
      default: return text();
    }
  };
  // A value the condition named, often in another guise (String(), a number,
  // upper case), else a random one.
  const echo = () => {
    if (!used.length || r.chance(0.3)) return scalar();
    const picked = r.pick(used);
    const v = Array.isArray(picked) ? [...picked] : picked;
    switch (r.int(6)) {
      case 0: return typeof v === 'string' ? v.toUpperCase() : v;
      case 1: return typeof v === 'number' ? String(v) : v;
      case 2: return typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
      default: return v;
    }
  };
  const KEYS = ['a', 'b', 'c', '0', '1', 'length'];
  const value = (depth = 0) => {
    const k = r.int(depth >= 2 ? 1 : 8);
    if (k === 0 || k < 5) return r.chance(0.5) ? echo() : scalar();
    if (k < 7) return Array.from({ length: r.int(5) }, () => value(depth + 1));
    const o = {};
    for (let i = r.int(3); i > 0; i--) o[r.pick(KEYS)] = value(depth + 1);
    return o;
  };
  const attributes = () => {
    const o = {};
    for (const key of ['a', 'b', 'c']) if (r.chance(0.8)) o[key] = value();
    if (r.chance(0.3)) o.v = r.pick(VERSIONS);
    if (r.chance(0.2)) o.id = r.pick(['u1', 'u2', 3, 'U1']);
    if (r.chance(0.1)) o['a.b'] = echo();  // a dot in a name: paths never read it
    // Put what the condition names where it looks, half of the time.
    for (const p of usedPaths) if (r.chance(0.5)) setPath(o, p, r.chance(0.3) ? Array.from({ length: r.int(4) }, echo) : echo());
    return o;
  };
  const setPath = (o, p, v) => {
    const keys = p.split('.');
    let at = o;
    keys.forEach((k, i) => {
      if (i === keys.length - 1) return void (at[k] = v);
      const wantArray = /^\d+$/.test(keys[i + 1]) && r.chance(0.7);
      if (!at[k] || typeof at[k] !== 'object' || Array.isArray(at[k]) !== wantArray) at[k] = wantArray ? [] : {};
      at = at[k];
    });
  };
  const path = () => {
    const p = r.pick(['a', 'a', 'b', 'c', 'a.a', 'a.b', 'a.0', 'a.1', 'a.length', 'a.0.a', 'a.b.0', 'b.c.a',
      'missing', 'a.01', 'v', 'id', 'a.-1']);
    if (p !== 'a.length') usedPaths.push(p);
    return p;
  };

  const pattern = () => {
    let out = r.chance(0.2) ? '^' : '';
    for (let n = 1 + r.int(3); n > 0; n--) {
      let piece = r.pick(ATOMS);
      if (r.chance(0.15)) piece = `(${piece}|${r.pick(ATOMS)})`;
      else if (r.chance(0.1)) piece = `(?:${piece}${r.pick(ATOMS)})`;
      if (r.chance(0.3)) piece += r.pick(QUANTIFIERS);
      out += piece;
    }
    if (r.chance(0.2)) out += '$';
    if (r.chance(0.1)) out = `\\b${out}`;
    return out;
  };
  const foldPattern = () => {
    const p = pattern();
    return asciiRegexi ? p.replace(/[^\x00-\x7f]|\\u00e9/g, 'x') : p;
  };

  const operators = (depth) => {
    const o = {};
    for (let n = 1 + (r.chance(0.2) ? 1 : 0); n > 0; n--) {
      const [name, operand] = operator(depth);
      o[name] = operand;
    }
    return o;
  };
  const list = (item) => Array.from({ length: r.int(4) }, item);
  const operator = (depth) => {
    switch (r.int(20)) {
      case 0: return [r.pick(['$eq', '$ne']), scalar()];
      case 1: case 2: return [r.pick(['$gt', '$gte', '$lt', '$lte']), r.chance(0.5) ? r.pick(NUMBERS) : text()];
      case 3: return [r.pick(['$in', '$nin']), list(scalar)];
      case 4: return [r.pick(['$ini', '$nini']), list(() => (r.chance(0.7) ? foldText() : r.pick([...NUMBERS, true, false, null])))];
      case 5: return ['$all', list(() => (r.chance(0.7) || depth > 2 ? scalar() : operators(depth + 1)))];
      case 6: return ['$alli', list(() => (r.chance(0.7) || depth > 2 ? foldText() : operators(depth + 1)))];
      case 7: return ['$elemMatch', r.chance(0.5) || depth > 2 ? operators(depth + 1) : condition(depth + 1)];
      case 8: return ['$size', r.chance(0.5) ? r.int(4) : depth > 2 || r.chance(0.3) ? r.pick([0, 1, '2', true, null, [1]]) : operators(depth + 1)];
      case 9: return ['$exists', r.pick([true, false, 0, 1])];
      case 10: return ['$type', r.pick(TYPES)];
      case 11: case 12: return ['$regex', pattern()];
      case 13: return ['$regexi', foldPattern()];
      case 14: return ['$not', depth > 2 ? scalar() : fieldValue(depth + 1)];
      case 15: case 16: return [r.pick(['$veq', '$vne', '$vgt', '$vgte', '$vlt', '$vlte']), remember(r.chance(0.9) ? r.pick(VERSIONS) : r.pick([1, 2, 10]))];
      case 17: {
        const id = r.pick(['g1', 'g2', 'empty', 'unknown']);
        for (const v of groups[id] || []) remember(v);
        return [r.pick(['$inGroup', '$notInGroup']), id];
      }
      default: return [r.pick(['$eq', '$ne', '$gt', '$lte']), r.chance(0.5) ? r.pick(NUMBERS) : r.pick(NUMERIC_TEXT)];
    }
  };
  // What a path is compared with: a literal, or an object of operators.
  const fieldValue = (depth) => {
    return r.chance(0.35) ? value(1) : operators(depth);
  };
  const condition = (depth = 0) => {
    const c = {};
    for (let n = 1 + r.int(depth ? 2 : 3); n > 0; n--) {
      const k = depth < 3 ? r.int(10) : 9;
      if (k === 0) c[r.pick(['$and', '$or', '$nor'])] = list(() => condition(depth + 1));
      else if (k === 1) c.$not = condition(depth + 1);
      else c[path()] = fieldValue(depth);
    }
    return c;
  };
  let groups = {};
  const savedGroups = () => ({ g1: list(scalar), g2: ['u1', 3, 'U1'], empty: [] });

  return () => {
    groups = savedGroups();
    used = [];
    usedPaths = [];
    recording = true;
    const c = condition();
    recording = false;
    return { condition: c, attributes: attributes(), savedGroups: groups };
  };
}

// Key order does not matter to Tactful's deep equality (documented), but does
// to GrowthBook's JSON.stringify comparison: sort keys before asking it.
export function sortedKeys(v) {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v).sort()) o[k] = sortedKeys(v[k]);
    return o;
  }
  return v;
}

// Every $regex / $regexi operand in a condition, as [operator, pattern].
export function* patternsOf(v) {
  if (Array.isArray(v)) for (const x of v) yield* patternsOf(x);
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$regex' || k === '$regexi') yield [k, x];
      else yield* patternsOf(x);
    }
  }
}
