// Collector section of `./run bench`: runs bench/collector.mjs (the real
// `tactful serve` collector with its durable store, fed over loopback HTTP)
// several times in fresh processes and reports the median rate beside the
// native crypto-only ceiling measured in the same run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize } from './stats.mjs';

export const title = 'Collector ingestion (2 cores, durable store)';
export const target = { ratioToCeilingMin: 0.5 };

export async function run({ root, quick }) {
  const reports = quick ? 3000 : 20000;
  const repeats = quick ? 1 : 3;
  const dir = mkdtempSync(join(tmpdir(), 'tactful-bench-col-'));
  const runs = [];
  try {
    for (let i = 0; i < repeats; i++) {
      const out = join(dir, `run${i}.json`);
      try {
        execFileSync(process.execPath, [join(root, 'bench/collector.mjs'), '--reports', String(reports), '--out', out],
          { stdio: ['ignore', 'ignore', 'inherit'] });
      } catch (e) {
        // exit 1 with a result file means some reports were not accepted/stored: report it.
      }
      const r = JSON.parse(readFileSync(out, 'utf8'));
      if (r.error) throw new Error(r.error);
      runs.push(r);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const rate = summarize(runs.map((r) => r.reportsPerSecond));
  const ceil2 = summarize(runs.map((r) => r.ceiling.sealOpenPerSecond2Threads));
  const ceil1 = summarize(runs.map((r) => r.ceiling.sealOpenPerSecond1Thread));
  const check = summarize(runs.map((r) => r.ceiling.openReportPerSecond2Threads));
  const ratio = rate.median / ceil2.median;
  const serverUs = summarize(runs.map((r) => r.cpu.serverMicrosPerReport));
  const clientUs = summarize(runs.map((r) => r.cpu.clientMicrosPerReport));
  const perCore = summarize(runs.map((r) => r.cpu.ratioPerCore));
  const fmt = (x) => Math.round(x).toLocaleString('en-US');
  const range = (s) => `${fmt(s.min)}–${fmt(s.max)}`;
  const last = runs[runs.length - 1];
  const met = ratio >= target.ratioToCeilingMin;
  return {
    header: [`per second (${reports.toLocaleString('en-US')} reports × ${repeats} runs)`, 'median', 'range'],
    rows: [
      ['reports ingested by `tactful serve` (HTTP, open, check, store)', fmt(rate.median), range(rate)],
      ['ceiling: crypto_box_seal_open, 2 threads (native)', fmt(ceil2.median), range(ceil2)],
      ['  crypto_box_seal_open, 1 thread', fmt(ceil1.median), range(ceil1)],
      ['  whole open + check of a report, 2 threads', fmt(check.median), range(check)],
      ['ratio ingested / ceiling (wall clock, client on the same cores)', ratio.toFixed(3), ''],
      ['collector CPU per report (µs)', serverUs.median.toFixed(0), `${serverUs.min.toFixed(0)}–${serverUs.max.toFixed(0)}`],
      ['  load client CPU per report (µs)', clientUs.median.toFixed(0), `${clientUs.min.toFixed(0)}–${clientUs.max.toFixed(0)}`],
      ['ratio per core: reports per collector CPU-second / seal-opens per thread-second', perCore.median.toFixed(3), `${perCore.min.toFixed(3)}–${perCore.max.toFixed(3)}`],
    ],
    notes: [
      `target ≥ ${target.ratioToCeilingMin} of the ceiling: ${met ? 'met' : `missed (${(ratio / target.ratioToCeilingMin * 100).toFixed(0)}% of the target)`}`,
      `report ${last.reportSize} bytes; ${last.connections} client connections from ${last.addresses} loopback addresses; latency p50 ${last.latencyMs.p50} ms, p99 ${last.latencyMs.p99} ms (last run)`,
      `the load client (native, tactful bench-load) shares the 2 cores with the collector (${clientUs.median.toFixed(0)} µs of CPU per report against the collector's ${serverUs.median.toFixed(0)} µs); the per-core ratio takes the client out`,
      `load average during the runs: ${runs.map((r) => r.loadAverage[0]).join(', ')} (other work on the machine lowers the wall-clock figures)`,
    ],
    results: { reports, repeats, reportsPerSecond: rate, serverMicrosPerReport: serverUs, clientMicrosPerReport: clientUs, ratioPerCore: perCore, ceiling2Threads: ceil2, ceiling1Thread: ceil1, openReport2Threads: check, ratio, target, met, runs },
  };
}
