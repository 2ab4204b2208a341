// Commands that write one stream at a time are processes: begun on one stream, carried on over
// others, ended where they began. A process killed between two steps is finished here, wherever
// the projections run (serve, project): every few seconds, whatever the read tables show still
// in flight at two looks in a row is carried on, so that a request still carrying it on is rarely
// joined; joining it would be harmless, each step being written once. Logs ids only.
import type { Logger } from 'pino';
import type { Deps } from './access/caller.ts';
import { finishExchange, finishGift, unfinishedExchanges, unfinishedGifts } from './timebank/settlement.ts';
import { finishCare, finishMove, unfinishedCare, unfinishedMoves } from './carebank/app.ts';
import { finishPayment } from './pools/commands.ts';
import { finishRedemption, unfinishedRedemptions } from './vouchers/session.ts';
import { finishClose, finishProposalPayment, unfinishedCloses, unfinishedProposalPayments } from './coop/commands.ts';
import { unfinishedPayments } from './pools/app.ts';
import { finishImports, unfinishedImports } from './timebank/import.ts';
import { finishJoining, finishStepDown, unfinishedJoinings, unfinishedStepDowns } from './access/app.ts';

type Finisher = Pick<Deps, 'store' | 'clock' | 'database' | 'vault'>;

/** Each kind of process: where its unfinished ones are found, how one is finished, and the name its id is logged under. */
const processes: ReadonlyArray<{ key: string; unfinished: (deps: Finisher) => Promise<string[]>; finish: (deps: Finisher, id: string) => Promise<unknown> }> = [
  { key: 'exchangeId', unfinished: unfinishedExchanges, finish: finishExchange },
  { key: 'giftId', unfinished: unfinishedGifts, finish: finishGift },
  { key: 'careId', unfinished: unfinishedCare, finish: finishCare },
  { key: 'bankMoveRef', unfinished: unfinishedMoves, finish: finishMove },
  { key: 'paymentId', unfinished: unfinishedPayments, finish: finishPayment },
  { key: 'proposalId', unfinished: unfinishedProposalPayments, finish: finishProposalPayment },
  { key: 'closingProposalId', unfinished: unfinishedCloses, finish: finishClose },
  { key: 'sessionId', unfinished: unfinishedRedemptions, finish: finishRedemption },
  { key: 'importNetworkId', unfinished: unfinishedImports, finish: finishImports },
  { key: 'joining', unfinished: unfinishedJoinings, finish: finishJoining },
  { key: 'steppingDown', unfinished: unfinishedStepDowns, finish: finishStepDown },
];

export function keepFinishing(deps: Finisher & { log: Logger }, everyMs = 5000): () => Promise<void> {
  let seen = new Set<string>();
  let running: Promise<unknown> = Promise.resolve();
  const look = () => {
    running = (async () => {
      const now = new Set<string>();
      for (const p of processes) {
        for (const id of await p.unfinished(deps)) {
          now.add(`${p.key} ${id}`);
          if (!seen.has(`${p.key} ${id}`)) continue;
          await p.finish(deps, id);
          deps.log.info({ [p.key]: id }, 'a process left in flight was finished');
        }
      }
      seen = now;
    })().catch((err: unknown) => deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'finishing processes left in flight failed; trying again'));
  };
  const timer = setInterval(() => void running.then(look), everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
