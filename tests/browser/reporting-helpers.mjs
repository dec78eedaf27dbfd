// Helpers for the reporting suites (reports, collector): config variants,
// every request a browser makes, and sealed reports opened with the
// collector's secret key by the native CLI (`tactful open-report`).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, tactfulBin } from './harness.mjs';

/** A copy of the demo config changed by `change(config)`, written to a temporary file; returns its path. */
export function reportingConfig(change) {
  const config = JSON.parse(readFileSync(join(root, 'demo-site/tactful.config.json'), 'utf8'));
  change(config);
  const path = join(mkdtempSync(join(tmpdir(), 'tactful-reporting-')), 'tactful.config.json');
  writeFileSync(path, JSON.stringify(config, null, 1));
  return path;
}

/** The config exactly as the site serves it (with reporting.publicKey), saved in the site's state dir. */
export async function servedConfig(site) {
  const response = await fetch(`${site.url}/tactful.config.json`);
  const text = await response.text();
  const path = join(site.state, 'served.config.json');
  writeFileSync(path, text);
  return { path, config: JSON.parse(text) };
}

/** Opens base64 reports with the site's secret key; one object per report (see `tactful open-report`). */
export async function openReports(site, reports) {
  const { path } = await servedConfig(site);
  let out;
  try {
    out = execFileSync(tactfulBin, ['open-report', '--config', path, '--key', site.key, '-'], {
      input: reports.join('\n') + '\n', encoding: 'utf8',
    });
  } catch (e) {
    out = e.stdout; // exit 1 when a report does not open; each line says why
  }
  return out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** Sealed reports made natively by the browser's core (`tactful report`), from accumulator JSON lines. */
export async function makeReports(site, lines) {
  const { path } = await servedConfig(site);
  const out = execFileSync(tactfulBin, ['report', '--config', path], {
    input: lines.map((l) => JSON.stringify(l)).join('\n') + '\n', encoding: 'utf8',
  });
  return out.trim().split('\n').map((b64) => Buffer.from(b64, 'base64'));
}

/**
 * The report size the wire format (docs/report-format.md) prescribes for a
 * config, computed here independently of the C++ code: per metric GRR (2 bytes)
 * while d < 3e^ε + 2, else OUE (ceil(d/8) bytes); a 13-byte header; padding to
 * 32; 5 bytes of cleartext header and 48 of seal.
 */
export function expectedReportSize(config) {
  const variants = (slotId) => {
    const slot = (config.slots || []).find((s) => s.id === slotId);
    return new Set(['default', ...slot.variants.map((v) => (typeof v === 'string' ? v : v.id))]).size;
  };
  let payload = 13;
  for (const m of config.metrics) {
    let d;
    if (m.kind === 'slotShownClicked' || m.kind === 'slotShownConverted') d = 2 * variants(m.slot) + 1;
    else if (m.kind === 'topInterest') d = config.taxonomy.filter((t) => !t.sensitive).length + 1;
    else if (m.kind === 'converted') d = 3;
    else if (m.kind === 'pagesPerVisit') d = m.buckets.length + 1;
    payload += d < 3 * Math.exp(m.epsilon) + 2 ? 2 : Math.ceil(d / 8);
  }
  return 5 + 48 + Math.ceil(payload / 32) * 32;
}

/**
 * Intercepts every request of a browser context (context.route('**\/*')) and
 * records it with its response status. `collect()` lists the POSTs to the
 * collector path.
 */
export async function recordRequests(context, collectorPath = '/collect') {
  const all = [];
  context.on('request', (request) => {
    const entry = { request, url: request.url(), method: request.method(), status: null };
    all.push(entry);
    request.response().then((r) => { entry.status = r ? r.status() : 0; }, () => { entry.status = 0; });
  });
  // fallback: a handler a test adds (to fault or alter a response) still gets the request.
  await context.route('**/*', (route) => route.fallback());
  return {
    all,
    collect: () => all.filter((e) => new URL(e.url).pathname === collectorPath),
  };
}

/** POSTs raw bytes to the collector from a given loopback address (each address has its own rate limit). */
export function post(url, body, { localAddress = '127.0.0.1', path = '/collect', headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(path, url);
    const req = httpRequest({
      host: u.hostname, port: u.port, path: u.pathname + u.search, method: 'POST', localAddress,
      // One connection per request: an idle kept-alive socket would hold one of the server's worker threads.
      agent: false,
      headers: { 'content-type': 'application/octet-stream', 'content-length': body.length, connection: 'close', ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** GETs a path with an optional bearer token; resolves { status, json|text }. */
export async function get(url, path, token) {
  const response = await fetch(new URL(path, url), { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, json, text };
}
