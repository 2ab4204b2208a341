// The words of each notification. Nothing about anyone but the recipient's own business: a
// network's name, what waits, and a link to the page that acts on it. No names of other people,
// so a mail read over someone's shoulder or kept in a mailbox says little.
import type { OutboxKind } from '../../projections/notifications.ts';
import { EMAIL_RESET_MINUTES } from '../access/reset.ts';
import { CLAIM_DAYS } from '../access/app.ts';

export interface Mail {
  subject: string;
  text: string;
}

export interface MailFacts {
  kind: OutboxKind;
  networkName: string;
  /** The full address of the page that acts on it. */
  link: string;
  /** When a ballot closes, in words. */
  closes?: string;
}

const footer = (publicUrl: string) => `\n\nYou can choose which emails Hearth sends you: ${publicUrl}/notifications\n`;

export function mailFor(facts: MailFacts, publicUrl: string): Mail {
  const { networkName: n, link } = facts;
  switch (facts.kind) {
    case 'exchange-to-confirm':
      return { subject: `An exchange to confirm in ${n}`, text: `Someone has logged time they gave you, or you gave them, in ${n}. It counts once you confirm it.\n\nConfirm or dispute it: ${link}${footer(publicUrl)}` };
    case 'payment-to-approve':
      return { subject: `A payment to approve in ${n}`, text: `A payment from a pooled budget in ${n} is waiting for your approval.\n\nApprove or reject it: ${link}${footer(publicUrl)}` };
    case 'ballot-opened':
      return { subject: `A ballot is open in ${n}`, text: `Voting has opened on a proposal in ${n}. It closes ${facts.closes ?? 'soon'}.\n\nRead it and vote: ${link}${footer(publicUrl)}` };
    case 'ballot-closing':
      return { subject: `A ballot closes soon in ${n}`, text: `Voting on a proposal in ${n} closes ${facts.closes}, and you have not voted yet.\n\nRead it and vote: ${link}${footer(publicUrl)}` };
    case 'voucher-used':
      return { subject: `Your learning voucher was used in ${n}`, text: `A session was given with a learning voucher you gave in ${n}.\n\nSee how it has been used: ${link}${footer(publicUrl)}` };
    case 'password-reset':
      return {
        subject: 'Set a new Hearth password',
        text: `Someone asked to set a new password for your Hearth account. If it was you, follow this link within ${EMAIL_RESET_MINUTES / 60} hour:\n\n${link}\n\nThe link expires in an hour, and works once. If you did not ask, ignore this email: your password has not changed.\n`,
      };
    case 'way-in-invitation':
      return {
        subject: `Sign in to ${n} yourself`,
        text: `Your coordinator at ${n} keeps your time bank account, and invites you to sign in to it yourself. Follow this link, then choose the email address and password you will sign in with:\n\n${link}\n\nThe link works once, for ${CLAIM_DAYS} days. If you did not expect this, ignore this email, or ask your coordinator.\n`,
      };
  }
}
