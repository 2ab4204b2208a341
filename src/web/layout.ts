// The frame of every page: a skip link, who is signed in, where you are, and one heading that is
// also the document's title. Sizes are in rem so the reader's own text size and zoom are honoured;
// targets are at least 44 pixels; focus is always visible; nothing needs a script.
import { escapeHtml, html, type Html } from '../http/html.ts';

const style = `
  *, *::before, *::after { box-sizing: border-box; }
  html { font-size: 112.5%; }
  body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; line-height: 1.5; color: #0b0c0c; background: #fff; margin: 0; }
  a { color: #1d4e89; text-underline-offset: 0.15em; }
  a:visited { color: #4c2c92; }
  a:focus, button:focus, input:focus, select:focus, textarea:focus, summary:focus { outline: 3px solid #ffbf47; outline-offset: 0; box-shadow: 0 0 0 6px #0b0c0c; }
  .visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  /* Hidden words are placed inside the box that holds them, so that they cannot widen the page. */
  .visually-hidden { top: 0; left: 0; margin: 0; padding: 0; border: 0; clip-path: inset(50%); }
  .table-scroll, th, td, .field, main { position: relative; }
  /* A long word breaks rather than pushing the page wider than a small phone. */
  h1, h2, h3 { overflow-wrap: break-word; hyphens: auto; }
  p, li, td, th, dd, dt, caption, label, legend, figcaption, .tag { overflow-wrap: anywhere; }
  main { min-width: 0; }
  .skip { position: absolute; left: -9999px; }
  .skip:focus { position: static; display: block; padding: 0.5rem 1rem; background: #ffbf47; color: #0b0c0c; }
  header.site { background: #0b0c0c; color: #fff; padding: 0.5rem 1rem; display: flex; flex-wrap: wrap; gap: 0.5rem 2rem; align-items: center; justify-content: space-between; }
  header.site a { color: #fff; font-weight: bold; font-size: 1.3rem; text-decoration: none; }
  header.site form { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; margin: 0; }
  header.site button { background: #fff; color: #0b0c0c; margin: 0; }
  header.site a.account { font-size: 1rem; text-decoration: underline; }
  .wrap { max-width: 60rem; margin: 0 auto; padding: 0 1rem 3rem; }
  nav.crumbs ol { list-style: none; padding: 0; margin: 1rem 0 0; display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; }
  nav.crumbs li + li::before { content: "›"; margin-right: 0.75rem; }
  h1 { font-size: 2rem; line-height: 1.2; margin: 1.5rem 0 1rem; }
  h2 { font-size: 1.5rem; margin: 2rem 0 0.75rem; }
  p, li { max-width: 40em; }
  .figure { font-size: 2.25rem; font-weight: bold; margin: 0.25rem 0 1rem; }
  .panel { border: 4px solid #00703c; padding: 1rem 1.5rem; margin: 1rem 0 2rem; }
  .panel h2 { margin-top: 0; }
  .error-summary { border: 4px solid #d4351c; padding: 1rem 1.5rem; margin: 1rem 0 2rem; }
  .error-summary h2 { margin-top: 0; }
  .error-summary a { color: #d4351c; font-weight: bold; }
  .field { margin: 0 0 1.5rem; }
  .field.invalid { border-left: 5px solid #d4351c; padding-left: 1rem; }
  label, legend { display: block; font-weight: bold; margin-bottom: 0.25rem; }
  fieldset { border: 0; padding: 0; margin: 0; min-width: 0; }
  .hint { color: #484949; margin: 0 0 0.5rem; }
  .error { color: #d4351c; font-weight: bold; margin: 0 0 0.5rem; }
  input, select, textarea { font: inherit; min-height: 2.75rem; padding: 0.3rem 0.5rem; border: 2px solid #0b0c0c; border-radius: 0; max-width: 100%; }
  input[type=text], input[type=email], input[type=password], select, textarea { width: 100%; max-width: 30rem; }
  .invalid input, .invalid select, .invalid textarea { border-color: #d4351c; }
  .parts { display: flex; flex-wrap: wrap; gap: 1rem; }
  .parts label { font-weight: normal; }
  .parts input { width: 5em; }
  .parts .year input { width: 7em; }
  .choice { display: flex; align-items: center; gap: 0.75rem; margin: 0.5rem 0; min-height: 2.75rem; }
  .choice input { width: 1.75rem; height: 1.75rem; min-height: 0; margin: 0; flex: none; }
  .choice label { font-weight: normal; margin: 0; }
  button, .button { font: inherit; font-weight: bold; min-height: 2.75rem; padding: 0.4rem 1.25rem; margin: 0.25rem 0.75rem 0.75rem 0; border: 2px solid #0b0c0c; background: #00703c; color: #fff; cursor: pointer; display: inline-block; text-decoration: none; }
  a.button, a.button:visited { color: #fff; }
  button.secondary, a.button.secondary, a.button.secondary:visited { background: #f3f2f1; color: #0b0c0c; }
  button.warning { background: #d4351c; }
  form.inline { display: inline; }
  .table-scroll { overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; }
  caption { text-align: left; font-weight: bold; padding: 0.5rem 0; }
  th, td { border-bottom: 1px solid #b1b4b6; padding: 0.5rem 0.75rem 0.5rem 0; text-align: left; vertical-align: top; }
  .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  dl.summary { display: grid; grid-template-columns: minmax(8rem, max-content) minmax(0, 1fr); gap: 0.5rem 1.5rem; }
  dl.summary dt { font-weight: bold; }
  dl.summary dd { margin: 0; }
  @media (max-width: 30em) {
    h1 { font-size: 1.6rem; }
    dl.summary { grid-template-columns: minmax(0, 1fr); gap: 0 1rem; }
    dl.summary dd { margin-bottom: 0.5rem; }
  }
  .table-scroll { max-width: 100%; }
  figure.chart { margin: 1rem 0 2rem; }
  figure.chart svg { width: 100%; max-width: 26rem; height: auto; display: block; }
  .tag { display: inline-block; padding: 0 0.4rem; border: 2px solid currentColor; font-weight: bold; }
  @media (max-width: 40rem) {
    table.stacked thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
    table.stacked tr { display: block; border-bottom: 2px solid #0b0c0c; padding: 0.5rem 0; }
    table.stacked th, table.stacked td { display: block; border: 0; padding: 0.15rem 0; text-align: left; white-space: normal; }
    table.stacked td[data-label]::before { content: attr(data-label) ": "; font-weight: bold; }
    table.stacked td:empty { display: none; }
  }
  ul.actions { list-style: none; padding: 0; }
  ul.actions li { margin: 0 0 0.75rem; }
  footer.site { border-top: 4px solid #1d4e89; padding: 1rem; margin-top: 2rem; }
  footer.site ul { list-style: none; padding: 0; margin: 0 auto; max-width: 60rem; display: flex; flex-wrap: wrap; gap: 0.5rem 2rem; }
  footer.site a { display: inline-block; padding: 0.5rem 0; }
  .help-contact { white-space: pre-line; font-size: 1.25rem; }
  .way-in { font-size: 1.25rem; }
  .way-in .way-in-code { font-family: monospace; font-size: 2rem; font-weight: bold; letter-spacing: 0.1em; overflow-wrap: anywhere; margin: 0.5rem 0 1rem; }
  @media print {
    .way-in { font-size: 18pt; border: 0; }
    .way-in .way-in-code { font-size: 32pt; }
    header.site, nav.crumbs, .skip, form, .no-print, footer.site { display: none !important; }
    .wrap { max-width: none; padding: 0; }
    body { font-size: 11pt; }
    a { color: inherit; text-decoration: none; }
    table { page-break-inside: auto; } tr { page-break-inside: avoid; }
  }
`;

export interface Crumb {
  href: string;
  label: string;
}

export interface Frame {
  title: string;
  body: Html;
  /** The signed-in person, with the token their forms carry. */
  who?: { name?: string; csrfToken: string };
  /** The way back up, not counting this page. */
  crumbs?: Crumb[];
  /** A page re-shown with errors says so first in its title, for screen readers. */
  hasErrors?: boolean;
}

export function layout({ title, body, who, crumbs = [], hasErrors = false }: Frame): string {
  const signOut = who
    ? html`<form method="post" action="/sign-out">${who.name ? html`<span>Signed in as ${who.name}</span> <a href="/account" class="account">Your account</a>` : html``}<input type="hidden" name="_csrf" value="${who.csrfToken}"><button type="submit">Sign out</button></form>`
    : html``;
  const trail = crumbs.length > 0 ? html`<nav class="crumbs" aria-label="You are here"><ol>${crumbs.map((c) => html`<li><a href="${c.href}">${c.label}</a></li>`)}</ol></nav>` : html``;
  return `<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${hasErrors ? 'Error: ' : ''}${escapeHtml(title)} – Hearth</title><style>${style}</style></head>
<body><a class="skip" href="#main">Skip to main content</a>
<header class="site"><a href="/">Hearth</a>${signOut.html}</header>
<div class="wrap">${trail.html}
<main id="main" tabindex="-1"><h1>${escapeHtml(title)}</h1>
${body.html}
</main></div>
<footer class="site"><ul><li><a href="/help">Get help</a></li><li><a href="/privacy">Privacy</a></li><li><a href="/accessibility">Accessibility</a></li></ul></footer></body>
</html>
`;
}
