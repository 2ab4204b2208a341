// Learning vouchers' two journeys: the family member who gives a voucher and sees how it was used,
// and the mentor who redeems the sessions they give. The pages themselves are in
// vouchers-family.ts and vouchers-mentor.ts.
import type { FastifyPluginAsync } from 'fastify';
import type { Hearth } from '../hearth.ts';
import type { Membership } from './page.ts';
import type { Journey } from './index.ts';
import { familyRoutes } from './vouchers-family.ts';
import { mentorRoutes } from './vouchers-mentor.ts';

/** Vouchers are part of a time bank's offer (as in `hearth demo`); any member may give one. */
const hasVouchers = (m: Membership) => m.status === 'active' && m.kind === 'time_bank';

export const familyJourney: Journey = {
  links: (m: Membership) => (hasVouchers(m) ? [{ href: `/networks/${m.networkId}/vouchers`, label: 'Learning vouchers: give one, and see how yours are used' }] : []),
  routes: (hearth: Hearth): FastifyPluginAsync => familyRoutes(hearth),
};

export const mentorJourney: Journey = {
  links: (m: Membership) => (m.status === 'active' && m.roles.includes('mentor') ? [{ href: `/networks/${m.networkId}/vouchers/sessions`, label: 'Your sessions: redeem a session from a learning voucher' }] : []),
  routes: (hearth: Hearth): FastifyPluginAsync => mentorRoutes(hearth),
};
