// A meeting voting at once, and mentors redeeming sessions. Each elector's ballot goes to a stream
// of its own, so a meeting's ballots contend with nothing and go to the store together; the close
// gathers them all in one write. Every session is its own stream and is written together with the
// vouchers that pay for it.
import { randomUUID } from 'node:crypto';
import { decideAcross, type CommandContext } from '../src/commands/decide.ts';
import { castBallot, closeVoting, openVoting } from '../src/coop/commands.ts';
import type { PersonalDataVault } from '../src/access/vault.ts';
import { proposalDecider, proposalStream } from '../src/coop/proposal.ts';
import { societyDecider, societyStream, type CoopRules } from '../src/coop/society.ts';
import { redeemSession } from '../src/vouchers/session.ts';
import { defaultPolicy, voucherDecider, voucherStream } from '../src/vouchers/voucher.ts';
import { drive } from './append.ts';
import { scratchHearth } from './scratch.ts';
import { percentiles, type Row } from './measure.ts';

const context = (actor: string): CommandContext => ({ actor, onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID(), causationId: null, now: new Date().toISOString() });
const rules: CoopRules = { memberClasses: [{ name: 'members', voteWeight: null }], membershipSharePence: 100, minHoldingPence: 0, maxHoldingPence: 1_000_000, withdrawalNoticeDays: 0, interestCapBasisPoints: 500 };

export async function coopVoucherBench(options: { seconds: number; voters: number; writers: number }): Promise<Row[]> {
  // Ballots and appends go to the store in batches: a few connections serve any number of voters.
  const scratch = await scratchHearth(Math.min(options.writers + options.voters + 2, 40));
  const { store } = scratch.hearth;
  const today = new Date().toISOString().slice(0, 10);
  const board = randomUUID();
  const rows: Row[] = [];
  try {
    // A co-op of as many members as voters, one proposal, every member casting their ballot at the same moment.
    const networkId = randomUUID();
    await decideAcross(store, { society: [societyStream(networkId), societyDecider] }, (s) => ({ society: societyDecider.decide({ type: 'FoundCoop', networkId, name: 'Bench', rules, foundedOn: today, today }, s.society) }), context(board));
    const members = Array.from({ length: options.voters }, () => randomUUID());
    for (const personId of members) {
      const applicationId = randomUUID();
      await decideAcross(store, { society: [societyStream(networkId), societyDecider] }, (s) => ({ society: societyDecider.decide({ type: 'ApplyForShares', applicationId, personId, memberClass: 'members', pence: 0, today }, s.society) }), context(personId));
      await decideAcross(store, { society: [societyStream(networkId), societyDecider] }, (s) => ({ society: societyDecider.decide({ type: 'IssueShares', applicationId, issuedBy: board, issuedOn: today, today }, s.society) }), context(board));
    }
    const proposalId = randomUUID();
    const closesAt = new Date(Date.now() + 3_600_000).toISOString();
    await decideAcross(store, { proposal: [proposalStream(proposalId), proposalDecider] }, (s) => ({ proposal: proposalDecider.decide({ type: 'MakeProposal', networkId, proposalId, proposedBy: members[0]!, now: new Date().toISOString(), title: 'Bench', pence: 100, payee: 'Payee', purpose: 'Bench', source: { kind: 'funds' }, closesAt, quorumPercent: 50, thresholdPercent: 50, secret: false, hideResultsUntilClose: false }, s.proposal) }), context(members[0]!));
    await openVoting(store, networkId, proposalId, board, context(board));
    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(
      members.map(async (voterId) => {
        const at = performance.now();
        await castBallot(store, networkId, proposalId, { type: 'CastVote', voterId, castBy: voterId, choice: 'for', sealedChoice: null, now: new Date().toISOString() }, context(voterId));
        latencies.push(performance.now() - at);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    // Everyone has voted, so the board may close early: every ballot stream closed, a few at a time, then counted. An open ballot never reaches the vault.
    const closing = performance.now();
    await closeVoting({ ...scratch.hearth, vault: {} as PersonalDataVault }, networkId, proposalId, context(board));
    const closeSeconds = (performance.now() - closing) / 1000;
    rows.push({
      section: 'coop', system: `${options.voters} ballots cast at once on one proposal, each on its own stream`, writers: options.voters, perSecond: Math.round(options.voters / seconds), ...percentiles(latencies),
      note: `all in ${seconds.toFixed(2)} s; the close closed every box and counted them in ${closeSeconds.toFixed(2)} s`,
    });

    // Vouchers: 1,000 paid sessions vouchers; writers redeem sessions on them at random.
    const [giver, mentor, treasurer] = [randomUUID(), randomUUID(), randomUUID()];
    const vouchers = Array.from({ length: 1_000 }, () => ({ voucherId: randomUUID(), learnerId: randomUUID() }));
    for (const { voucherId, learnerId } of vouchers) {
      await decideAcross(store, { voucher: [voucherStream(voucherId), voucherDecider] }, (s) => ({ voucher: voucherDecider.decide({ type: 'BuyVoucher', voucherId, networkId, giverId: giver, learnerId, value: { kind: 'sessions', activity: 'Computer skills', sessions: 200, pencePerSession: 1_500 }, occasion: 'Birthday', message: 'sealed', policy: defaultPolicy, today }, s.voucher) }), context(giver));
      await decideAcross(store, { voucher: [voucherStream(voucherId), voucherDecider] }, (s) => ({ voucher: voucherDecider.decide({ type: 'RecordPayment', pence: 300_000, reference: 'BACS', receivedOn: today, recordedBy: treasurer, today }, s.voucher) }), context(treasurer));
    }
    let minute = 0;
    const redeem = async () => {
      const { voucherId, learnerId } = vouchers[Math.floor(Math.random() * vouchers.length)]!;
      // Each session its own start time today, so none is the same session as another.
      const startsAt = new Date(Date.parse(`${today}T00:00:00Z`) + (minute++ % 1_440) * 60_000 + Math.floor(minute / 1_440)).toISOString();
      await redeemSession(scratch.hearth, { networkId, mentorId: mentor, activity: 'Computer skills', startsAt, feePence: null, shares: [{ learnerId, voucherId, pence: null }], recordedBy: mentor }, today, context(mentor));
    };
    const r = await drive(options.writers, options.seconds, redeem);
    rows.push({ section: 'vouchers', system: 'redeem a session (session and voucher in one write)', writers: options.writers, perSecond: r.perSecond, p50: r.p50, p99: r.p99, p999: r.p999, note: 'across 1,000 vouchers' });
  } finally {
    await scratch.drop();
  }
  return rows;
}
