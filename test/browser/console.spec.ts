import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Farm } from '@authfarm/farm';
import { startTestFarm } from '../support/test-farm.js';

// The console as a person uses it: real Chromium (Debian's, driven by playwright-core), a real
// farm with its controls, both devices with their own cookie jar, each scenario played from its
// button and its verdict read off the page. Screenshots of each end state go to reports/browser.

const ARTEFACTS = fileURLToPath(new URL('../../reports/browser/', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// A short token life, so "a JWT outlives its logout until exp" plays out in seconds.
const JWT_TTL = 10;

let farm: Farm;
let browser: Browser;
let page: Page;
const problems: string[] = [];
const EXPECTED_REFUSAL =
  /^Failed to load resource: the server responded with a status of (401|503) /;

beforeAll(async () => {
  mkdirSync(ARTEFACTS, { recursive: true });
  [farm, browser] = await Promise.all([
    startTestFarm(
      {
        REPLICAS: '3',
        AUTH_MODES: 'session,jwt,hybrid',
        JWT_TTL: String(JWT_TTL),
        // One machine, one clock: "until exp" is exp.
        JWT_LEEWAY: '0',
      },
      {},
      [],
      { controls: true },
    ),
    chromium.launch({
      executablePath: CHROMIUM,
      // No sandbox as root in CI; no background traffic to Google's hosts on a closed network.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    }),
  ]);
  const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
  page = await context.newPage();
  page.on('console', (message) => {
    // Chromium logs every 401 and 503 a fetch receives; the scenarios make them on purpose.
    // Anything else (a script error, a blocked resource, a 404 or 500) is a problem.
    const text = message.text();
    if (message.type() === 'error' && !EXPECTED_REFUSAL.test(text)) problems.push(text);
  });
  page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await farm?.stop();
});

const port = () => new URL(farm.gatewayUrl).port;

/** Runs a scenario from its button and waits for its verdict; returns the row's text. */
async function run(button: string, scenario: string, timeoutMs = 60_000): Promise<string> {
  const row = page.locator(`[data-scenario="${scenario}"][data-verdict]`);
  await page.getByRole('button', { name: button }).click();
  await row.waitFor({ timeout: timeoutMs });
  const text = (await row.innerText()).replace(/\s+/g, ' ');
  await page.screenshot({ path: `${ARTEFACTS}${scenario}.png`, fullPage: true });
  expect({ text, verdict: await row.getAttribute('data-verdict') }).toEqual({
    text,
    verdict: 'as-claimed',
  });
  return text;
}

describe('the farm console in Chromium', () => {
  it('opens from http://127.0.0.1 on farm.localhost with both devices and a lane per replica', async () => {
    await page.goto(`http://127.0.0.1:${port()}/`);
    expect(new URL(page.url()).host).toBe(`farm.localhost:${port()}`);
    await page.locator('#devices-panel[data-ready="true"]').waitFor();
    for (const device of ['Laptop', 'Phone']) {
      const frame = page.frameLocator(`iframe[title="${device}"]`);
      await frame
        .getByRole('region', { name: device })
        .getByRole('button', { name: 'Log in' })
        .waitFor();
    }
    const farmRegion = page.getByRole('region', { name: 'The farm' });
    for (const replica of farm.replicas) {
      await farmRegion.locator(`[data-lane="${new URL(replica.url).origin}"]`).waitFor();
    }
    await page.getByText('Live feed connected.').waitFor();
    expect(await page.locator('#controls-note').getAttribute('data-availability')).toBe('on');
  });

  it('has no serious or critical accessibility violation, devices included', async () => {
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    expect(serious).toEqual([]);
  });

  it('runs "log out everywhere" from the keyboard: session refused at once, JWT until exp', async () => {
    const button = page.getByRole('button', { name: 'Run: log out everywhere' });
    await button.focus();
    const rows = page.locator('[data-scenario="logout-everywhere"][data-verdict]');
    await page.keyboard.press('Enter');
    await rows.first().waitFor({ timeout: 60_000 });
    const text = (await rows.allInnerTexts()).join(' ').replace(/\s+/g, ' ');
    await page.screenshot({ path: `${ARTEFACTS}logout-everywhere.png`, fullPage: true });
    expect(text).toMatch(/session: refused on 3\/3 replicas/);
    expect(text).toMatch(/jwt: accepted for \d+(\.\d+)? s after logout/);
    for (const verdict of await rows.evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-verdict')),
    )) {
      expect(verdict).toBe('as-claimed');
    }
  });

  it('runs "store outage": session traffic 503, JWT untouched, recovery without a restart', async () => {
    const text = await run('Run: store outage', 'store-outage');
    expect(text).toMatch(/503/);
    expect(text).toMatch(/jwt: 0% failed/);
  });

  it('runs "leaked signing key": the old kid refused farm-wide, the new one still accepted', async () => {
    const text = await run('Run: leaked signing key', 'leaked-key');
    expect(text).toMatch(/refused/);
  });

  it('runs "unsynced farm": about (N-1)/N of requests fail on per-process memory, none shared', async () => {
    const text = await run('Run: unsynced farm', 'unsynced-farm', 90_000);
    expect(text).toMatch(/failed/);
  });

  it('runs "scale": a replica added and removed under traffic, no failed request', async () => {
    const text = await run('Run: scale', 'scale');
    expect(text).toMatch(/0 failed/);
  });

  it('shows the farm, both devices and the scenarios on the first screen', async () => {
    await page.mouse.wheel(0, -100_000);
    await page.getByRole('region', { name: 'The farm' }).waitFor();
    // The README's picture of the console (copied to docs/console.png when it changes).
    await page.screenshot({ path: `${ARTEFACTS}console.png` });
  });

  it('shows no console error in the page or the devices', () => {
    expect(problems).toEqual([]);
  });
});
