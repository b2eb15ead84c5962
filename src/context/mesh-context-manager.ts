import type { Context, ContextManager } from '@opentelemetry/api';
import { activeContext, contextStorage } from './context-storage.js';

/**
 * MeshContextManager is an OpenTelemetry ContextManager on the toolkit's own
 * contextStorage, so the request context and the active span live in one
 * AsyncLocalStorage (startTelemetry installs it). `bind` wraps functions
 * only: the toolkit registers no instrumentation that binds event emitters.
 */
export class MeshContextManager implements ContextManager {
  active(): Context {
    return activeContext();
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const bound = thisArg === undefined ? fn : (fn.bind(thisArg) as F);
    return contextStorage.run(context, bound, ...args);
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const fn = target as (...args: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      return contextStorage.run(context, () => fn.apply(this, args));
    } as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    // The storage is shared with the request context, which outlives telemetry.
    return this;
  }
}
