// Every event type Hearth records. An event whose type is not here cannot be appended or read.
import { EventRegistry } from './eventstore/events.ts';
import { networkEventTypes } from './networks/network.ts';
import { partnershipEventTypes } from './networks/partnership.ts';
import { personEventTypes } from './access/person.ts';
import { membershipEventTypes } from './access/membership.ts';
import { settingsEventTypes } from './timebank/settings.ts';
import { accountEventTypes } from './timebank/account.ts';
import { exchangeEventTypes } from './timebank/exchange.ts';
import { postEventTypes } from './timebank/post.ts';
import { answerEventTypes } from './timebank/answer.ts';
import { importEventTypes } from './timebank/import.ts';
import { giftEventTypes } from './timebank/gift.ts';
import { SchemeRulesVersioned } from './carebank/scheme.ts';
import { bankEventTypes } from './carebank/bank.ts';
import { poolEventTypes } from './pools/pool.ts';
import { paymentEventTypes } from './pools/payment.ts';
import { reconciliationEventTypes } from './pools/reconciliation.ts';
import { LearningPolicySet, voucherEventTypes } from './vouchers/voucher.ts';
import { sessionEventTypes } from './vouchers/session.ts';
import { fundEventTypes } from './vouchers/fund.ts';
import { societyEventTypes } from './coop/society.ts';
import { ballotEventTypes, proposalEventTypes } from './coop/proposal.ts';
import { choiceEventTypes } from './notify/choices.ts';

export const registeredEventTypes = [
  ...networkEventTypes,
  ...partnershipEventTypes,
  ...personEventTypes,
  ...membershipEventTypes,
  ...settingsEventTypes,
  ...accountEventTypes,
  ...exchangeEventTypes,
  ...postEventTypes,
  ...answerEventTypes,
  ...importEventTypes,
  ...giftEventTypes,
  SchemeRulesVersioned,
  ...bankEventTypes,
  ...poolEventTypes,
  ...paymentEventTypes,
  ...reconciliationEventTypes,
  LearningPolicySet,
  ...voucherEventTypes,
  ...sessionEventTypes,
  ...fundEventTypes,
  ...societyEventTypes,
  ...proposalEventTypes,
  ...ballotEventTypes,
  ...choiceEventTypes,
];

export const eventRegistry = new EventRegistry(registeredEventTypes);
