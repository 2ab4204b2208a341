// Forms as older people find them easiest: one labelled field at a time, hints in plain words,
// dates as day, month and year, durations as hours and minutes, money in pounds; and when
// something is wrong, a summary at the top linking to each field, and the reason beside it.
import { randomUUID } from 'node:crypto';
import { html, type Html } from '../http/html.ts';
import { poundsToPence } from '../units.ts';
import type { Problem } from '../http/problem.ts';

export type Values = Record<string, string | undefined>;

export interface FormState {
  values: Values;
  /** Field name → what is wrong with it. */
  errors: Record<string, string>;
  /** What went wrong that is not about one field. */
  general?: string;
}

export const formState = (values: Values = {}): FormState => ({ values, errors: {} });

/** The form body as posted: every value a trimmed string. */
export function posted(body: unknown): FormState {
  const values: Values = {};
  for (const [k, v] of Object.entries((body ?? {}) as Record<string, unknown>)) values[k] = typeof v === 'string' ? v.trim() : Array.isArray(v) ? String(v[0] ?? '').trim() : undefined;
  return formState(values);
}

export const hasErrors = (state: FormState) => Object.keys(state.errors).length > 0 || state.general !== undefined;

const id = (name: string) => `f-${name}`;

interface Spec {
  name: string;
  label: string;
  hint?: string;
}

function described(state: FormState, name: string, hint: string | undefined) {
  const error = state.errors[name];
  const ids = [hint ? `${id(name)}-hint` : '', error ? `${id(name)}-error` : ''].filter(Boolean).join(' ');
  return {
    error,
    cls: error ? 'field invalid' : 'field',
    hint: hint ? html`<p class="hint" id="${id(name)}-hint">${hint}</p>` : html``,
    message: error ? html`<p class="error" id="${id(name)}-error"><span class="visually-hidden">Error: </span>${error}</p>` : html``,
    aria: html`${ids ? html` aria-describedby="${ids}"` : html``}${error ? html` aria-invalid="true"` : html``}`,
  };
}

export function textField(state: FormState, spec: Spec & { type?: 'text' | 'email' | 'password'; autocomplete?: string; inputmode?: string; width?: string }): Html {
  const d = described(state, spec.name, spec.hint);
  const value = spec.type === 'password' ? '' : (state.values[spec.name] ?? '');
  return html`<div class="${d.cls}"><label for="${id(spec.name)}">${spec.label}</label>${d.hint}${d.message}<input id="${id(spec.name)}" name="${spec.name}" type="${spec.type ?? 'text'}" value="${value}"${spec.autocomplete ? html` autocomplete="${spec.autocomplete}"` : html``}${spec.inputmode ? html` inputmode="${spec.inputmode}"` : html``}${spec.width ? html` style="max-width:${spec.width}"` : html``}${d.aria}></div>`;
}

export function textArea(state: FormState, spec: Spec & { rows?: number }): Html {
  const d = described(state, spec.name, spec.hint);
  return html`<div class="${d.cls}"><label for="${id(spec.name)}">${spec.label}</label>${d.hint}${d.message}<textarea id="${id(spec.name)}" name="${spec.name}" rows="${spec.rows ?? 3}"${d.aria}>${state.values[spec.name] ?? ''}</textarea></div>`;
}

/** Pounds and pence, written as people write them. */
export function moneyField(state: FormState, spec: Spec): Html {
  return textField(state, { ...spec, hint: spec.hint ?? 'In pounds, for example 12.50', inputmode: 'decimal', width: '10em' });
}

export function selectField(state: FormState, spec: Spec & { options: Array<{ value: string; label: string }>; prompt?: string }): Html {
  const d = described(state, spec.name, spec.hint);
  const chosen = state.values[spec.name] ?? '';
  return html`<div class="${d.cls}"><label for="${id(spec.name)}">${spec.label}</label>${d.hint}${d.message}<select id="${id(spec.name)}" name="${spec.name}"${d.aria}>${spec.prompt === undefined ? html`` : html`<option value="">${spec.prompt}</option>`}${spec.options.map((o) => html`<option value="${o.value}"${o.value === chosen ? html` selected` : html``}>${o.label}</option>`)}</select></div>`;
}

export function radioField(state: FormState, spec: Spec & { options: Array<{ value: string; label: string; hint?: string }> }): Html {
  const d = described(state, spec.name, spec.hint);
  const chosen = state.values[spec.name];
  return html`<div class="${d.cls}"><fieldset${d.aria}><legend>${spec.label}</legend>${d.hint}${d.message}${spec.options.map(
    (o, i) =>
      html`<div class="choice"><input type="radio" id="${id(spec.name)}${i === 0 ? '' : `-${i}`}" name="${spec.name}" value="${o.value}"${o.value === chosen ? html` checked` : html``}><label for="${id(spec.name)}${i === 0 ? '' : `-${i}`}">${o.label}${o.hint ? html` <span class="hint">${o.hint}</span>` : html``}</label></div>`,
  )}</fieldset></div>`;
}

/** A date as three boxes: day, month, year. The first box carries the field's id for the error link. */
export function dateField(state: FormState, spec: Spec): Html {
  const d = described(state, spec.name, spec.hint ?? 'For example, 27 3 2026');
  const part = (suffix: string, label: string, cls = '') =>
    html`<div class="${cls}"><label for="${suffix === 'day' ? id(spec.name) : `${id(spec.name)}-${suffix}`}">${label}</label><input id="${suffix === 'day' ? id(spec.name) : `${id(spec.name)}-${suffix}`}" name="${spec.name}-${suffix}" inputmode="numeric" value="${state.values[`${spec.name}-${suffix}`] ?? ''}"${d.error ? html` aria-invalid="true"` : html``}></div>`;
  return html`<div class="${d.cls}"><fieldset role="group"${d.aria}><legend>${spec.label}</legend>${d.hint}${d.message}<div class="parts">${part('day', 'Day')}${part('month', 'Month')}${part('year', 'Year', 'year')}</div></fieldset></div>`;
}

/** A length of time as hours and minutes. */
export function durationField(state: FormState, spec: Spec): Html {
  const d = described(state, spec.name, spec.hint ?? 'For example, 1 hour 30 minutes');
  const part = (suffix: 'hours' | 'minutes', label: string) =>
    html`<div><label for="${suffix === 'hours' ? id(spec.name) : `${id(spec.name)}-${suffix}`}">${label}</label><input id="${suffix === 'hours' ? id(spec.name) : `${id(spec.name)}-${suffix}`}" name="${spec.name}-${suffix}" inputmode="numeric" value="${state.values[`${spec.name}-${suffix}`] ?? ''}"${d.error ? html` aria-invalid="true"` : html``}></div>`;
  return html`<div class="${d.cls}"><fieldset role="group"${d.aria}><legend>${spec.label}</legend>${d.hint}${d.message}<div class="parts">${part('hours', 'Hours')}${part('minutes', 'Minutes')}</div></fieldset></div>`;
}

/** The values a date field shows for an ISO date. */
export function dateValues(name: string, iso: string): Values {
  const [year, month, day] = iso.split('-');
  return { [`${name}-day`]: String(Number(day)), [`${name}-month`]: String(Number(month)), [`${name}-year`]: year };
}

/** A form that posts back to the server, carrying the session's CSRF token and its own Idempotency-Key. */
export function form(action: string, state: FormState, csrfToken: string, body: Html, submit: string, options: { cls?: string; buttonClass?: string; enctype?: string } = {}): Html {
  const key = state.values._key || randomUUID();
  return html`<form method="post" action="${action}" novalidate${options.cls ? html` class="${options.cls}"` : html``}${options.enctype ? html` enctype="${options.enctype}"` : html``}><input type="hidden" name="_csrf" value="${csrfToken}"><input type="hidden" name="_key" value="${key}">${body}<button type="submit"${options.buttonClass ? html` class="${options.buttonClass}"` : html``}>${submit}</button></form>`;
}

/** First on a page re-shown with errors: each links to its field. */
export function errorSummary(state: FormState): Html {
  if (!hasErrors(state)) return html``;
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title"><h2 id="error-summary-title">There is a problem</h2>${state.general ? html`<p>${state.general}</p>` : html``}<ul>${Object.entries(state.errors).map(([name, message]) => html`<li><a href="#${id(name)}">${message}</a></li>`)}</ul></div>`;
}

// Reading what was typed. Each reader records what is wrong under the field's name and answers
// undefined, so a form reports every mistake at once.

export function readText(state: FormState, name: string, missing: string, max = 500): string | undefined {
  const value = state.values[name] ?? '';
  if (value === '') return void (state.errors[name] = missing);
  if (value.length > max) return void (state.errors[name] = `Use ${max} characters or fewer`);
  return value;
}

export function readChoice<T extends string>(state: FormState, name: string, allowed: readonly T[], missing: string): T | undefined {
  const value = state.values[name] as T | undefined;
  if (value && allowed.includes(value)) return value;
  state.errors[name] = missing;
  return undefined;
}

export function readWhole(state: FormState, name: string, missing: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
  const value = state.values[name] ?? '';
  if (value === '') return void (state.errors[name] = missing);
  if (!/^\d+$/.test(value)) return void (state.errors[name] = 'Enter a whole number, like 3');
  const n = Number(value);
  if (n < min || n > max) return void (state.errors[name] = `Enter a number from ${min} to ${max}`);
  return n;
}

export function readDate(state: FormState, name: string, missing: string): string | undefined {
  const [day, month, year] = ['day', 'month', 'year'].map((p) => state.values[`${name}-${p}`] ?? '');
  if (!day && !month && !year) return void (state.errors[name] = missing);
  if (![day, month, year].every((p) => /^\d+$/.test(p!)) || year!.length !== 4) return void (state.errors[name] = 'Enter the date as day, month and year in numbers, for example 27 3 2026');
  const iso = `${year}-${month!.padStart(2, '0')}-${day!.padStart(2, '0')}`;
  const date = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== iso) return void (state.errors[name] = 'That date does not exist; check the day and month');
  return iso;
}

export function readDuration(state: FormState, name: string, missing: string): number | undefined {
  const hours = state.values[`${name}-hours`] ?? '';
  const minutes = state.values[`${name}-minutes`] ?? '';
  if (!hours && !minutes) return void (state.errors[name] = missing);
  if (![hours, minutes].every((p) => p === '' || /^\d+$/.test(p))) return void (state.errors[name] = 'Enter whole hours and minutes, for example 1 and 30');
  if (Number(minutes || 0) > 59) return void (state.errors[name] = 'Minutes must be 59 or fewer; put whole hours in the hours box');
  const total = Number(hours || 0) * 60 + Number(minutes || 0);
  if (total === 0) return void (state.errors[name] = 'Enter a time of more than 0 minutes');
  return total;
}

export function readPounds(state: FormState, name: string, missing: string): number | undefined {
  const value = state.values[name] ?? '';
  if (value === '') return void (state.errors[name] = missing);
  const amount = poundsToPence(value);
  if (amount === undefined || amount < 0) return void (state.errors[name] = 'Enter an amount in pounds and pence, for example 12.50');
  if (amount === 0) return void (state.errors[name] = 'Enter an amount of more than £0.00');
  return amount;
}

/** A refusal said once: its detail, led by its title only where the detail does not already say it. */
export function refusal(problem: Pick<Problem, 'title' | 'detail'>): string {
  const said = (s: string) => s.trim().replace(/[.\s]+$/, '').toLowerCase();
  if (!problem.detail) return `${problem.title}.`;
  return said(problem.detail).startsWith(said(problem.title)) ? problem.detail : `${problem.title}. ${problem.detail}`;
}

/**
 * Puts the API's refusal beside the fields it names. `fields` maps the API's field (its JSON
 * pointer without the slash) to the form's; a refusal about no field is shown at the top.
 */
export function refusedBy(state: FormState, problem: Problem, fields: Record<string, string> = {}): FormState {
  let placed = false;
  for (const e of problem.errors ?? []) {
    const apiField = e.pointer.replace(/^\//, '').split('/')[0] ?? '';
    const field = fields[apiField];
    if (field) {
      state.errors[field] = problem.type === '/problems/validation' ? `This is not right: ${e.detail}` : problem.detail;
      placed = true;
    }
  }
  if (!placed) state.general = refusal(problem);
  return state;
}
