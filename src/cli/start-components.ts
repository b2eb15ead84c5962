import type { MeshComponent, RunningComponent } from './mesh-component.js';

/** StartComponentsOptions configure startComponents. */
export interface StartComponentsOptions {
  /** onReady hears of each component as soon as it is ready. */
  onReady?(component: RunningComponent): void;
  /** signal abandons the start (Ctrl-C): started components are stopped and the signal's reason is thrown. */
  signal?: AbortSignal;
}

/**
 * startComponents starts components stage by stage (see ComponentStages),
 * every component of a stage at once, and resolves with all of them ready,
 * in the order given. The first failure aborts the other starts of its
 * stage, stops every component that did start and is rethrown, so nothing
 * is left running.
 */
export async function startComponents(components: readonly MeshComponent[], options: StartComponentsOptions = {}): Promise<RunningComponent[]> {
  const running: RunningComponent[] = [];
  const order = (component: RunningComponent) => components.findIndex((candidate) => candidate.name === component.name);
  const stages = [...new Set(components.map((component) => component.stage))].sort((a, b) => a - b);
  const failure = new AbortController();
  const abandon = () => failure.abort(options.signal!.reason);
  if (options.signal?.aborted) abandon();
  options.signal?.addEventListener('abort', abandon, { once: true });
  for (const stage of stages) {
    await Promise.allSettled(
      components
        .filter((component) => component.stage === stage)
        .map(async (component) => {
          try {
            const started = await component.start(failure.signal);
            running.push(started);
            options.onReady?.(started);
          } catch (error) {
            // The first failure is the one to report; the others are its consequence.
            if (!failure.signal.aborted) failure.abort(error);
          }
        }),
    );
    if (failure.signal.aborted) {
      options.signal?.removeEventListener('abort', abandon);
      await stopComponents(running);
      throw failure.signal.reason;
    }
  }
  options.signal?.removeEventListener('abort', abandon);
  return [...running].sort((a, b) => order(a) - order(b));
}

/** stopComponents stops components in reverse start order, one stage at a time, each stage's components together. */
export async function stopComponents(running: readonly RunningComponent[]): Promise<void> {
  const byStage = new Map<number, RunningComponent[]>();
  for (const component of running) byStage.set(component.stage, [...(byStage.get(component.stage) ?? []), component]);
  for (const stage of [...byStage.keys()].sort((a, b) => b - a)) {
    await Promise.allSettled(byStage.get(stage)!.map((component) => component.stop()));
  }
}
