import { defineEntity, p } from '@mikro-orm/core';

/** processed_payment_events: each payment event id applied, claimed in the transaction that applies it. */
export const ProcessedPaymentEventSchema = defineEntity({
  name: 'ProcessedPaymentEvent',
  tableName: 'processed_payment_events',
  properties: {
    eventId: p.text().primary().check('char_length(event_id) <= 255'),
    processedAt: p.datetime(),
  },
});
