// An AuthService whose GetUser answers with who called: the calling service
// as the server authenticated it, and the end user of the request context.
import { AuthService } from '../../../gen/auth/v1/auth_service_pb.js';
import { getContext } from '../../../src/context/index.js';
import { serviceIdentityOf, type ServiceIdentity } from '../../../src/rpc/auth/index.js';
import { defineService, type ServiceRegistration } from '../../../src/rpc/server/index.js';

/** SeenIdentities is what the handler saw, as GetUser returns it in display_name. */
export interface SeenIdentities {
  service?: ServiceIdentity;
  userId?: string;
  authToken?: string;
}

/** identityService implements AuthService.GetUser (and CreateUser) by reporting the identities it saw. */
export function identityService(): ServiceRegistration {
  return defineService(AuthService, {
    async getUser(request, context) {
      const seen: SeenIdentities = { service: serviceIdentityOf(context.values), userId: getContext()?.userId, authToken: getContext()?.authToken };
      return { user: { userId: request.userId, displayName: JSON.stringify(seen) } };
    },
    async createUser(request) {
      return { user: { userId: 'created', email: request.email, displayName: request.displayName } };
    },
  });
}

/** seenBy parses the identities out of a GetUser response. */
export function seenBy(response: { user?: { displayName: string } }): SeenIdentities {
  return JSON.parse(response.user?.displayName ?? '{}') as SeenIdentities;
}
