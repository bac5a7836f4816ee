import { DomainError } from '../shared/domain-error.ts';

export class AlreadySubscribed extends DomainError {
  constructor() {
    super('ALREADY_SUBSCRIBED', 'You already have an active Pro subscription');
  }
}

export class NoBillingAccount extends DomainError {
  constructor() {
    super('NO_BILLING_ACCOUNT', 'There is no billing account yet; subscribe first');
  }
}
