// Every page a demo person can reach (the coordinator's are crawled by crawl.coordinator), with
// JavaScript off: each person who can sign in (as the demo lists them) signs in and follows every
// link on this site from their home page, breadth first. Every page must answer without a server
// error. Each person's home page and the pages it links to are opened in a real browser and must
// fit a 320-pixel window without sideways scrolling; further out, a kind of page (its path, ids
// set aside) already opened for someone is fetched with this person's session instead, and its
// links followed. The first page of each kind met by either crawl file is also checked by axe for
// WCAG 2.2 AA. A coordinator reaches the same few pages for each of many members: the first
// addresses of each kind and query are visited, the rest are the same page with other names in it.
// Nothing here names a page: pages added later are crawled as soon as a link leads to them.
import t from 'tap';
import { crawlDemo } from './support/crawl.ts';

await crawlDemo(t, (email) => !email.startsWith('coordinator@'));
