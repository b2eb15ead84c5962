export { AUTH_EFFECTS, AuthStore, type AuthEffect } from './auth-store.js';
export { AUTH_DOMAIN, USER_IMMUTABLE_FIELDS, createAuthService } from './create-auth-service.js';
