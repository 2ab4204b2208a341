// Given/when/then for deciders: given past events, when a command, then these events (or this refusal).
import type { Test } from 'tap';
import { randomUUID } from 'node:crypto';
import type { CommandContext } from '../../src/commands/decide.ts';
import { fold, Rejection, type Decider } from '../../src/commands/decider.ts';
import { Forbidden } from '../../src/access/guard.ts';
import { PreconditionFailed } from '../../src/commands/decide.ts';

export function specFor<C, S, E>(decider: Decider<C, S, E>) {
  return (given: E[]) => ({
    when: (command: C) => ({
      then(t: Test, expected: E[], message?: string) {
        t.same(decider.decide(command, fold(decider, given)), expected, message ?? "decides these events");
      },
      rejects(t: Test, type: string, message?: string) {
        let refusal: unknown;
        try {
          decider.decide(command, fold(decider, given));
        } catch (err) {
          refusal = err;
        }
        t.ok(refusal instanceof Rejection && refusal.type === type, message ?? `refused as ${type}`);
      },
    }),
  });
}

/** The type of the refusal a command met ('forbidden' for a guard's), or null when it went through. */
export async function refused(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return null;
  } catch (err) {
    if (err instanceof Rejection) return err.type;
    if (err instanceof Forbidden) return 'forbidden';
    throw err;
  }
}

/** The refusal a use case met, with the field it names: a Rejection's type and field, a Forbidden, or a stale If-Match; 'allowed' when it went through. */
export async function refusalAt(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Rejection) return `${err.type}${err.field ? ` at ${err.field}` : ''}`;
    if (err instanceof Forbidden) return 'forbidden';
    if (err instanceof PreconditionFailed) return `stale: now ${err.actual}`;
    throw err;
  }
  return 'allowed';
}

/** The refusal a pure decision met, or undefined when it went through. */
export function refusal(fn: () => unknown): Rejection | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof Rejection) return err;
    throw err;
  }
  return undefined;
}

/** A fresh command's context, as this person acting for themselves. */
export const contextFor = (actor: string): CommandContext => ({ actor, onBehalfOf: null, commandId: randomUUID(), correlationId: randomUUID(), causationId: null, now: new Date().toISOString() });

/** A fixed, readable id for decider tests: the same number gives the same id. */
export const uid = (n: number) => `0190f0a0-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
