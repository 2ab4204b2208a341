// The pooled personal budgets of a Neighbourhood Network, for those who keep its books: the
// treasurer, the board and coordinators. Each sees the pools and their balances, and approves or
// rejects payments; the treasurer also records money in, reconciles the bank statement and closes
// periods. The API decides who may do what; the pages offer only what a role can do. A time bank's
// treasurer keeps the money of its learning vouchers.
import type { FastifyPluginAsync } from 'fastify';
import type { Hearth } from '../hearth.ts';
import type { Journey } from './index.ts';
import type { Membership } from './page.ts';
import { isTreasurer, keepsBooks, poolsPath } from './treasurer-common.ts';
import { poolRoutes } from './treasurer-pool.ts';
import { bookRoutes } from './treasurer-books.ts';
import { bankRoutes } from './treasurer-bank.ts';
import { moneyOutRoutes } from './treasurer-money-out.ts';
import { correctionRoutes } from './treasurer-corrections.ts';
import { voucherBookRoutes, voucherBooksPath } from './treasurer-vouchers.ts';
import { statementRoutes } from './treasurer-statement.ts';

export const treasurerJourney: Journey = {
  links: (m: Membership) => [
    ...(m.kind === 'neighbourhood_network' && keepsBooks(m) ? [{ href: poolsPath(m.networkId), label: 'Pooled budgets: balances, payments to approve and the books' }] : []),
    ...(m.kind === 'time_bank' && isTreasurer(m) ? [{ href: voucherBooksPath(m.networkId), label: "Learning vouchers' money: record it, refund it, and what is held for learners" }] : []),
  ],
  routes: (_hearth: Hearth): FastifyPluginAsync => async (app) => {
    const { keeperOf } = poolRoutes(app);
    bookRoutes(app, keeperOf);
    await bankRoutes(app, keeperOf);
    moneyOutRoutes(app, keeperOf);
    correctionRoutes(app, keeperOf);
    voucherBookRoutes(app);
    statementRoutes(app, keeperOf);
  },
};
