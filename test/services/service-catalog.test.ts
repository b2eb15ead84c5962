import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SERVICE_NAMES, ServiceCatalog, isServiceName, listenPortOf } from '../../src/services/service-catalog.js';
import { createInMemoryEventPublisher } from '../../src/services/shared/in-memory-event-publisher.js';

describe('service catalog', () => {
  test('lists the six services with their ports and URL variables', () => {
    assert.deepEqual(
      SERVICE_NAMES.map((name) => [name, ServiceCatalog[name].defaultPort, ServiceCatalog[name].urlEnvVar, ServiceCatalog[name].service.typeName]),
      [
        ['auth', 3001, 'AUTH_SERVICE_URL', 'auth.v1.AuthService'],
        ['market', 3002, 'MARKET_SERVICE_URL', 'market.v1.MarketService'],
        ['skillpod', 3003, 'SKILLPOD_SERVICE_URL', 'skillpod.v1.SkillpodService'],
        ['cockpit', 3004, 'COCKPIT_SERVICE_URL', 'cockpit.v1.CockpitService'],
        ['billing', 3005, 'BILLING_SERVICE_URL', 'billing.v1.BillingService'],
        ['notification', 3006, 'NOTIFICATION_SERVICE_URL', 'notification.v1.NotificationService'],
      ],
    );
    assert.equal(isServiceName('billing'), true);
    assert.equal(isServiceName('toString'), false);
  });

  test('listenPortOf follows a single URL in the environment, else the default port', () => {
    assert.equal(listenPortOf('auth', {}), 3001);
    assert.equal(listenPortOf('auth', { AUTH_SERVICE_URL: 'http://localhost:4001' }), 4001);
    assert.equal(listenPortOf('auth', { AUTH_SERVICE_URL: 'http://localhost' }), 3001);
    assert.equal(listenPortOf('billing', { BILLING_SERVICE_URL: 'http://a:1,http://b:2' }), 3005);
    assert.equal(listenPortOf('billing', { BILLING_SERVICE_URL: 'not a url' }), 3005);
  });

  test('every implementation covers every RPC of its contract, and nothing else', () => {
    for (const name of SERVICE_NAMES) {
      const entry = ServiceCatalog[name] as unknown as {
        service: { methods: { localName: string }[] };
        createStore(): unknown;
        createImplementation(deps: { store: unknown; events: ReturnType<typeof createInMemoryEventPublisher> }): Record<string, unknown>;
      };
      const implementation = entry.createImplementation({ store: entry.createStore(), events: createInMemoryEventPublisher() });
      const rpcs = entry.service.methods.map((method) => method.localName).sort();
      assert.deepEqual(Object.keys(implementation).sort(), rpcs, name);
      for (const rpc of rpcs) assert.equal(typeof implementation[rpc], 'function', `${name}.${rpc}`);
    }
  });
});
