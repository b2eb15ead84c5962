import type { RetryBudget } from '../resilience/index.js';
import { meshMetrics } from './mesh-metrics.js';
import { MeshAttributes } from './semantic-attributes.js';

/**
 * instrumentRetryBudget returns `budget` with every refused withdrawal
 * counted on `mesh.rpc.retry_budget.exhausted` under `target` (a service
 * name), so the retry interceptor needs no hook: pass the result as its budget.
 */
export function instrumentRetryBudget(budget: RetryBudget, target: string): RetryBudget {
  return {
    recordRequest: () => budget.recordRequest(),
    tryWithdraw() {
      const granted = budget.tryWithdraw();
      if (!granted) meshMetrics().rpcRetryBudgetExhausted.add(1, { [MeshAttributes.RETRY_TARGET]: target });
      return granted;
    },
    get stats() {
      return budget.stats;
    },
  };
}
