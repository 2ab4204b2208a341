// "Check your answers" before anything that changes hours or money is sent: what was typed, said
// back in words, and one form that either sends it or goes back to change it. The answers travel
// as the form's own hidden fields, posted (never in an address, since they may name people), with
// the first form's Idempotency-Key, so sending it twice still records it once.
import { html, type Html } from '../http/html.ts';
import type { FormState } from './forms.ts';

export interface AnswerRow {
  question: string;
  answer: string | Html;
}

/** Which button of a check-your-answers form was pressed; none when the first form was sent. */
export const stepOf = (state: FormState): 'confirm' | 'change' | undefined => (state.values._step === 'confirm' || state.values._step === 'change' ? state.values._step : undefined);

/** The answers as a summary list, then a form that sends them (or goes back to change them). */
export function checkAnswers(action: string, state: FormState, csrfToken: string, answers: AnswerRow[], send: string): Html {
  const carried = Object.entries(state.values).filter(([name, value]) => value !== undefined && !name.startsWith('_'));
  return html`<dl class="summary">${answers.map((a) => html`<dt>${a.question}</dt><dd>${a.answer}</dd>`)}</dl>
    <form method="post" action="${action}" novalidate><input type="hidden" name="_csrf" value="${csrfToken}"><input type="hidden" name="_key" value="${state.values._key ?? ''}">${carried.map(([name, value]) => html`<input type="hidden" name="${name}" value="${value!}">`)}<button type="submit" name="_step" value="confirm">${send}</button><button type="submit" name="_step" value="change" class="secondary">Change your answers</button></form>`;
}
