// Node-side tooling module (not for pages): opens sealed reports with the
// collector's code compiled to wasm. startTools(wasmBytes).call('report.open',
// {config, report, secretKey}) -> the decoded (still noised) report.
import createTactfulTools from 'tactful-tools-glue';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export async function startTools(wasmBytes) {

  const m = await createTactfulTools({ wasmBinary: wasmBytes, locateFile: (p) => p });
  if (m._tactful_tools_start() !== 0) throw new Error('tactful: the tools module could not start libsodium');
  return {
    call(op, input) {
      const opBytes = encoder.encode(op);
      const inBytes = encoder.encode(JSON.stringify(input));
      const opPtr = m._malloc(opBytes.length + 1);
      const inPtr = m._malloc(inBytes.length + 1);
      try {
        m.HEAPU8.set(opBytes, opPtr);
        m.HEAPU8.set(inBytes, inPtr);
        const out = m._tactful_tools_call(opPtr, opBytes.length, inPtr, inBytes.length);
        const h = m.HEAPU8;
        const len = h[out] | (h[out + 1] << 8) | (h[out + 2] << 16) | (h[out + 3] << 24);
        return JSON.parse(decoder.decode(h.subarray(out + 4, out + 4 + len)));
      } finally {
        m._free(opPtr);
        m._free(inPtr);
      }
    },
  };
}
