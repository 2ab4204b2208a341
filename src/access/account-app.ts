// A person's own account: putting their details right (GDPR rectification), and everything Hearth
// holds about them in every network, for subject access. Read tables must have caught up before
// `holdingsOf` is read (the route waits).
import { sql } from 'kysely';
import { Rejection } from '../commands/decider.ts';
import { decideAcross } from '../commands/decide.ts';
import { contextOf, type Caller, type Deps } from './caller.ts';
import { personDecider, personStream, type PersonalDetails } from './person.ts';
import { currentDetails, sealDetails } from './register.ts';
import { emailLookup } from './sessions.ts';
import type { Written } from './app.ts';

const emailTaken = () => new Rejection('email-taken', 'Another account already uses this email. Use another, or sign in to that account.', 409, 'email');

/**
 * The person changes their own name, email, phone or date of birth. What they do not send is
 * cleared, but for notes, which are their coordinator's and kept. A new email becomes the one they
 * sign in with, unless another account uses it.
 */
export async function changeDetails(deps: Deps, caller: Caller, input: { details: Omit<PersonalDetails, 'notes'> }): Promise<Written> {
  const personId = caller.personId;
  const { db } = deps.database;
  const before = await currentDetails(deps, personId);
  if (!before) throw new Rejection('person-not-found', 'There is no such person.', 404);
  const details: PersonalDetails = { ...input.details, ...(before.notes === undefined ? {} : { notes: before.notes }) };
  const credentials = await db.selectFrom('credentials').select('email_lookup').where('person_id', '=', personId).executeTakeFirst();
  const lookup = input.details.email === undefined ? undefined : emailLookup(deps.secret, input.details.email);
  const moving = credentials !== undefined && lookup !== undefined && lookup !== credentials.email_lookup;
  if (moving) {
    const owner = await db.selectFrom('credentials').select('person_id').where('email_lookup', '=', lookup).executeTakeFirst();
    if (owner) throw emailTaken();
    // Claimed before anything is recorded: of two people racing for one email, the database lets one through.
    try {
      await db.updateTable('credentials').set({ email_lookup: lookup }).where('person_id', '=', personId).execute();
    } catch {
      throw emailTaken();
    }
  }
  const sealed = await sealDetails(deps, personId, details, 'name');
  try {
    const done = await decideAcross(
      deps.store,
      { person: [personStream(personId), personDecider] },
      (s) => ({ person: personDecider.decide({ type: 'ChangeDetails', personId, details: sealed }, s.person) }),
      contextOf(deps, { ...caller, onBehalfOf: null }),
    );
    return { revision: done.revisions.person, position: done.position };
  } catch (err) {
    if (moving) await db.updateTable('credentials').set({ email_lookup: credentials.email_lookup }).where('person_id', '=', personId).execute();
    throw err;
  }
}

/**
 * What the ledger holds of a person's doings, in every network: time-bank exchanges and
 * statements, care banked and claimed (care logged and not yet confirmed is in the history only), pool money attributed to them, co-op shares, dividends and
 * votes (never the choice of a secret ballot, which Hearth does not keep), and learning vouchers
 * given, received and redeemed, and learning sessions led or attended. Only rows naming the person are read.
 */
export async function holdingsOf(deps: Deps, personId: string) {
  const { db } = deps.database;
  const [exchanges, timebankEntries, timebankAccounts, careEntries, poolPostings, poolPayments, coopMembers, coopShares, coopApplications, coopWithdrawals, coopAllocations, ballots, proxies, given, received, sessions, attended] =
    await Promise.all([
      db.selectFrom('timebank_exchanges').selectAll().where((eb) => eb.or([eb('provider_id', '=', personId), eb('receiver_id', '=', personId), eb('logged_by', '=', personId)])).orderBy('position').execute(),
      db.selectFrom('timebank_entries').selectAll().where('holder', '=', personId).orderBy('position').execute(),
      db.selectFrom('timebank_accounts').selectAll().where('holder', '=', personId).execute(),
      db.selectFrom('carebank_entries').selectAll().where((eb) => eb.or([eb('holder', '=', personId), eb('counterparty', '=', personId)])).orderBy('position').execute(),
      db.selectFrom('pool_postings').innerJoin('pools', 'pools.pool_id', 'pool_postings.pool_id').select(['pools.network_id', 'pools.name as pool_name', 'pool_postings.pool_id', 'pool_postings.entry_id', 'pool_postings.account', 'pool_postings.entry_date', 'pool_postings.pence']).where('pool_postings.holder_id', '=', personId).orderBy('pool_postings.entry_date').execute(),
      db.selectFrom('pool_payments').selectAll().where((eb) => eb.or([eb('submitted_by', '=', personId), sql<boolean>`beneficiaries @> ${JSON.stringify([{ holderId: personId }])}::jsonb`])).execute(),
      db.selectFrom('coop_members').selectAll().where('person_id', '=', personId).execute(),
      db.selectFrom('coop_share_movements').selectAll().where('person_id', '=', personId).orderBy('position').execute(),
      db.selectFrom('coop_applications').selectAll().where('person_id', '=', personId).execute(),
      db.selectFrom('coop_withdrawals').selectAll().where('person_id', '=', personId).execute(),
      db.selectFrom('coop_allocations').innerJoin('coop_declarations', 'coop_declarations.declaration_id', 'coop_allocations.declaration_id').select(['coop_allocations.network_id', 'coop_declarations.kind', 'coop_declarations.paid_on', 'coop_allocations.pence', 'coop_allocations.participation']).where('coop_allocations.person_id', '=', personId).execute(),
      db.selectFrom('coop_ballots').innerJoin('coop_proposals', 'coop_proposals.proposal_id', 'coop_ballots.proposal_id').select(['coop_proposals.network_id', 'coop_proposals.proposal_id', 'coop_proposals.title', 'coop_proposals.secret', 'coop_ballots.voter_id', 'coop_ballots.cast_by', 'coop_ballots.cast_at', 'coop_ballots.choice']).where((eb) => eb.or([eb('coop_ballots.voter_id', '=', personId), eb('coop_ballots.cast_by', '=', personId)])).orderBy('coop_ballots.position').execute(),
      db.selectFrom('coop_proxies').selectAll().where((eb) => eb.or([eb('grantor_id', '=', personId), eb('proxy_id', '=', personId)])).execute(),
      db.selectFrom('vouchers').selectAll().where('giver_id', '=', personId).execute(),
      db.selectFrom('vouchers').selectAll().where('learner_id', '=', personId).execute(),
      db.selectFrom('learning_sessions').selectAll().where('mentor_id', '=', personId).execute(),
      db.selectFrom('learning_sessions').selectAll().where(sql<boolean>`shares @> ${JSON.stringify([{ learnerId: personId }])}::jsonb`).execute(),
    ]);
  const voucherIds = [...given, ...received].map((v) => v.voucher_id);
  const redemptions = voucherIds.length === 0 ? [] : await db.selectFrom('voucher_redemptions').selectAll().where('voucher_id', 'in', voucherIds).execute();
  const descriptions = await deps.vault.openTexts([...exchanges.map((x) => x.description), ...timebankEntries.map((e) => e.description)]);
  const message = async (v: (typeof given)[number]) => (await deps.vault.open<string>(v.giver_id, v.message).catch(() => undefined)) ?? null;
  const voucher = async (v: (typeof given)[number]) => ({
    networkId: v.network_id, voucherId: v.voucher_id, giverId: v.giver_id, learnerId: v.learner_id, valueKind: v.value_kind, activity: v.activity, sessions: v.sessions,
    pricePence: Number(v.price_pence), occasion: v.occasion, message: await message(v), boughtOn: v.bought_on, expiresOn: v.expires_on, status: v.status,
    leftPence: Number(v.left_pence), leftSessions: v.left_sessions,
    redemptions: redemptions.filter((r) => r.voucher_id === v.voucher_id).map((r) => ({ sessionId: r.session_id, mentorId: r.mentor_id, activity: r.activity, deliveredOn: r.delivered_on, pence: Number(r.pence), sessions: r.sessions })),
  });
  return {
    timebank: {
      accounts: timebankAccounts.map((a) => ({ networkId: a.network_id, balanceMinutes: a.balance, lowerLimitMinutes: a.lower_override, upperLimitMinutes: a.upper_override })),
      exchanges: exchanges.map((x, i) => ({
        networkId: x.network_id, exchangeId: x.exchange_id, providerId: x.provider_id, receiverId: x.receiver_id, minutes: x.minutes, creditedMinutes: x.credited,
        category: x.category, description: descriptions[i] ?? null, occurredOn: x.occurred_on, status: x.status, loggedBy: x.logged_by, settledBy: x.settled_by,
      })),
      statement: timebankEntries.map((e, i) => ({ networkId: e.network_id, date: e.entry_date, minutes: e.minutes, reason: e.reason, ref: e.ref, counterparty: e.counterparty, category: e.category, description: descriptions[exchanges.length + i] ?? null })),
    },
    carebank: careEntries.map((e) => ({ networkId: e.network_id, holder: e.holder, date: e.entry_date, minutes: e.minutes, kind: e.kind, ref: e.ref, counterparty: e.counterparty, rulesVersion: e.rules_version })),
    pools: {
      attributed: poolPostings.map((p) => ({ networkId: p.network_id, poolId: p.pool_id, poolName: p.pool_name, entryId: p.entry_id, account: p.account, date: p.entry_date, pence: Number(p.pence) })),
      payments: poolPayments.map((p) => ({
        poolId: p.pool_id, paymentId: p.payment_id, kind: p.kind, payee: p.payee, purpose: p.purpose, pence: Number(p.pence), submittedOn: p.submitted_on, status: p.status,
        submittedByThem: p.submitted_by === personId, benefitPence: p.beneficiaries.filter((b) => b.holderId === personId).reduce((sum, b) => sum + b.pence, 0),
      })),
    },
    coop: {
      memberships: coopMembers.map((m) => ({ networkId: m.network_id, memberClass: m.member_class, admittedOn: m.admitted_on, endedOn: m.ended_on, endReason: m.end_reason })),
      shareMovements: coopShares.map((s) => ({ networkId: s.network_id, kind: s.kind, date: s.record_date, pence: Number(s.pence), ref: s.ref })),
      applications: coopApplications.map((a) => ({ networkId: a.network_id, memberClass: a.member_class, pence: Number(a.pence), status: a.status, appliedOn: a.applied_on, issuedOn: a.issued_on })),
      withdrawals: coopWithdrawals.map((w) => ({ networkId: w.network_id, pence: Number(w.pence), paidPence: Number(w.paid_pence), requestedOn: w.requested_on, dueOn: w.due_on })),
      allocations: coopAllocations.map((a) => ({ networkId: a.network_id, kind: a.kind, paidOn: a.paid_on, pence: Number(a.pence), participation: a.participation === null ? null : Number(a.participation) })),
      // A secret ballot's choice is never kept: that they voted is all there is.
      votes: ballots.map((b) => ({ networkId: b.network_id, proposalId: b.proposal_id, title: b.title, secret: b.secret, voterId: b.voter_id, castBy: b.cast_by, castAt: b.cast_at, choice: b.secret ? null : b.choice })),
      proxies: proxies.map((p) => ({ proposalId: p.proposal_id, grantorId: p.grantor_id, proxyId: p.proxy_id, documentReference: p.document_reference, recordedAt: p.recorded_at })),
    },
    vouchers: {
      given: await Promise.all(given.map(voucher)),
      received: await Promise.all(received.map(voucher)),
      sessionsGiven: sessions.map((s) => ({ networkId: s.network_id, sessionId: s.session_id, activity: s.activity, startsAt: s.starts_at, feePence: Number(s.fee_pence) })),
      // Only their own share of a group session's fee: the other learners are not theirs to see.
      sessionsAttended: attended.map((s) => ({ networkId: s.network_id, sessionId: s.session_id, mentorId: s.mentor_id, activity: s.activity, startsAt: s.starts_at, sharePence: s.shares.filter((x) => x.learnerId === personId).reduce((sum, x) => sum + x.pence, 0) })),
    },
  };
}
