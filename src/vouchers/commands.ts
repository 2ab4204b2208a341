// Voucher commands as the API gives them: each checks, on the voucher's own stream, that the
// voucher is this network's (an id alone must not reach another network's money), and expiry
// runs over every voucher past its last day, one command each.
import { v5 as uuidv5 } from 'uuid';
import { fold, Rejection } from '../commands/decider.ts';
import { handleAcross, type CommandContext, type HandledAcross } from '../commands/handle.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import { decideVoucher, voucherDecider, voucherStream, type HeldVoucher, type VoucherCommand, type VoucherEvent } from './voucher.ts';

/** The voucher, bought in this network. */
export function voucherIn(networkId: string, history: RecordedEvent[]): HeldVoucher {
  const voucher = fold(voucherDecider, history as unknown as VoucherEvent[]);
  if (voucher.status === 'none' || voucher.voucher.networkId !== networkId) throw new Rejection('voucher-not-found', 'There is no such voucher in this network.', 404);
  return voucher;
}

/** A command on a voucher of this network. */
export function onVoucher(store: EventStore, networkId: string, voucherId: string, command: Exclude<VoucherCommand, { type: 'BuyVoucher' }>, context: CommandContext): Promise<HandledAcross> {
  return handleAcross(store, [voucherStream(voucherId)], ([history]) => [decideVoucher(command, voucherIn(networkId, history!))], context);
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
    const event = done.decided[0]?.find((e) => e.type === 'vouchers.VoucherExpired') as Extract<VoucherEvent, { type: 'vouchers.VoucherExpired' }> | undefined;
    if (event) expired.push({ voucherId, pence: event.data.pence, sessions: event.data.sessions, disposition: event.data.disposition, position: done.position });
  }
  return expired;
}
