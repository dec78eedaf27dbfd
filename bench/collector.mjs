// Collector ingestion: sealed reports per second taken by the real
// `tactful serve` collector over loopback HTTP (open, check, replay digest,
// group commit to the durable SQLite/WAL store, 204), beside the crypto-only
// ceiling measured natively (`tactful bench-open`: crypto_box_seal_open and
// the whole open_report check per second). Prints one JSON object.
//   node bench/collector.mjs [--reports 20000] [--connections 32] [--out FILE]
// The client (`tactful bench-load`, native) runs on the same machine (2
// cores), so the HTTP number is a lower bound for a collector with the cores
// to itself. Every browser has its own address and the collector rate-limits
// per address, so the client spreads its requests over many loopback
// addresses (127.x.y.z), a handful each.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'build/native/tactful');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const total = Number(arg('reports', 20000));
const connections = Number(arg('connections', 32));
const perAddress = 15; // under the collector's burst of 20 per address
const token = 'bench-owner-token';

const state = mkdtempSync(join(tmpdir(), 'tactful-bench-collector-'));
const key = join(state, 'collector.key');
execFileSync(bin, ['keygen', '--out', key]);
const server = spawn(bin, [
  'serve', '--site', join(root, 'demo-site/public'), '--port', '0',
  '--config', join(root, 'demo-site/tactful.config.json'), '--key', key,
  '--db', join(state, 'aggregates.db'), '--token', token,
  '--chart-js', join(root, 'node_modules/chart.js/dist/chart.umd.js'),
], { stdio: ['ignore', 'pipe', 'inherit'] });

try {
  const url = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(new URL(m[1]));
    });
    server.on('exit', (code) => reject(new Error(`tactful serve exited ${code}`)));
  });

  // The config exactly as browsers get it (with the collector's public key).
  const configPath = join(state, 'served.config.json');
  writeFileSync(configPath, await (await fetch(new URL('/tactful.config.json', url))).text());

  // Distinct real reports from the browser's core, each for a visitor who saw something.
  let started = performance.now();
  const lines = Array.from({ length: total }, (_, i) => JSON.stringify({
    converted: i % 3 === 0, pageViews: 1 + (i % 9), visits: 1,
    slots: { hero: { last: 0, variants: [{ id: ['default', 'trail-running', 'hiking', 'city'][i % 4], shown: 1, clicked: i % 5 === 0 }] } },
  })).join('\n') + '\n';
  const reports = execFileSync(bin, ['report', '--config', configPath], { input: lines, encoding: 'utf8', maxBuffer: 1 << 30 })
    .trim().split('\n');
  const generateSeconds = (performance.now() - started) / 1000;

  // The load: `tactful bench-load`, a native client (one POST per report, C
  // keep-alive connections, a new loopback address every few reports), so
  // that the client takes little of the 2 cores it shares with the collector.
  const reportsPath = join(state, 'reports.b64');
  writeFileSync(reportsPath, reports.join('\n') + '\n');
  // CPU time of the collector, so that its own cost per report is visible
  // apart from the client's and from whatever else the machine runs.
  const serverCpu = () => {
    const f = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, clock ticks (USER_HZ = 100)
  };
  const server0 = serverCpu();
  const load = JSON.parse(await new Promise((resolve, reject) => {
    const child = spawn(bin, ['bench-load', '--host', url.hostname, '--port', url.port, '--path', '/collect',
      '--reports', reportsPath, '--connections', String(connections), '--per-address', String(perAddress)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`tactful bench-load exited ${code}`))));
  }));
  const serverCpuSeconds = serverCpu() - server0;
  const seconds = load.seconds;
  const clientCpuSeconds = load.cpuSeconds;
  const statuses = new Map(Object.entries(load.statuses).map(([k, v]) => [Number(k), v]));
  const addressCount = load.addresses;

  const insights = await (await fetch(new URL('/api/insights', url), { headers: { Authorization: `Bearer ${token}` } })).json();
  const ceiling = JSON.parse(execFileSync(bin, ['bench-open', '--config', configPath, '--key', key, '--threads', '2'], { encoding: 'utf8' }));
  const accepted = statuses.get(204) || 0;
  const reportsPerSecond = accepted / seconds;
  const result = {
    benchmark: 'collector-ingestion',
    cores: cpus().length,
    reportSize: Buffer.from(reports[0], 'base64').length,
    reports: total,
    connections,
    addresses: addressCount,
    statuses: Object.fromEntries(statuses),
    storedReports: insights.total.reports,
    seconds: round(seconds, 3),
    reportsPerSecond: Math.round(reportsPerSecond),
    latencyMs: { p50: round(load.latencyMs.p50, 2), p99: round(load.latencyMs.p99, 2) },
    ceiling: {
      sealOpenPerSecond1Thread: Math.round(ceiling.sealOpenPerSecond1),
      sealOpenPerSecond2Threads: Math.round(ceiling.sealOpenPerSecondN),
      openReportPerSecond2Threads: Math.round(ceiling.openReportPerSecondN),
    },
    ratioToCeiling: round(reportsPerSecond / ceiling.sealOpenPerSecondN, 3),
    cpu: {
      serverSeconds: round(serverCpuSeconds, 3),
      clientSeconds: round(clientCpuSeconds, 3),
      serverMicrosPerReport: round(serverCpuSeconds / accepted * 1e6, 1),
      clientMicrosPerReport: round(clientCpuSeconds / accepted * 1e6, 1),
      // Reports one collector core takes per second of its own CPU time, against
      // seal-opens one thread does per second: the ratio with the client's cost removed.
      reportsPerServerCpuSecond: Math.round(accepted / serverCpuSeconds),
      ratioPerCore: round(accepted / serverCpuSeconds / ceiling.sealOpenPerSecond1, 3),
    },
    loadAverage: os.loadavg().map((x) => round(x, 2)),
    generateReportsPerSecond: Math.round(total / generateSeconds),
    note: 'the native client (tactful bench-load) and the collector share the 2 cores; the collector rate-limits per address, so requests come from many 127.x.y.z addresses',
  };
  if (accepted !== total || insights.total.reports !== total) {
    result.error = `expected ${total} accepted and stored, got ${accepted} accepted and ${insights.total.reports} stored`;
    process.exitCode = 1;
  }
  const out = arg('out', null);
  if (out) writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result, null, 2));
} finally {
  server.kill('SIGTERM');
  rmSync(state, { recursive: true, force: true });
}

function round(x, digits) {
  return Number(x.toFixed(digits));
}
