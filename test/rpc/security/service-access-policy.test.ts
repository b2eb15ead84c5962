import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allowedCallers, isCallerAllowed, keyOwner, type ServiceAccessPolicy } from '../../../src/rpc/auth/index.js';

const policy: ServiceAccessPolicy = {
  'billing.v1.BillingService/CreateEscrow': ['market', 'saga-coordinator'],
  'billing.v1.BillingService': ['saga-coordinator'],
  'notification.v1.NotificationService': ['*'],
};

test('the most specific policy entry decides: method, then service, then "*"', () => {
  assert.equal(isCallerAllowed(policy, 'billing.v1.BillingService', 'CreateEscrow', 'market'), true);
  assert.equal(isCallerAllowed(policy, 'billing.v1.BillingService', 'ReleaseEscrow', 'market'), false, 'the service default does not list market');
  assert.equal(isCallerAllowed(policy, 'billing.v1.BillingService', 'ReleaseEscrow', 'saga-coordinator'), true);
  assert.equal(isCallerAllowed(policy, 'notification.v1.NotificationService', 'Send', 'anyone'), true, '"*" allows any authenticated service');
  assert.equal(allowedCallers(policy, 'auth.v1.AuthService', 'GetUser'), undefined);
  assert.equal(isCallerAllowed(policy, 'auth.v1.AuthService', 'GetUser', 'market'), false, 'what no entry covers is denied');
  assert.equal(isCallerAllowed({ ...policy, '*': ['cockpit'] }, 'auth.v1.AuthService', 'GetUser', 'cockpit'), true);
});

test('a key id belongs to the service before its first colon', () => {
  assert.equal(keyOwner('market'), 'market');
  assert.equal(keyOwner('market:2026-12'), 'market');
});
