// The crawl of the demo's pages (test/crawl.members.test.ts and test/crawl.coordinator.test.ts).
// Named crawl.*, they start among the first files of the suite and run beside the quicker ones.
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import type { Page } from 'playwright-core';
import { browserHearth, checkPage } from './browser.ts';
import { demoHearth } from './demo.ts';

const NARROW = { width: 320, height: 640 };
/** checkPage looks for reflow at half the window's width, so a window twice as wide checks 320 pixels. */
const AUDITED = { width: NARROW.width * 2, height: NARROW.height * 2 };
/** Addresses of one kind visited for each person: each person's own data (long names, empty lists) is met on their own pages. */
const PER_KIND = 1;

/**
 * Whether this process is the first of the run to audit a kind of page. The two crawl files are
 * started by one runner, their parent: the first to create the kind's file audits it; a file run
 * alone audits every kind it meets.
 */
function firstToAudit(kind: string): boolean {
  const folder = join(tmpdir(), `hearth-crawl-audits-${process.ppid}`);
  mkdirSync(folder, { recursive: true });
  try {
    writeFileSync(join(folder, createHash('sha256').update(kind).digest('hex')), '', { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Crawls every page each demo person `crawled` picks can reach. Two test files share the people
 * between them, so the two cores crawl at once.
 */
export async function crawlDemo(t: Test, crawled: (email: string) => boolean): Promise<void> {
  // Nothing here writes, so the projections, caught up in the snapshot, need not look for more.
  const { hearth, app, demo } = await demoHearth(t, { PROJECTION_POLL_MS: '60000' });
  const served = await browserHearth(t, undefined, { open: { hearth, app } });
  if (served) {
    const { browser, url } = served;
    const origin = new URL(url).origin;
    // One window for the file: each person signs in afresh in it, with nothing of the last one's
    // kept. Opened before the first assertion, after which the file ends when nothing is queued.
    const context = await browser.newContext({ baseURL: url, viewport: NARROW, javaScriptEnabled: false, locale: 'en-GB' });
    const page = await context.newPage();
    t.teardown(() => context.close());
    const password = /passphrase "([^"]+)"/.exec(demo.stdout)?.[1] ?? '';
    const people = [...demo.stdout.matchAll(/^ {2}(\S+@\S+) /gm)].map(([, email]) => email!);
    t.ok(people.length > 0, 'the demo lists who can sign in');
    t.ok(people.some(crawled), 'some of them are crawled here');
    /** Kinds of page opened in the browser, by anyone crawled in this file. */
    const opened = new Set<string>();
    /** Kinds of page (paths alone) audited by this file. */
    const audited = new Set<string>();

    /** A page's kind: its path with ids, dates and numbers set aside, and the names of its query's parameters. */
    const kindOf = (address: string) => {
      const to = new URL(address, origin);
      const path = to.pathname
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ':id')
        .replace(/\d{4}-\d{2}-\d{2}/g, ':date')
        .replace(/\/\d+(?=\/|$)/g, '/:n');
      return { path, query: `${path}?${[...to.searchParams.keys()].sort().join('&')}` };
    };

    /**
     * How much wider than the window the page is, and what sticks out first (an element past the
     * edge inside one that is not, or one positioned past it), and the links on the page that are
     * not downloads.
     */
    const look = (page: Page) =>
      // No named functions inside: the test's compiler would name them with a helper the page lacks.
      page.evaluate(() => {
        const width = document.documentElement.clientWidth + 0.5;
        const overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
        return {
          overflow,
          culprits: [...(overflow > 0 ? document.body.querySelectorAll('*') : [])]
            // Something positioned escapes a scrolling table's clipping, so it is named even inside one past the edge.
            .filter((el) => el.getBoundingClientRect().right > width && ((el.parentElement?.getBoundingClientRect().right ?? 0) <= width || getComputedStyle(el).position === 'absolute'))
            .slice(0, 3)
            .map((el) => `${el.parentElement?.tagName.toLowerCase()} > ${el.tagName.toLowerCase()}${typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}`),
          links: [...document.querySelectorAll<HTMLAnchorElement>('a[href]:not([download])')].map((a) => a.href),
        };
      });
    /** A link to follow: this site's, not a download, not signing out. */
    const follows = (href: string) => {
      const to = new URL(href);
      return to.origin === origin && !/sign-out/.test(to.pathname) && !/\.(csv|pdf|jsonl?)$/.test(to.pathname) ? `${to.pathname}${to.search}` : undefined;
    };

    for (const email of people.filter(crawled)) {
      t.test(`every page ${email} can reach`, async (t) => {
        await context.clearCookies();
        // Signing in by keyboard is the sign-in journey's to test; here it is only the way in.
        await page.goto('/sign-in');
        await page.getByLabel('Email address').fill(email);
        await page.getByLabel('Password').fill(password);
        await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
        t.equal(new URL(page.url()).pathname, '/', 'signed in, at home');
        const queue: { path: string; depth: number }[] = [{ path: '/', depth: 0 }];
        const seen = new Set(['/']);
        const visits = new Map<string, number>();
        /** Whether another address of this kind, with these query parameters, is still worth a visit. */
        const wanted = (path: string) => {
          const { query } = kindOf(path);
          const n = visits.get(query) ?? 0;
          visits.set(query, n + 1);
          return n < PER_KIND;
        };
        const failures: string[] = [];
        let fetched = 0;
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          const { path, depth } = next;
          let links: string[];
          if (depth > 1 && opened.has(kindOf(path).query)) {
            // A kind of page already opened, and audited, for someone: this person's copy is asked
            // for with their session, for a server error and for the links it holds.
            fetched++;
            const answer = await context.request.get(path, { failOnStatusCode: false });
            if (answer.status() >= 500) failures.push(`${path}: answered ${answer.status()}`);
            if (!/text\/html/.test(answer.headers()['content-type'] ?? '')) continue;
            const html = await answer.text();
            links = [...html.matchAll(/<a\s([^>]*)>/g)]
              .map(([, attributes]) => attributes!)
              .filter((attributes) => !/(^|\s)download(\s|=|$)/.test(attributes))
              .flatMap((attributes) => /(?:^|\s)href="([^"]*)"/.exec(attributes)?.[1] ?? [])
              .map((href) => new URL(href.replaceAll('&amp;', '&'), answer.url()).href);
          } else {
            // A link to a file the page did not mark as a download starts one instead of a page.
            const answer = await page.goto(path).catch((err: Error) => (/Download is starting/.test(err.message) ? undefined : Promise.reject(err)));
            if (answer === undefined) continue;
            const status = answer?.status() ?? 0;
            if (status >= 500 || status === 0) failures.push(`${path}: answered ${status}`);
            if (!/text\/html/.test(answer?.headers()['content-type'] ?? '')) continue;
            const looked = await look(page);
            links = looked.links;
            if (looked.overflow > 0) failures.push(`${path}: ${looked.overflow}px too wide at ${NARROW.width} pixels (${looked.culprits.join('; ')})`);
            opened.add(kindOf(path).query);
            const { path: kind } = kindOf(page.url());
            if (!audited.has(kind)) {
              audited.add(kind);
              if (firstToAudit(kind)) {
                await page.setViewportSize(AUDITED);
                await checkPage(t, page, `${kind} (as ${email})`);
                await page.setViewportSize(NARROW);
              }
            }
          }
          for (const href of links) {
            const to = follows(href);
            if (to && !seen.has(to)) {
              seen.add(to);
              if (wanted(to)) queue.push({ path: to, depth: depth + 1 });
            }
          }
        }
        const visited = [...visits.values()].reduce((sum, n) => sum + Math.min(n, PER_KIND), 1);
        t.same(failures, [], `${visited} of ${seen.size} addresses (${fetched} of them fetched without the browser): no server error, nothing wider than ${NARROW.width} pixels`);
      });
    }
  }
}
