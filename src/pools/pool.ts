// A pool: part of several older people's personal budgets, held together by a Neighbourhood
// Network to buy what they need together. Money is integer pence. The pool's stream holds every
// movement of its money, so its balance, which must never go below zero, is decided in one place
// however many approvals race.
import { z } from 'zod';
import { Rejection, type Decider } from '../commands/decider.ts';
import { defineEvent, type DomainEvent } from '../eventstore/events.ts';

export const pence = z.number().int('must be whole pence').positive('must be more than zero');
const reference = z.string().trim().max(140);

export const PoolOpened = defineEvent(
  'pools.PoolOpened',
  z.strictObject({
    poolId: z.uuid(),
    networkId: z.uuid(),
    name: z.string().trim().min(1).max(120),
    /** Payments above this need two approvers; at or below it, one. */
    twoApproversAbovePence: z.number().int().min(0),
  }),
);

/** Money into the pool: a budget holder's committed contribution, council or grant income, a refund. */
export const MoneyReceived = defineEvent(
  'pools.MoneyReceived',
  z.strictObject({
    poolId: z.uuid(),
    receiptId: z.uuid(),
    source: z.enum(['contribution', 'council', 'grant', 'refund']),
    /** The budget holder whose Direct Payment it is, for a contribution. */
    holderId: z.uuid().nullable(),
    pence,
    reference,
    receivedOn: z.iso.date(),
  }),
);

/** Money out, when a payment's last approval is given: written with that approval, atomically. */
export const PaymentMade = defineEvent('pools.PaymentMade', z.strictObject({ poolId: z.uuid(), paymentId: z.uuid(), pence, paidOn: z.iso.date() }));

export const poolEventTypes = [PoolOpened, MoneyReceived, PaymentMade];
export type PoolEvent = DomainEvent<typeof PoolOpened> | DomainEvent<typeof MoneyReceived> | DomainEvent<typeof PaymentMade>;

export type PoolState =
  | { status: 'none' }
  | { status: 'open'; poolId: string; networkId: string; twoApproversAbovePence: number; balance: number; receipts: string[] };

export type PoolCommand =
  | { type: 'OpenPool'; poolId: string; networkId: string; name: string; twoApproversAbovePence: number }
  | { type: 'ReceiveMoney'; networkId: string; receiptId: string; source: z.infer<typeof MoneyReceived.schema>['source']; holderId: string | null; pence: number; reference: string; receivedOn: string; today: string };

export const poolStream = (poolId: string) => `pool-${poolId}`;

export const poolDecider: Decider<PoolCommand, PoolState, PoolEvent> = {
  initialState: { status: 'none' },

  evolve(state, event) {
    if (event.type === 'pools.PoolOpened') return { status: 'open', ...event.data, balance: 0, receipts: [] };
    if (state.status === 'none') return state;
    switch (event.type) {
      case 'pools.MoneyReceived':
        return { ...state, balance: state.balance + event.data.pence, receipts: [...state.receipts, event.data.receiptId] };
      case 'pools.PaymentMade':
        return { ...state, balance: state.balance - event.data.pence };
    }
  },

  decide(command, state) {
    if (command.type === 'OpenPool') {
      if (state.status !== 'none') throw new Rejection('pool-exists', 'This pool is already open.', 409);
      const { type: _, ...data } = command;
      return [{ type: 'pools.PoolOpened', data }];
    }
    if (state.status === 'none' || state.networkId !== command.networkId) throw new Rejection('pool-not-found', 'There is no such pool in this network.', 404);
    if (state.receipts.includes(command.receiptId)) return [];
    if ((command.source === 'contribution') !== (command.holderId !== null)) {
      throw new Rejection('holder-needed', 'A contribution names the budget holder whose Direct Payment it is, and only a contribution does.', 422, 'holderId');
    }
    if (command.receivedOn > command.today) throw new Rejection('date-in-future', 'The date cannot be in the future.', 422, 'receivedOn');
    const { type: _, today: __, networkId: ___, ...data } = command;
    return [{ type: 'pools.MoneyReceived', data: { poolId: state.poolId, ...data } }];
  },
};
