// A stock @grpc/grpc-js client (proto-loader over proto/, no generated code of
// ours) against the server kit serving the six reference services: every
// service answers a real call, health reports each one, reflection lists them.
// A grpc-js retryPolicy retrying a kit server's Trailers-Only UNAVAILABLE (and
// the bare connect-node control it does not retry) is covered once, in
// test/rpc/server/grpc-js-interop.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { createServer, defineService, type MeshServer, type ServiceRegistration } from '../../../src/rpc/server/index.js';
import { SERVICE_NAMES, ServiceCatalog, type ServiceName } from '../../../src/services/index.js';
import { createInMemoryEventPublisher, type InMemoryEventPublisher } from '../../../src/services/shared/index.js';
import { grpcTarget, loadGrpcPackage, unaryCall } from '../server/test-services.js';

/** SERVICE_FILES are the contracts a grpc-js peer loads, one per reference service. */
const SERVICE_FILES: Record<ServiceName, string> = {
  auth: 'auth/v1/auth_service.proto',
  market: 'market/v1/market_service.proto',
  skillpod: 'skillpod/v1/skillpod_service.proto',
  cockpit: 'cockpit/v1/cockpit_service.proto',
  billing: 'billing/v1/billing_service.proto',
  notification: 'notification/v1/notification_service.proto',
};

const pkg = loadGrpcPackage([...Object.values(SERVICE_FILES), 'grpc/health/v1/health.proto', 'grpc/reflection/v1/reflection.proto']);

const usd = (units: number) => ({ currencyCode: 'USD', units: String(units), nanos: 0 });

/** catalogRegistrations builds every reference service from ServiceCatalog, the way startService does, over one event recorder. */
function catalogRegistrations(events: InMemoryEventPublisher): ServiceRegistration[] {
  return SERVICE_NAMES.map((name) => {
    // Widened on purpose: the catalog's entries differ in types one generic call cannot name.
    const entry = ServiceCatalog[name] as unknown as {
      service: ServiceRegistration['service'];
      createStore(): unknown;
      createImplementation(deps: { store: unknown; events: InMemoryEventPublisher }): ServiceRegistration['implementation'];
    };
    return defineService(entry.service, entry.createImplementation({ store: entry.createStore(), events }));
  });
}

function reflect(client: grpc.Client, requests: object[]): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const call = (client as any).ServerReflectionInfo();
    const responses: any[] = [];
    call.on('data', (response: any) => responses.push(response));
    call.on('error', reject);
    call.on('end', () => resolve(responses));
    for (const request of requests) call.write(request);
    call.end();
  });
}

describe('a grpc-js client against the server kit serving the six reference services', () => {
  let server: MeshServer;
  let events: InMemoryEventPublisher;
  const clients: grpc.Client[] = [];
  const client = (name: ServiceName): grpc.Client => {
    const [pkgName, version] = SERVICE_FILES[name].split('/') as [string, string];
    const serviceName = ServiceCatalog[name].service.name;
    const made = new pkg[pkgName][version][serviceName](grpcTarget(server.url), grpc.credentials.createInsecure()) as grpc.Client;
    clients.push(made);
    return made;
  };

  before(async () => {
    events = createInMemoryEventPublisher();
    server = await createServer({ services: catalogRegistrations(events), host: '127.0.0.1', errors: { onUnexpectedError: () => {} } });
  });
  after(async () => {
    for (const made of clients) made.close();
    await server.close();
  });

  test('auth: CreateUser then GetUser; validation and NotFound arrive as gRPC codes', async () => {
    const auth = client('auth');
    const { user } = await unaryCall<any>(auth, 'CreateUser', { email: 'ada@example.com', displayName: 'Ada', roles: ['ROLE_FREELANCER'] });
    assert.match(user.userId, /^usr/);
    assert.equal(user.status, 'USER_STATUS_ACTIVE');
    const fetched = await unaryCall<any>(auth, 'GetUser', { userId: user.userId });
    assert.equal(fetched.user.email, 'ada@example.com');
    assert.deepEqual(fetched.user.roles, ['ROLE_FREELANCER']);
    await assert.rejects(unaryCall(auth, 'GetUser', { userId: 'usr-missing' }), (error: grpc.ServiceError) => {
      assert.equal(error.code, grpc.status.NOT_FOUND);
      // The typed details (google.rpc.ErrorInfo) travel in the standard trailer.
      assert.ok(error.metadata.get('grpc-status-details-bin').length > 0);
      return true;
    });
    await assert.rejects(unaryCall(auth, 'CreateUser', { email: 'not-an-email', displayName: 'X', roles: ['ROLE_CLIENT'] }), (error: grpc.ServiceError) => {
      assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
      assert.match(error.details, /email/);
      return true;
    });
  });

  test('market: CreateJob then GetJob and ListJobs', async () => {
    const market = client('market');
    const budget = { type: 'BUDGET_TYPE_FIXED', min: usd(100), max: usd(500) };
    const { job } = await unaryCall<any>(market, 'CreateJob', { clientId: 'usr-client', title: 'Build a mesh', description: 'gRPC all the way', budget, skills: ['ts'] });
    assert.equal(job.status, 'JOB_STATUS_OPEN');
    assert.equal((await unaryCall<any>(market, 'GetJob', { jobId: job.jobId })).job.title, 'Build a mesh');
    const listed = await unaryCall<any>(market, 'ListJobs', { clientId: 'usr-client' });
    assert.deepEqual(listed.jobs.map((j: { jobId: string }) => j.jobId), [job.jobId]);
  });

  test('skillpod: ListPods for a freelancer with none', async () => {
    const listed = await unaryCall<any>(client('skillpod'), 'ListPods', { freelancerId: 'usr-free' });
    assert.deepEqual(listed.pods, []);
    assert.equal(listed.nextPageToken, '');
  });

  test('cockpit: CreateProject then GetDashboard shows it; a second project for the contract is AlreadyExists', async () => {
    const cockpit = client('cockpit');
    const request = { contractId: 'ctr-1', freelancerId: 'usr-free', clientId: 'usr-client', name: 'Mesh' };
    const { project } = await unaryCall<any>(cockpit, 'CreateProject', request);
    const { dashboard } = await unaryCall<any>(cockpit, 'GetDashboard', { freelancerId: 'usr-free' });
    assert.deepEqual(dashboard.projects.map((p: { projectId: string }) => p.projectId), [project.projectId]);
    await assert.rejects(unaryCall(cockpit, 'CreateProject', request), { code: grpc.status.ALREADY_EXISTS });
  });

  test('billing: CreatePaymentIntent; CreateEscrow funds once, a second escrow for the contract is AlreadyExists', async () => {
    const billing = client('billing');
    const { paymentIntent } = await unaryCall<any>(billing, 'CreatePaymentIntent', { clientId: 'usr-client', amount: usd(42), description: 'deposit' });
    assert.match(paymentIntent.paymentIntentId, /^pi/);
    assert.equal(paymentIntent.amount.units, '42');
    const request = { contractId: 'ctr-1', clientId: 'usr-client', freelancerId: 'usr-free', amount: usd(100) };
    const { escrow } = await unaryCall<any>(billing, 'CreateEscrow', request);
    assert.equal(escrow.status, 'ESCROW_STATUS_FUNDED');
    assert.equal((await unaryCall<any>(billing, 'GetEscrow', { escrowId: escrow.escrowId })).escrow.amount.units, '100');
    await assert.rejects(unaryCall(billing, 'CreateEscrow', request), { code: grpc.status.ALREADY_EXISTS });
    await assert.rejects(unaryCall(billing, 'GetEscrow', { escrowId: 'esc-missing' }), { code: grpc.status.NOT_FOUND });
  });

  test('notification: GetPreferences and SendEmail', async () => {
    const notification = client('notification');
    const { preferences } = await unaryCall<any>(notification, 'GetPreferences', { userId: 'usr-free' });
    assert.equal(preferences.userId, 'usr-free');
    const sent = await unaryCall<any>(notification, 'SendEmail', { to: 'ada@example.com', templateId: 'welcome', variables: { name: 'Ada' } });
    assert.ok(sent.notificationId.length > 0);
  });

  test('the calls above changed real state: their domain events were published', () => {
    const types = new Set(events.events.map((event) => event.type));
    for (const type of ['auth.v1.UserCreated', 'market.v1.JobPosted', 'cockpit.v1.ProjectCreated', 'billing.v1.EscrowFunded']) assert.ok(types.has(type), `${type} in ${[...types].join(', ')}`);
  });

  test('health Check: SERVING for the server and each of the six services', async () => {
    const health = new pkg.grpc.health.v1.Health(grpcTarget(server.url), grpc.credentials.createInsecure()) as grpc.Client;
    clients.push(health);
    assert.equal((await unaryCall<any>(health, 'Check', { service: '' })).status, 'SERVING');
    for (const name of SERVICE_NAMES) {
      const typeName = ServiceCatalog[name].service.typeName;
      assert.equal((await unaryCall<any>(health, 'Check', { service: typeName })).status, 'SERVING', typeName);
    }
    await assert.rejects(unaryCall(health, 'Check', { service: 'nope.v1.Nope' }), { code: grpc.status.NOT_FOUND });
  });

  test('reflection (grpc.reflection.v1 ServerReflectionInfo) lists the six services with health and reflection', async () => {
    const reflection = new pkg.grpc.reflection.v1.ServerReflection(grpcTarget(server.url), grpc.credentials.createInsecure()) as grpc.Client;
    clients.push(reflection);
    const [list, file] = await reflect(reflection, [{ listServices: '' }, { fileContainingSymbol: 'billing.v1.BillingService.CreateEscrow' }]);
    const listed = list.listServicesResponse.service.map((s: { name: string }) => s.name).sort();
    assert.deepEqual(listed, [
      'auth.v1.AuthService',
      'billing.v1.BillingService',
      'cockpit.v1.CockpitService',
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
      'market.v1.MarketService',
      'mesh.v1.ServerStatusService',
      'notification.v1.NotificationService',
      'skillpod.v1.SkillpodService',
    ]);
    assert.ok(file.fileDescriptorResponse.fileDescriptorProto.length > 1, 'the file comes with its dependencies');
  });
});
