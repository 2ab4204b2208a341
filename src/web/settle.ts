// Confirming or disputing what someone else logged, in the same words wherever it is asked: an
// exchange in the time bank, care in the care bank.
import { html, type Html } from '../http/html.ts';
import { form, formState, readText, textArea, type FormState } from './forms.ts';

/** The two forms: confirm it (saying what then happens), or say what is wrong. */
export function settleForms(actions: { confirm: string; dispute: string }, state: FormState, csrfToken: string, then: string): Html {
  return html`<h2>Is this right?</h2>
    ${form(actions.confirm, formState(), csrfToken, html`<p>If it is, confirm it and ${then}.</p>`, 'Yes, confirm it')}
    <h2>Something is wrong</h2>
    ${form(actions.dispute, state, csrfToken, textArea(state, { name: 'reason', label: 'What is wrong?', hint: 'A coordinator will read this and help put it right.' }), 'Dispute it', { buttonClass: 'warning' })}`;
}

/** What is wrong, from the dispute form. */
export const disputeReason = (state: FormState) => readText(state, 'reason', 'Say what is wrong with it');
