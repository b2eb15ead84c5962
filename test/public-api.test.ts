import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as mesh from '../src/index.js';

test('the public API carries the names of the older design', () => {
  for (const name of ['authClient', 'marketClient', 'skillpodClient', 'cockpitClient', 'billingClient', 'notificationClient']) {
    assert.ok(name in mesh, `${name} is exported`);
  }
  assert.equal(typeof mesh.runWithContext, 'function');
  assert.equal(typeof mesh.getContext, 'function');
  assert.equal(typeof mesh.CircuitBreaker, 'function');
  assert.deepEqual(Object.keys(mesh.CircuitState).sort(), ['CLOSED', 'HALF_OPEN', 'OPEN']);
  assert.equal(mesh.DEFAULT_FAILURE_THRESHOLD, 5);
  assert.equal(mesh.DEFAULT_RESET_TIMEOUT, 30_000);
  assert.deepEqual(Object.keys(mesh.EventChannels).sort(), ['AUDIT', 'BIDS', 'CONTRACTS', 'JOBS', 'NOTIFICATIONS', 'PAYMENTS', 'REVIEWS', 'SKILLPODS', 'SYSTEM', 'USERS']);
  assert.equal(Object.keys(mesh.QueueNames).length, 17);
  assert.equal(typeof mesh.sagaOrchestrator.register, 'function');
  assert.equal(typeof mesh.sagaOrchestrator.execute, 'function');
  assert.equal(typeof mesh.createContractSaga, 'function');
});
