/** SHUTDOWN_SIGNALS end a long-running command gracefully: Ctrl-C, a polite kill, and the terminal closing. */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * shutdownSignal resolves with the first of SHUTDOWN_SIGNALS, so a
 * long-running command can shut down gracefully instead of being killed
 * mid-write. Only the first is caught: a second Ctrl-C kills as usual.
 */
export function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      for (const name of SHUTDOWN_SIGNALS) process.off(name, onSignal);
      resolve(signal);
    };
    for (const name of SHUTDOWN_SIGNALS) process.on(name, onSignal);
  });
}
