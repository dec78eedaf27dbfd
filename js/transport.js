// Sends sealed reports: fetch with no credentials, no referrer, no identifier,
// after a short random delay; failed sends retry with backoff until the
// report's deadline, then are dropped. Consent is read again, from storage,
// right before every attempt: a visitor who withdraws `aggregate` in this tab
// or another while a report waits is obeyed, and the report is dropped unsent.
// The core keeps the report until this page says it is done (report.done),
// and hands it to one page at a time (a hold this page renews while it
// retries): a page left during the delay sends it at once as it goes
// (`keepalive` outlives the page), and if that fails the next page takes the
// report up when the hold ends. A copy sent twice is counted once (the
// collector refuses replays).
const CHECK_EVERY_MS = 60_000;
const FIRST_BACKOFF_MS = 2000;
const MAX_BACKOFF_MS = 15 * 60_000;
// How long past its next step a page holds the report it is sending: enough
// for a slow fetch; a page that left lets another take it up after this.
const HOLD_MARGIN_MS = 60_000;

export function startReporting(rt, emit, say) {
  const reporting = (rt.config && rt.config.reporting) || {};
  // {min, max}, or a number: up to that many milliseconds (as the core reads it).
  const delay = typeof reporting.sendDelayMs === 'number' ? { min: 0, max: reporting.sendDelayMs } : reporting.sendDelayMs || {};
  const minDelay = num(delay.min, 1000);
  const maxDelay = Math.max(minDelay, num(delay.max, 30000));

  // Uniform in [min, max): sends from many browsers do not line up on the
  // window boundary, so arrival time says nothing about who sent what.
  function between(min, max) {
    const r = new Uint32Array(1);
    crypto.getRandomValues(r);
    return min + (r[0] / 2 ** 32) * (max - min);
  }

  // Whether `aggregate` still allows sending, from the records as stored now
  // (another tab may have withdrawn it). Consent that cannot be read is no.
  function stillAllowed() {
    return rt.transaction(() => rt.call('consent.get')).then(
      (c) => !!(c && c.purposes && c.purposes.aggregate === true),
      (e) => {
        say(`consent could not be read before sending a report, so it is not sent (${(e && e.message) || e})`);
        return false;
      });
  }

  // The options travel inside a Request: a page's fetch wrapper that passes
  // on only its first argument (an analytics shim) cannot drop them and send
  // the report with the site's cookies and the page's URL as referrer. The
  // browser would add the visitor's languages, which tell browsers apart:
  // every report says "*" instead (a value CORS lets through unasked).
  function post(url, body) {
    return fetch(new Request(url, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/octet-stream', 'Accept-Language': '*' },
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      cache: 'no-store',
      mode: url.origin === rt.win.location.origin ? 'same-origin' : 'cors',
      keepalive: true,
    }));
  }

  // Why a collector refused a report, as its plain-text answer says (the
  // reference collector's "unknown key id": a config still naming an old
  // key), on one short line for the console; nothing if it gave none.
  async function reason(answer) {
    if (!/^text\/plain\b/i.test(answer.headers.get('Content-Type') || '')) return '';
    const text = await answer.text().then((t) => t.replace(/\s+/g, ' ').trim().slice(0, 200), () => '');
    return text ? `: ${text}` : '';
  }

  // The core keeps the report until this is said (see the top of this file).
  function done(report) {
    return rt.transaction(() => rt.call('report.done', { report })).catch(() => {});
  }

  async function send(out) {
    const url = new URL(out.collector || reporting.collector || '/collect', rt.win.location.href);
    const body = Uint8Array.from(atob(out.report), (c) => c.charCodeAt(0));
    const deadline = out.deadline || Date.now() + 24 * 3600 * 1000;
    let backoff = FIRST_BACKOFF_MS;
    let attempts = 0;
    // Leaving during the delay: sent now, with consent as this page last knew it.
    // Storage's own pagehide step, added when the page started and so run
    // before this one, has already applied a change still waiting for the
    // lock: a withdrawal made just before leaving (tests/browser/reports.test.mjs).
    const leaving = () => {
      const c = rt.core.call('consent.get');
      if (c && c.purposes && c.purposes.aggregate === true) post(url, body).catch(() => {});
    };
    rt.win.addEventListener('pagehide', leaving);
    await sleep(between(minDelay, maxDelay));
    rt.win.removeEventListener('pagehide', leaving);
    for (;;) {
      if (!(await stillAllowed())) {
        emit('report', { status: 0, bytes: body.length, attempts, delivered: false, dropped: true, withdrawn: true });
        return false;
      }
      let status = 0;
      let answer;
      attempts += 1;
      try {
        answer = await post(url, body);
        status = answer.status;
      } catch {
        status = 0; // offline, blocked or refused: worth another try
      }
      // 2xx: delivered. 4xx other than 408 (timed out) and 429 (too fast): the collector will never take it.
      if ((status >= 200 && status < 300) || (status >= 400 && status < 500 && status !== 408 && status !== 429)) {
        if (status >= 300) say(`the collector ${url.href} refused the report (HTTP ${status}${await reason(answer)}); it is dropped`);
        await done(out.report);
        emit('report', { status, bytes: body.length, attempts, delivered: status < 300 });
        return status < 300;
      }
      if (attempts === 1) {
        // On another origin, "unreachable" is also what a browser reports for a
        // refused preflight or a connect-src that leaves the collector out.
        const why = status ? `answered HTTP ${status}` : url.origin === rt.win.location.origin ? 'could not be reached'
          : `could not be reached (on another origin it needs ${rt.win.location.origin} in reporting.allowedOrigins, and the page's Content-Security-Policy connect-src to allow ${url.origin})`;
        say(`the collector ${url.href} ${why}; the report is retried until ${new Date(deadline).toISOString()}, then dropped`);
      }
      // Half fixed, half random: after an outage, browsers do not all retry at once.
      const wait = between(backoff / 2, backoff);
      if (Date.now() + wait > deadline) {
        await done(out.report);
        emit('report', { status, bytes: body.length, attempts, delivered: false, dropped: true });
        return false;
      }
      // Still this page's to send while it waits (another page would otherwise take it up).
      const held = await rt.transaction(() => rt.call('report.hold', { report: out.report, ms: wait + HOLD_MARGIN_MS }))
        .then((r) => r.held, () => false);
      if (!held) return false; // done, withdrawn or taken up elsewhere
      await sleep(wait);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  /** Asks the core for a report (force: close the window now) and sends it if there is one. */
  function check(force = false) {
    return rt.transaction(() => rt.call('report', { force, holdMs: maxDelay + HOLD_MARGIN_MS })).then((out) => {
      if (out.report) send(out);
      return {
        report: !!out.report,
        epsilonSpent: out.epsilonSpent ?? 0,
        epsilonBudget: out.epsilonBudget ?? 0,
        windowEndsAt: out.windowEndsAt ?? null,
        reason: out.reason,
      };
    });
  }

  // A background check that fails must not become an unhandled rejection.
  function checkQuietly() {
    check(false).catch((e) => emit('error', { reason: 'report-failed', message: String(e && e.message ? e.message : e) }));
  }

  if (reporting.publicKey) {
    checkQuietly();
    setInterval(checkQuietly, Math.min(CHECK_EVERY_MS, num(reporting.windowSeconds, 86400) * 1000));
  }
  return { flush: () => check(true), status: () => check(false) };
}

function num(v, fallback) {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fallback;
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
