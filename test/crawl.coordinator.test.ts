// Every page the demo's coordinator can reach: a crawl of its own, as the coordinator reaches the
// most kinds of page, so that it runs beside the crawl of everyone else (test/crawl.members.test.ts).
import t from 'tap';
import { crawlDemo } from './support/crawl.ts';

await crawlDemo(t, (email) => email.startsWith('coordinator@'));
