import { describe, expect, it } from 'vitest';
import { ApplyPaymentEvent } from '#application/billing/apply-payment-event.ts';
import { OpenBillingPortal } from '#application/billing/open-billing-portal.ts';
import { StartCheckout } from '#application/billing/start-checkout.ts';
import type { UserId } from '#domain/shared/ids.ts';
import { AlreadySubscribed, NoBillingAccount } from '#domain/subscription/subscription-errors.ts';
import { aSubscription } from '#test/support/builders.ts';
import { FakePaymentGateway } from '#test/support/payment-doubles.ts';
import { aWorld, givenUser } from '#test/support/world.ts';

/** A payment provider that runs `meanwhile` while it creates a customer (what lands during that call). */
class SlowCustomerGateway extends FakePaymentGateway {
  meanwhile: () => Promise<unknown> = async () => {};

  override async createCustomer(input: { userId: UserId; mobile: string }): Promise<string> {
    await this.meanwhile();
    return super.createCustomer(input);
  }
}

async function setUp() {
  const world = aWorld();
  const payments = new FakePaymentGateway();
  const user = await givenUser(world);
  return { world, payments, user, checkout: new StartCheckout({ ...world, payments }) };
}

describe('StartCheckout', () => {
  it('creates a customer for a new subscriber, links it, and opens a checkout on it', async () => {
    const { world, payments, user, checkout } = await setUp();
    const session = await checkout.execute({ user });
    expect(session).toEqual({ sessionId: 'cs_fake_1', checkoutUrl: 'https://pay.example/cs_fake_1' });
    expect(payments.customersCreated).toEqual([{ userId: user.id, mobile: user.mobile }]);
    expect(payments.checkouts).toEqual([{ userId: user.id, customerId: 'cus_fake_1' }]);
    expect(await world.subscriptions.findByUserId(user.id)).toMatchObject({
      customerId: 'cus_fake_1',
      status: null,
    });
  });

  it("reuses the user's customer on the next checkout", async () => {
    const { payments, user, checkout } = await setUp();
    await checkout.execute({ user });
    await checkout.execute({ user });
    expect(payments.customersCreated).toHaveLength(1);
    expect(payments.checkouts.map((call) => call.customerId)).toEqual(['cus_fake_1', 'cus_fake_1']);
  });

  it('keeps the status a webhook applied while the customer was being created', async () => {
    const { world, user } = await setUp();
    const payments = new SlowCustomerGateway();
    const unused = () => {
      throw new Error('the test applies a parsed event');
    };
    const webhooks = new ApplyPaymentEvent({ ...world, verifier: { verify: unused } });
    payments.meanwhile = () =>
      webhooks.apply({
        id: 'evt_meanwhile',
        created: 1_000,
        kind: 'subscription_changed',
        userId: user.id,
        customerId: 'cus_paid',
        subscriptionId: 'sub_paid',
        status: 'active',
        currentPeriodEnd: null,
        cancelAtPeriodEnd: false,
      });

    await new StartCheckout({ ...world, payments }).execute({ user });

    expect(await world.subscriptions.findByUserId(user.id)).toMatchObject({
      customerId: 'cus_paid',
      subscriptionId: 'sub_paid',
      status: 'active',
      lastEventAt: 1_000,
    });
    expect(payments.checkouts).toEqual([{ userId: user.id, customerId: 'cus_paid' }]);
  });

  it('opens parallel checkouts of a new subscriber on the one customer linked first', async () => {
    const { world, payments, user, checkout } = await setUp();
    await Promise.all([checkout.execute({ user }), checkout.execute({ user })]);
    expect(payments.customersCreated).toHaveLength(2);
    expect(payments.checkouts.map((call) => call.customerId)).toEqual(['cus_fake_1', 'cus_fake_1']);
    expect((await world.subscriptions.findByUserId(user.id))?.customerId).toBe('cus_fake_1');
  });

  it('lets a user whose subscription was canceled subscribe again on the same customer', async () => {
    const { world, payments, user, checkout } = await setUp();
    await world.subscriptions.save(
      aSubscription({ userId: user.id, customerId: 'cus_old', status: 'canceled' }),
    );
    await checkout.execute({ user });
    expect(payments.customersCreated).toEqual([]);
    expect(payments.checkouts).toEqual([{ userId: user.id, customerId: 'cus_old' }]);
  });

  it.each(['active', 'trialing', 'past_due'] as const)('refuses a user who is Pro (%s)', async (status) => {
    const { world, payments, user, checkout } = await setUp();
    await world.subscriptions.save(aSubscription({ userId: user.id, status }));
    await expect(checkout.execute({ user })).rejects.toBeInstanceOf(AlreadySubscribed);
    expect(payments.checkouts).toEqual([]);
  });
});

describe('OpenBillingPortal', () => {
  it('opens the portal for a user with a customer, and refuses one without', async () => {
    const { world, payments, user } = await setUp();
    const portal = new OpenBillingPortal({ ...world, payments });
    await expect(portal.execute({ user })).rejects.toBeInstanceOf(NoBillingAccount);
    await world.subscriptions.save(aSubscription({ userId: user.id, customerId: 'cus_1', status: 'active' }));
    await expect(portal.execute({ user })).resolves.toEqual({ url: 'https://pay.example/portal/cus_1' });
  });
});
