// The auth service every RPC and telemetry bench serves: the reference
// implementation over an in-memory store, with one user for GetUser to find.
import { create } from '@bufbuild/protobuf';
import type { HandlerContext } from '@connectrpc/connect';
import { CreateUserRequestSchema } from '../../gen/auth/v1/auth_service_pb.js';
import { Role } from '../../gen/auth/v1/user_pb.js';
import { AuthStore, createAuthService } from '../../src/services/auth/index.js';
import { createInMemoryEventPublisher } from '../../src/services/shared/index.js';

/** SeededAuthService is the benches' auth implementation and the id of its one user. */
export interface SeededAuthService {
  implementation: ReturnType<typeof createAuthService>;
  userId: string;
}

/** createSeededAuthService makes the auth implementation and seeds the user GetUser is called for. */
export async function createSeededAuthService(): Promise<SeededAuthService> {
  const implementation = createAuthService({ store: new AuthStore(), events: createInMemoryEventPublisher({ maxEvents: 10 }) });
  const seeded = await implementation.createUser(
    create(CreateUserRequestSchema, { email: 'bench@example.com', displayName: 'Bench User', roles: [Role.FREELANCER] }),
    {} as HandlerContext,
  );
  const userId = seeded.user?.userId;
  if (!userId) throw new Error('seeding the bench user failed');
  return { implementation, userId };
}
