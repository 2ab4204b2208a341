// The code that lets a person set a new password, derived from a PasswordResetIssued event and the
// server's secret. Nothing secret is stored: whoever holds the secret (the mail sender, the page
// that checks a code) derives the same code from the resetId, and a code is good only while its
// reset is the person's latest, unexpired, and no password has been set since.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Sent by email as part of a link: long, never typed. */
export const EMAIL_RESET_MINUTES = 60;
/** Read out or printed by a coordinator: short, typed by hand, so good for a day. */
export const COORDINATOR_RESET_MINUTES = 24 * 60;

// Letters and digits that are not easily confused (no 0/O, 1/I/L).
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

const digest = (secret: Buffer, resetId: string) => createHmac('sha256', secret).update(`password-reset:${resetId}`).digest();

/**
 * The code for a reset. By email, 43 characters of base64url (256 bits); from a coordinator,
 * twelve letters and digits in threes (about 59 bits, and sign-in throttling limits guesses).
 */
export function resetCode(secret: Buffer, resetId: string, via: 'email' | 'coordinator'): string {
  const bytes = digest(secret, resetId);
  if (via === 'email') return bytes.toString('base64url');
  const letters = Array.from(bytes.subarray(0, 12), (b) => ALPHABET[b % ALPHABET.length]).join('');
  return letters.match(/.{3}/g)!.join('-');
}

/** Whether a code someone typed or followed is the one for this reset; spaces, dashes and case do not matter for a typed code. */
export function codeMatches(secret: Buffer, resetId: string, via: 'email' | 'coordinator', given: string): boolean {
  const normal = (code: string) => (via === 'email' ? code.trim() : code.replace(/[\s-]/g, '').toUpperCase());
  const expected = Buffer.from(normal(resetCode(secret, resetId, via)));
  const actual = Buffer.from(normal(given));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
