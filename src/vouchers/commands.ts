// Voucher commands on the voucher's own stream. Each checks that the voucher is this network's (an
// id alone must not reach another network's money); buying reads the network's policy beside it,
// so a policy changed in between is not overtaken; expiry runs over every voucher past its last
// day, one command each.
import { v5 as uuidv5 } from 'uuid';
import { Rejection } from '../commands/decider.ts';
import { decideAcross, type CommandContext } from '../commands/decide.ts';
import type { EventStore } from '../eventstore/port.ts';
import { decideVoucher, policyDecider, policyStream, voucherDecider, voucherStream, type HeldVoucher, type VoucherCommand, type VoucherState } from './voucher.ts';

/** The voucher, bought in this network. */
export function voucherIn(networkId: string, voucher: VoucherState): HeldVoucher {
  if (voucher.status === 'none' || voucher.voucher.networkId !== networkId) throw new Rejection('voucher-not-found', 'There is no such voucher in this network.', 404);
  return voucher;
}

export type Purchase = Omit<Extract<VoucherCommand, { type: 'BuyVoucher' }>, 'type' | 'policy'>;

/** Buys a voucher under the network's policy as it stands. */
export async function buyVoucher(store: EventStore, purchase: Purchase, context: CommandContext) {
  const done = await decideAcross(
    store,
    { voucher: [voucherStream(purchase.voucherId), voucherDecider], policy: [policyStream(purchase.networkId), policyDecider] },
    ({ voucher, policy }) => ({ voucher: decideVoucher({ type: 'BuyVoucher', ...purchase, policy }, voucher) }),
    context,
  );
  return { voucher: voucherIn(purchase.networkId, done.states.voucher), revision: done.revisions.voucher, position: done.position };
}

/** A command on a voucher of this network; `ifMatch` the revision of the voucher its caller last saw. */
export async function onVoucher(store: EventStore, networkId: string, voucherId: string, command: Exclude<VoucherCommand, { type: 'BuyVoucher' }>, context: CommandContext, ifMatch?: number) {
  const done = await decideAcross(
    store,
    { voucher: [voucherStream(voucherId), voucherDecider] },
    ({ voucher }) => ({ voucher: decideVoucher(command, voucherIn(networkId, voucher)) }),
    context,
    { ifMatch: { stream: 'voucher', revision: ifMatch } },
  );
  return { events: done.events.voucher ?? [], revision: done.revisions.voucher, position: done.position };
}

export interface Expired {
  voucherId: string;
  pence: number;
  sessions: number;
  disposition: string;
  position: number;
}

/**
 * Expires each of these vouchers, each by a command of its own whose id follows from the
 * request's: a retry of the request expires none twice, and one voucher's refusal or conflict
 * leaves the others expired. A voucher expired meanwhile by someone else is passed over.
 */
export async function expireVouchers(store: EventStore, networkId: string, voucherIds: readonly string[], today: string, context: CommandContext): Promise<Expired[]> {
  const expired: Expired[] = [];
  for (const voucherId of voucherIds) {
    const done = await onVoucher(store, networkId, voucherId, { type: 'Expire', today }, { ...context, commandId: uuidv5(`expiry ${voucherId}`, context.commandId), causationId: context.commandId });
    for (const event of done.events) {
      if (event.type === 'vouchers.VoucherExpired') expired.push({ voucherId, pence: event.data.pence, sessions: event.data.sessions, disposition: event.data.disposition, position: done.position });
    }
  }
  return expired;
}
