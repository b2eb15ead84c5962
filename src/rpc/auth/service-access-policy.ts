/**
 * ServiceAccessPolicy says which services may call what, declared once per
 * server. Keys are, most specific first: a method ("billing.v1.BillingService/CreateEscrow"),
 * a service ("billing.v1.BillingService") or "*" (every method). Values list
 * the calling services allowed; "*" allows any authenticated service. A
 * method no key covers is denied.
 */
export type ServiceAccessPolicy = Readonly<Record<string, readonly string[]>>;

/** ANY_SERVICE in a policy entry allows every authenticated service. */
export const ANY_SERVICE = '*';

/** DEFAULT_OPEN_SERVICES stay reachable without a service token: health checks and reflection come from probes and tools, not services. */
export const DEFAULT_OPEN_SERVICES: readonly string[] = Object.freeze([
  'grpc.health.v1.Health',
  'grpc.reflection.v1.ServerReflection',
  'grpc.reflection.v1alpha.ServerReflection',
]);

/** allowedCallers returns the callers the most specific policy entry allows for a method, or undefined when none covers it. */
export function allowedCallers(policy: ServiceAccessPolicy, serviceTypeName: string, methodName: string): readonly string[] | undefined {
  return policy[`${serviceTypeName}/${methodName}`] ?? policy[serviceTypeName] ?? policy[ANY_SERVICE];
}

/** isCallerAllowed tells whether `caller` may call the method under `policy`. */
export function isCallerAllowed(policy: ServiceAccessPolicy, serviceTypeName: string, methodName: string, caller: string): boolean {
  const allowed = allowedCallers(policy, serviceTypeName, methodName);
  return allowed !== undefined && (allowed.includes(ANY_SERVICE) || allowed.includes(caller));
}
