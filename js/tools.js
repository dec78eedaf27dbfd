// Node-side tooling module (not for pages): opens sealed reports with the
// collector's code compiled to wasm. startTools(wasmBytes).call('report.open',
// {config, report, secretKey}) -> the decoded (still noised) report.
import createTactfulTools from 'tactful-tools-glue';
import { callJson } from './abi.js';

export async function startTools(wasmBytes) {
  const m = await createTactfulTools({ wasmBinary: wasmBytes, locateFile: (p) => p });
  if (m._tactful_tools_start() !== 0) throw new Error('tactful: the tools module could not start libsodium');
  return {
    call(op, input) {
      return callJson(m, m._tactful_tools_call, op, input);
    },
  };
}
