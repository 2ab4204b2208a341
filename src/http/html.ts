// Pages Hearth serves as HTML: plain, printable, readable by screen readers and at large text
// sizes, with no script. Every value is escaped where it is put into the page.

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text made safe to put into HTML. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => entities[c]!);

/** Marks a fragment as HTML already built from escaped parts. */
export interface Html {
  readonly html: string;
}

/** A template literal whose values are escaped unless they are Html already; arrays are joined. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  const part = (v: unknown): string => (Array.isArray(v) ? v.map(part).join('') : v && typeof v === 'object' && 'html' in v ? (v as Html).html : escapeHtml(String(v ?? '')));
  return { html: strings.reduce((out, s, i) => out + s + (i < values.length ? part(values[i]) : ''), '') };
}

// Sizes in rem and em so that the reader's own text size is honoured; borders that print.
const style = `
  body { font-family: system-ui, sans-serif; font-size: 1.125rem; line-height: 1.5; max-width: 60rem; margin: 1rem auto; padding: 0 1rem; color: #111; }
  table { border-collapse: collapse; width: 100%; margin: 1em 0; }
  caption { text-align: left; font-weight: bold; padding: 0.5em 0; }
  th, td { border: 1px solid #555; padding: 0.3em 0.5em; text-align: left; vertical-align: top; }
  td.money, th.money { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  dl { display: grid; grid-template-columns: minmax(0, max-content) minmax(0, 1fr); gap: 0.2em 1em; }
  dt { font-weight: bold; }
  /* On a phone, or at 400% zoom, a statement narrows by breaking its words rather than scrolling sideways. */
  h1 { overflow-wrap: break-word; hyphens: auto; }
  p, li, th, td, dt, dd, caption { overflow-wrap: anywhere; }
  @media (max-width: 30em) { td.money, th.money { white-space: normal; } th, td { padding: 0.2em 0.25em; } }
  @media print { body { max-width: none; font-size: 11pt; } a { color: inherit; text-decoration: none; } }
`;

/** A whole page: its title is both the document's and the first heading's. */
export function page(title: string, body: Html): string {
  return `<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} – Hearth</title><style>${style}</style></head>
<body><main><h1>${escapeHtml(title)}</h1>
${body.html}
</main></body>
</html>
`;
}
