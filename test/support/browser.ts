// Driving the pages in a real browser: Debian's Chromium through Playwright, against a Hearth
// listening on a real port. Journeys are driven by keyboard alone (Tab to a control, type, press
// Enter or Space), every page visited is checked by axe for WCAG 2.2 AA and for reflow at 200%
// zoom, and each journey's main page is kept as a screenshot for the README.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import type { Test } from 'tap';
import { openApp, type Person } from './http.ts';
import type { Database } from '../../src/db/database.ts';
import { serverFirstDatabase } from './db.ts';
import type { Hearth } from '../../src/hearth.ts';
import type { App } from '../../src/http/app.ts';

const CHROMIUM = process.env.HEARTH_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = new URL('../../docs/screenshots/', import.meta.url).pathname;

/**
 * Hearth listening on a free port, and a browser to visit it; undefined (the test planned empty)
 * where no Chromium is installed, unless browser tests are required, as in CI.
 */
export async function browserHearth(t: Test, database?: Database, options: { hostName?: string; open?: { hearth: Hearth; app: App } } = {}) {
  // A journey visits a dozen pages, each checked by axe; on a busy two-core machine that takes minutes.
  t.setTimeout(900_000);
  if (!existsSync(CHROMIUM)) {
    if (process.env.HEARTH_REQUIRE_BROWSER) throw new Error(`Browser tests are required, and there is no Chromium at ${CHROMIUM}.`);
    t.plan(0, `needs Chromium at ${CHROMIUM}`);
    return undefined;
  }
  // A Hearth already open (as the demo's is) is served as it is, and closed by whoever opened it.
  const served = options.open ? { ...options.open, close: async () => {} } : await openApp(database ?? (await serverFirstDatabase()));
  const listening = await served.app.listen({ port: 0, host: '127.0.0.1' });
  // A name other than localhost (as on a LAN) is one the browser treats as any other site's.
  const address = options.hostName ? listening.replace('127.0.0.1', options.hostName) : listening;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Playwright gives each launch a fresh, empty profile of its own.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', ...(options.hostName ? [`--host-resolver-rules=MAP ${options.hostName} 127.0.0.1`] : [])],
  });
  t.teardown(async () => {
    await browser.close();
    await served.close();
  });
  return { ...served, browser, url: address };
}

/** A fresh browser window, as a person arriving at Hearth with nothing remembered. */
export async function freshPage(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: url, viewport: { width: 1024, height: 800 }, javaScriptEnabled: false, locale: 'en-GB' });
  return context.newPage();
}

/** Moves focus by Tab alone until it reaches the control; fails if Tab never gets there. */
export async function tabTo(page: Page, target: Locator, most = 200): Promise<void> {
  for (let i = 0; i < most; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${target}`);
}

/** Types into a field reached by keyboard, replacing what it held. */
export async function typeInto(page: Page, field: Locator, text: string): Promise<void> {
  await tabTo(page, field);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type(text);
}

/** Activates a link or button by keyboard, and waits for the page it leads to. */
export async function press(page: Page, control: Locator): Promise<void> {
  await tabTo(page, control);
  await Promise.all([page.waitForEvent('load'), page.keyboard.press('Enter')]);
}

/** Picks a radio button by keyboard: Tab into its group, then arrow keys until it is chosen. */
export async function choose(page: Page, radio: Locator): Promise<void> {
  const name = await radio.getAttribute('name');
  const group = page.locator(`input[type=radio][name="${name}"]`);
  for (let i = 0; i < 200 && !(await group.evaluateAll((els) => els.includes(document.activeElement as HTMLElement))); i++) await page.keyboard.press('Tab');
  for (let i = 0; i < (await group.count()) + 1 && !(await radio.isChecked()); i++) await page.keyboard.press('ArrowDown');
  if (!(await radio.isChecked())) throw new Error(`The keyboard could not choose ${radio}`);
}

/** Picks an option of a select by keyboard: focus it, then type the start of the option's words. */
export async function select(page: Page, field: Locator, label: string): Promise<void> {
  await tabTo(page, field);
  await page.keyboard.type(label);
  const chosen = await field.evaluate((el) => (el as HTMLSelectElement).selectedOptions[0]?.textContent ?? '');
  if (chosen !== label) throw new Error(`The keyboard chose "${chosen}", not "${label}"`);
}

/** A date typed as day, month and year into a date field's three boxes. */
export async function typeDate(page: Page, name: string, iso: string): Promise<void> {
  const [year, month, day] = iso.split('-');
  await typeInto(page, page.locator(`input[name="${name}-day"]`), String(Number(day)));
  await typeInto(page, page.locator(`input[name="${name}-month"]`), String(Number(month)));
  await typeInto(page, page.locator(`input[name="${name}-year"]`), year!);
}

/** Signs in through the sign-in page, by keyboard. */
export async function signIn(page: Page, person: Person): Promise<void> {
  await page.goto('/sign-in');
  await typeInto(page, page.getByLabel('Email address'), person.email);
  await typeInto(page, page.getByLabel('Password'), person.password);
  await press(page, page.getByRole('button', { name: 'Sign in' }));
}

const auditors = new WeakMap<Browser, Page>();

/** Axe runs as a script, and the journeys run without any: it checks a copy of the page in a window that allows scripts. */
async function auditorFor(page: Page): Promise<Page> {
  const browser = page.context().browser()!;
  let auditor = auditors.get(browser);
  if (!auditor) {
    auditor = await (await browser.newContext({ viewport: page.viewportSize()!, locale: 'en-GB' })).newPage();
    auditors.set(browser, auditor);
  }
  await auditor.setViewportSize(page.viewportSize()!);
  // The page's own markup as the browser holds it, read by one script rather than Playwright's
  // page.content(), which costs several round trips.
  const html = await page.evaluate(() => `${document.doctype ? '<!DOCTYPE html>' : ''}${document.documentElement.outerHTML}`);
  await auditor.setContent(html, { waitUntil: 'load' });
  return auditor;
}

/**
 * Checks the page in view: no axe violation of WCAG 2.0–2.2 A and AA, one h1 that the title
 * names, and nothing wider than the window at 200% zoom (a 1024-pixel window zoomed is 512 wide).
 */
export async function checkPage(t: Test, page: Page, what: string): Promise<void> {
  const auditor = await auditorFor(page);
  // Writing a copy into the auditor keeps its window, so axe, once loaded, is not loaded again.
  const loaded = await auditor.evaluate(() => 'axe' in window);
  // The copy has no frames, so axe runs in it alone (legacy mode) rather than opening a blank page
  // to gather frames' results, which tripled the cost of every audit.
  const result = await new AxeBuilder({ page: auditor, ...(loaded ? { axeSource: 'undefined' } : {}) })
    .setLegacyMode(true)
    // Only violations are wanted; options() replaces what withTags() set, so it comes first.
    .options({ resultTypes: ['violations'] })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  t.same(
    result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    [],
    `${what}: axe finds no WCAG 2.2 AA violation`,
  );
  const { h1, title } = await auditor.evaluate(() => ({ h1: [...document.querySelectorAll('h1')].map((h) => (h.textContent ?? '').replace(/\s+/g, ' ').trim()), title: document.title }));
  t.equal(h1.length, 1, `${what}: one main heading`);
  t.ok(title.includes(h1[0] ?? '\u0000'), `${what}: the title names the page`);
  const size = page.viewportSize()!;
  await auditor.setViewportSize({ width: size.width / 2, height: size.height / 2 });
  const overflow = await auditor.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  t.ok(overflow <= 0, `${what}: nothing needs sideways scrolling at 200% zoom (${overflow}px too wide)`);
  // 320 pixels is a small phone, and a 1280-pixel window at 400% zoom (WCAG 1.4.10).
  await auditor.setViewportSize({ width: 320, height: 640 });
  const narrow = await auditor.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    // A chart's text is drawn in its own units: what a reader sees is that times the drawing's scale.
    chartText: Math.min(
      Infinity,
      ...[...document.querySelectorAll('svg[viewBox]')].flatMap((svg) => {
        const scale = svg.getBoundingClientRect().width / (svg as SVGSVGElement).viewBox.baseVal.width;
        return [...svg.querySelectorAll('text')].map((text) => Number(text.getAttribute('font-size') ?? 16) * scale);
      }),
    ),
  }));
  t.ok(narrow.overflow <= 0, `${what}: nothing needs sideways scrolling at 320 pixels or 400% zoom (${narrow.overflow}px too wide)`);
  t.ok(narrow.chartText >= 14, `${what}: no chart text under 14 pixels at 320 pixels (${narrow.chartText === Infinity ? 'no chart' : narrow.chartText.toFixed(1)})`);
}

/** Keeps the page as the journey's screenshot, shown in the README. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
