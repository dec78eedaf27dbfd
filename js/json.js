// JSON text of our own values, whatever the page added to Array.prototype.
// Old libraries (Prototype.js 1.6, still on legacy shop fronts) define
// Array.prototype.toJSON returning a string, so JSON.stringify writes every
// array as a string ("[\"a\"]"), which the core rightly refuses. The
// replacer sees the value before toJSON as this[key] and puts arrays back.
function keepArrays(key, value) {
  const raw = this[key];
  return Array.isArray(raw) ? raw : value;
}

export function stringify(value, space) {
  return JSON.stringify(value, Array.prototype.toJSON ? keepArrays : undefined, space);
}
