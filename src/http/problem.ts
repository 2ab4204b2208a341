// RFC 9457 problem details. Every error Hearth answers with is one of these, with a stable
// `type` that a client can branch on and a page at that address that explains it.
import type { FastifyReply } from 'fastify';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Stable problem types and their titles. Domain refusals add their own through Rejection. */
export const problemTitles: Record<string, string> = {
  validation: 'Some fields are missing or not right',
  'malformed-json': 'The request body is not valid JSON',
  'body-too-large': 'The request body is too large',
  'unsupported-media-type': 'The request body must be JSON',
  'idempotency-key-required': 'An Idempotency-Key header is needed',
  'idempotency-key-reused': 'This Idempotency-Key was already used for a different request',
  'not-found': 'Nothing is here',
  'uri-too-long': 'The address is too long',
  'bad-url': 'The address cannot be read',
  'precondition-failed': 'Someone changed this since you last looked',
  'concurrency-conflict': 'Others changed this at the same moment',
  'projection-behind': 'The figures are still being brought up to date',
  'network-exists': 'That network already exists',
  'network-not-found': 'There is no such network',
  'sign-in-required': 'You need to sign in',
  forbidden: 'This is not yours to see or do',
  'csrf-token-missing': 'The form could not be checked',
  'sign-in-failed': 'That email and password do not match an account',
  'too-many-sign-in-attempts': 'Too many tries to sign in',
  'too-many-sign-ups': 'Too many sign-ups from one place',
  'email-taken': 'An account already uses this email',
  'wrong-password': 'The current password is not right',
  'person-not-found': 'There is no such person',
  'person-exists': 'This person is already registered',
  'person-erased': 'This person has been erased',
  'too-many-reset-requests': 'Too many password resets asked for',
  'too-many-reset-codes': 'Too many reset codes tried',
  'reset-code-wrong': 'That reset code is not right',
  'reset-not-current': 'This reset has been used or replaced',
  'reset-expired': 'This reset has expired',
  'own-reset': 'Nobody gives themselves a reset code',
  'already-a-member': 'Already a member',
  'nothing-to-approve': 'There is nothing to approve',
  'no-invitation': 'There is no invitation to accept',
  'not-a-member': 'Not a member of this network',
  'dbs-dates': 'The DBS check dates do not fit',
  'limit-reached': 'This would go past a balance limit',
  'exchange-not-found': 'There is no such exchange',
  'exchange-exists': 'This exchange is already logged',
  'exchange-with-oneself': 'Someone cannot give time to themselves',
  'exchange-too-long': 'That is longer than one exchange may be',
  'exchange-settled': 'This exchange is already settled',
  'gift-not-found': 'There is no such grant or donation',
  'already-reversed': 'Already reversed',
  'no-email-on-file': 'There is no email address to send an invitation to',
  'exchange-disputed': 'This exchange is disputed',
  'date-in-future': 'The date is in the future',
  'unknown-category': 'That is not one of this network\'s categories',
  'unknown-member': 'Not an active member of this network',
  'not-a-party': 'Only the people in the exchange, or a coordinator',
  'own-exchange': 'The other person must confirm this',
  'coordinators-only': 'Only a coordinator may do this',
  'not-confirmed': 'This exchange is not confirmed',
  'limit-out-of-range': 'That limit is out of range',
  safeguarding: 'A safeguarding check is needed first',
  'import-invalid': 'This export cannot be imported',
  'pool-exists': 'This pool is already open',
  'pool-not-found': 'There is no such pool',
  'holder-needed': 'A contribution names its budget holder',
  'payment-exists': 'This payment is already submitted',
  'payment-not-found': 'There is no such payment',
  'payment-settled': 'This payment is already settled',
  'shares-do-not-add-up': 'The shares do not add up to the whole',
  'beneficiary-twice': 'A beneficiary is named twice',
  'own-payment': 'Whoever submits a payment cannot approve it',
  'beneficiary-approval': 'Whoever benefits from a payment cannot approve it',
  'not-paid-yet': 'This approval does not pay yet',
  'paid-before-submitted': 'Paid before it was submitted',
  'already-approved': 'Already approved by you',
  'not-enough-in-pool': 'The pool does not hold enough',
  'same-pool': 'A transfer goes to another pool',
  'refund-too-large': 'More than is left of the payment to refund',
  'refund-before-payment': 'A refund is dated before its payment',
  'entry-not-found': 'There is no such entry',
  'nothing-to-correct': 'A correction changes the amount',
  'transfer-not-correctable': 'A transfer is put right by another transfer',
  'correction-would-pay': 'A correction cannot pay money out',
  'correction-too-large': 'The correction is larger than the entry',
  'correction-before-entry': 'A correction is dated before the entry it corrects',
  'date-in-closed-period': 'That date is in a closed period',
  'period-already-closed': 'That period is already closed',
  'period-not-over': 'The period is not over yet',
  'holder-twice': 'A budget holder is named twice',
  'unknown-holder': 'That person has no money in this pool',
  'dates-reversed': 'The period ends before it starts',
  'period-not-found': 'No period was closed on that date',
  'range-too-long': 'That range is too long to show at once',
  'claw-back-too-large': "More than the holder's unspent share",
  'line-not-found': 'There is no such bank statement line',
  'line-matched': 'That line is matched already',
  'entry-twice': 'An entry is named twice',
  'entry-matched': 'That entry is matched already',
  'amounts-differ': 'The amounts do not agree',
  'statement-malformed': 'The bank statement cannot be read',
  'rules-backdated': 'New rules cannot take effect before the current ones',
  'care-exists': 'This care is already logged',
  'care-for-oneself': 'Care given to oneself cannot be banked',
  'care-not-found': 'There is no such care record',
  'not-the-volunteer': 'Only the volunteer, or a coordinator',
  'not-the-recipient': 'Only the person cared for, or a coordinator',
  'own-care': 'Care you gave is confirmed by someone else',
  'age-unknown': 'The date of birth is not recorded',
  'too-young-to-bank': 'Too young to bank hours in this scheme',
  'too-young-to-claim': 'Not yet old enough to claim in this scheme',
  'daily-cap': 'More than may be banked for one day',
  'lifetime-cap': 'More than may be banked in a lifetime',
  'not-enough-banked': 'Not enough hours banked',
  'pledge-to-oneself': 'Hours cannot be pledged to oneself',
  'voucher-not-found': 'There is no such voucher',
  'own-voucher': 'A voucher is a gift to someone else',
  'wrong-amount': 'That is not what the voucher costs',
  'paid-before-bought': 'The payment is dated before the voucher was bought',
  'voucher-not-paid': 'The money for this voucher has not been received',
  'voucher-closed': 'This voucher can no longer be used',
  'voucher-expired': 'The voucher had expired by then',
  'not-expired': 'This voucher has not expired',
  'wrong-activity': 'This voucher is for another activity',
  'nothing-left': 'Every session on this voucher is used',
  'more-than-left': 'More than is left on the voucher',
  'pence-required': 'Say how much of the voucher is used',
  'delivered-before-bought': 'The session is dated before the voucher was bought',
  'session-redeemed': 'This session is already redeemed',
  'whole-sessions-refund': 'A sessions voucher is refunded whole',
  'voucher-twice': 'A voucher is named twice',
  'contribution-amount': "A learner's own contribution needs an amount",
  'mentor-required': 'Name the mentor who gave the session',
  'not-a-mentor': 'Not a mentor of this network',
  'coop-exists': 'This network already has a co-op',
  'coop-not-found': 'This network has no co-op',
  'not-a-coop-member': 'Not a member of this co-op',
  'unknown-member-class': "That is not one of the co-op's member classes",
  'date-before-register': 'The register already runs past that date',
  'holding-above-new-maximum': 'A member holds more than that maximum',
  'member-class-in-use': 'Members are in that class',
  'below-minimum-holding': 'Below the minimum holding',
  'above-maximum-holding': 'Above the most a member may hold',
  'nothing-applied-for': 'An application is for more than nothing',
  'application-not-found': 'There is no such application',
  'application-declined': 'This application was declined',
  'application-settled': 'This application is already settled',
  'more-than-held': 'More shares than are held',
  'withdrawal-not-found': 'There is no such withdrawal',
  'withdrawals-suspended': 'Withdrawals are suspended',
  'notice-not-served': 'The notice has not run yet',
  'withdrawal-paid': 'This withdrawal is paid in full',
  'more-than-owed': 'More than is owed on this withdrawal',
  'not-enough-funds': 'The co-op does not hold enough',
  'same-member': 'Shares are transferred to someone else',
  'shares-still-held': 'Withdrawable shares are still held',
  'above-interest-cap': 'Above the interest the rules allow',
  'period-backwards': 'The period ends before it starts',
  'no-participation': 'No member took part in that period',
  'member-twice': 'A member is named twice',
  'participation-basis': 'Participation does not fit the basis',
  'proposal-not-found': 'There is no such proposal',
  'closes-in-past': 'The vote must close in the future',
  'voting-not-open': 'Voting has not opened',
  'voting-closed': 'Voting has closed',
  'voting-still-open': 'Voting is still open',
  'too-few-members': 'A co-op needs at least three members to vote',
  'not-in-electorate': 'Not in the electorate of this vote',
  'own-proxy': 'A member cannot be their own proxy',
  'no-proxy': 'There is no written proxy on record',
  'proposal-not-passed': 'The proposal has not passed',
  'proposal-already-paid': 'This proposal has authorised its one payment already',
  'above-authorised-amount': 'More than the members authorised',
  'beneficiaries-required': 'A payment out of a pool names its beneficiaries',
  'wrong-network-kind': 'This network is not of the kind that keeps this',
  'voucher-already-paid': 'This voucher is already paid, with other figures',
  'figure-beyond-exact-range': 'A figure is too large to show exactly',
  internal: 'Something went wrong on our side',
};

export interface FieldError {
  /** Where the field is: body, querystring, params or headers. */
  in: string;
  /** JSON Pointer to the field within that part of the request (RFC 6901). */
  pointer: string;
  detail: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export function problemType(name: string): string {
  return `/problems/${name}`;
}

export function makeProblem(name: string, status: number, detail: string, extensions: Record<string, unknown> = {}): Problem {
  return { type: problemType(name), title: problemTitles[name] ?? humanise(name), status, detail, ...extensions };
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

function humanise(name: string): string {
  const words = name.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
