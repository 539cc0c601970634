// Drives the balancer manager page in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core; no browser is ever downloaded) and disables one member through its edit form,
// as an operator would.
//
//   node test/browser/manager.mjs '{"baseUrl": "http://127.0.0.1:8080", "user": "admin", ...}'
//   MCA_BROWSER_CONFIG='{...}' node test/browser/manager.mjs
//
// Config (JSON, first argument or $MCA_BROWSER_CONFIG):
//   baseUrl           http://host:port of the httpd (required)
//   path              the manager's path (default /balancer-manager)
//   user, password    HTTP Basic credentials (required)
//   balancer          the balancer's name, without balancer:// (required)
//   member            index of the member to disable (default 1)
//   members           how many members the balancer must show, all healthy (default member + 1)
//   screenshotBefore  PNG path for the full page before the edit (required)
//   screenshotAfter   PNG path for the full page after the edit (required)
//   chromium          the browser binary (default $CHROMIUM or /usr/bin/chromium)
//   timeoutMs         per-step timeout (default 15000)
//
// Checks: every member of the balancer shows a healthy badge; after selecting Disabled = On in
// the member's form and clicking Save, the page comes back with the "Saved." notice, that member's
// row says data-state="disabled" with a grey badge-off badge, and the other members are
// untouched; every request the page made went to the manager's own origin (the page links an
// inline icon, so not even /favicon.ico is asked for); no console error and no uncaught page
// error.
// Prints one JSON summary line on success; exits 1 with a message naming the failed check
// otherwise (2 for a bad config).
import { chromium } from 'playwright-core';

class CheckFailed extends Error {}

function fail(message) {
  throw new CheckFailed(message);
}

function readConfig() {
  const text = process.argv[2] ?? process.env.MCA_BROWSER_CONFIG;
  if (!text) {
    console.error('manager.mjs: give the JSON config as the first argument or in ' +
                  'MCA_BROWSER_CONFIG');
    process.exit(2);
  }
  let config;
  try {
    config = JSON.parse(text);
  } catch (e) {
    console.error(`manager.mjs: the config is not JSON: ${e.message}`);
    process.exit(2);
  }
  const missing = ['baseUrl', 'user', 'password', 'balancer', 'screenshotBefore', 'screenshotAfter']
    .filter((k) => typeof config[k] !== 'string' || config[k] === '');
  if (missing.length) {
    console.error(`manager.mjs: config lacks ${missing.join(', ')}`);
    process.exit(2);
  }
  const member = config.member ?? 1;
  return {
    path: '/balancer-manager',
    chromium: process.env.CHROMIUM || '/usr/bin/chromium',
    timeoutMs: 15000,
    members: member + 1,
    ...config,
    member,
  };
}

// The badge of a member row: its classes and data-health.
async function badgeOf(row) {
  const badge = row.locator('.badge');
  if ((await badge.count()) !== 1) {
    fail(`row #${await row.getAttribute('id')} has no single .badge`);
  }
  return {
    classes: ((await badge.getAttribute('class')) ?? '').split(/\s+/).filter(Boolean),
    health: await badge.getAttribute('data-health'),
    text: ((await badge.textContent()) ?? '').trim(),
  };
}

async function rowState(page, balancer, i) {
  const row = page.locator(`tr.member#member-${balancer}-${i}`);
  if ((await row.count()) !== 1) fail(`no member row #member-${balancer}-${i}`);
  return { state: await row.getAttribute('data-state'), badge: await badgeOf(row) };
}

async function run(config, page, observed) {
  const url = new URL(config.path, config.baseUrl).href;
  const { balancer, member } = config;

  // ---- before ----
  const first = await page.goto(url, { waitUntil: 'load' });
  if (!first) fail(`no response for ${url}`);
  if (first.status() !== 200) fail(`GET ${url} answered ${first.status()}, not 200`);
  if ((await page.title()) !== 'Balancer Manager') fail(`unexpected title "${await page.title()}"`);
  const section = page.locator(`section#balancer-${balancer}`);
  if ((await section.count()) !== 1) fail(`no <section id="balancer-${balancer}"> on the page`);
  const rows = section.locator('tr.member');
  const count = await rows.count();
  if (count !== config.members) {
    fail(`balancer ${balancer} shows ${count} members, expected ${config.members}`);
  }
  if (member < 0 || member >= count) fail(`member index ${member} is not on the page`);
  const before = [];
  for (let i = 0; i < count; i++) {
    const s = await rowState(page, balancer, i);
    before.push(s);
    if (s.state !== 'active') fail(`member ${i} is "${s.state}" before the edit, expected active`);
    if (s.badge.health !== 'healthy' || !s.badge.classes.includes('badge-ok')) {
      fail(`member ${i}'s badge is ${JSON.stringify(s.badge)} before the edit, expected ` +
           'data-health="healthy" and class badge-ok');
    }
  }
  if ((await page.locator('#message').count()) !== 0) fail('a #message notice before any save');
  await page.screenshot({ path: config.screenshotBefore, fullPage: true });

  // ---- the edit: Disabled = On, Save ----
  const form = page.locator(`form#edit-${balancer}-${member}`);
  if ((await form.count()) !== 1) fail(`no edit form #edit-${balancer}-${member}`);
  if (((await form.getAttribute('method')) ?? '').toLowerCase() !== 'post') {
    fail(`form #edit-${balancer}-${member} does not use method="post"`);
  }
  const select = form.locator('select[name="w_status_D"]');
  if ((await select.count()) !== 1) {
    fail(`form #edit-${balancer}-${member} has no w_status_D select`);
  }
  if ((await select.inputValue()) !== '0') fail('w_status_D is not 0 before the edit');
  await select.selectOption('1');
  const posted = page.waitForResponse((r) => r.request().method() === 'POST');
  await form.locator('input[type="submit"][name="save"]').click();
  const response = await posted;
  // Post/redirect/get: the POST answers 303 to the page, so reloading does not post again.
  if (response.status() !== 303) {
    fail(`the Save POST answered ${response.status()}, not 303 to the page`);
  }
  await page.waitForURL(/[?&]saved=1/);
  await page.waitForLoadState('load');

  // ---- after ----
  const message = page.locator('#message');
  if ((await message.count()) !== 1) fail('no #message notice after Save');
  const notice = ((await message.textContent()) ?? '').trim();
  if (!/saved/i.test(notice) || ((await message.getAttribute('class')) ?? '').includes('error')) {
    fail(`the notice after Save says "${notice}"`);
  }
  const after = [];
  for (let i = 0; i < count; i++) after.push(await rowState(page, balancer, i));
  const edited = after[member];
  if (edited.state !== 'disabled') {
    fail(`member ${member} is "${edited.state}" after Save, expected disabled`);
  }
  if (!edited.badge.classes.includes('badge-off') || edited.badge.health !== 'off') {
    fail(`member ${member}'s badge is ${JSON.stringify(edited.badge)} after Save, expected ` +
         'class badge-off and data-health="off"');
  }
  for (let i = 0; i < count; i++) {
    if (i === member) continue;
    if (after[i].state !== 'active' || after[i].badge.health !== 'healthy') {
      fail(`member ${i} changed too: ${JSON.stringify(after[i])}`);
    }
  }
  const selectAfter = page.locator(`form#edit-${balancer}-${member} select[name="w_status_D"]`);
  if ((await selectAfter.inputValue()) !== '1') {
    fail('the re-rendered form does not show Disabled = On');
  }
  await page.screenshot({ path: config.screenshotAfter, fullPage: true });

  // ---- what the page did along the way ----
  const origin = new URL(config.baseUrl).origin;
  const foreign = observed.requests.filter((r) => {
    try {
      return new URL(r).origin !== origin;
    } catch {
      return true;
    }
  });
  if (foreign.length) fail(`requests outside ${origin}: ${foreign.join(', ')}`);
  if (observed.failed.length) fail(`failed requests: ${observed.failed.join('; ')}`);
  if (observed.consoleErrors.length) fail(`console errors: ${observed.consoleErrors.join(' | ')}`);
  if (observed.pageErrors.length) fail(`page errors: ${observed.pageErrors.join(' | ')}`);

  return { before, after, notice, requests: observed.requests, ignored: observed.ignored };
}

async function main() {
  const config = readConfig();
  const observed = { requests: [], failed: [], consoleErrors: [], pageErrors: [], ignored: [] };
  let browser;
  try {
    browser = await chromium.launch({
      executablePath: config.chromium,
      args: ['--no-sandbox'],
      timeout: 30000,
    });
    const context = await browser.newContext({
      httpCredentials: {
        username: config.user,
        password: config.password,
        origin: new URL(config.baseUrl).origin,
      },
      viewport: { width: 1400, height: 900 },
    });
    context.setDefaultTimeout(config.timeoutMs);
    context.setDefaultNavigationTimeout(config.timeoutMs);
    const page = await context.newPage();
    page.on('request', (r) => observed.requests.push(r.url()));
    page.on('requestfailed', (r) => observed.failed.push(`${r.url()}: ${r.failure()?.errorText}`));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      observed.consoleErrors.push(`${m.text()} (${m.location()?.url ?? ''})`);
    });
    page.on('pageerror', (e) => observed.pageErrors.push(String(e)));
    const summary = await run(config, page, observed);
    console.log(JSON.stringify({ ok: true, browser: browser.version(), ...summary }));
    return 0;
  } catch (e) {
    const what = e instanceof CheckFailed ? e.message : `unexpected error: ${e.stack ?? e}`;
    console.error(`manager.mjs: FAILED: ${what}`);
    return 1;
  } finally {
    if (browser) await browser.close().catch(() => {});
  }
}

process.exitCode = await main();
