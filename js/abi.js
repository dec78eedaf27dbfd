// The wasm modules' shared calling convention (wasm/bindings/): the operation
// name and its JSON input are written into the module's memory, the export is
// called with (op, op length, input, input length, ...extra), and the reply is
// 4 bytes little-endian length then UTF-8 JSON, valid until the next call.
import { stringify } from './json.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// `input`: a value, JSON text, or JSON's UTF-8 bytes as they arrived (a Uint8Array).
export function callJson(mod, fn, op, input, ...extra) {
  const opBytes = encoder.encode(op);
  const inBytes = input instanceof Uint8Array ? input
    : encoder.encode(input === undefined ? '' : typeof input === 'string' ? input : toJson(op, input));
  const opPtr = mod._malloc(opBytes.length + 1);
  const inPtr = mod._malloc(inBytes.length + 1);
  try {
    mod.HEAPU8.set(opBytes, opPtr);
    mod.HEAPU8.set(inBytes, inPtr);
    const out = fn(opPtr, opBytes.length, inPtr, inBytes.length, ...extra);
    const heap = mod.HEAPU8;
    const len = heap[out] | (heap[out + 1] << 8) | (heap[out + 2] << 16) | (heap[out + 3] << 24);
    return JSON.parse(decoder.decode(heap.subarray(out + 4, out + 4 + len)));
  } finally {
    mod._free(opPtr);
    mod._free(inPtr);
  }
}

// A value JSON cannot carry (a BigInt, a cycle) is the caller's mistake: say
// so with the operation's name rather than as a bare TypeError.
function toJson(op, input) {
  try {
    return stringify(input);
  } catch (e) {
    throw new Error(`tactful: ${op}: the input cannot be written as JSON (${e.message.split('\n')[0]})`);
  }
}
