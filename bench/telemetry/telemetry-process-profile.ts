import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

/** ProfileStart asks a bench process to start its CPU profile (after the warm-up). */
export interface ProfileStart {
  profileStart: true;
}

/** ProfileStop asks a bench process to stop its CPU profile and write it to `file` with the pair's call count; it answers 'profiled'. */
export interface ProfileStop {
  profileStop: { dir: string; calls: number };
}

/**
 * handleProfileMessages profiles this process's main thread between a
 * ProfileStart and a ProfileStop from the bench (the measured rounds only,
 * no start-up or warm-up, unlike `--cpu-prof`), and writes
 * `<dir>/<side>-<mode>.cpuprofile` with `calls` added, for
 * telemetry-profile-compare.ts. Returns whether it handled `message`.
 */
export function handleProfileMessages(side: string, mode: string): (message: unknown) => boolean {
  let session: Session | undefined;
  return (message) => {
    if (typeof message !== 'object' || message === null) return false;
    if ('profileStart' in message) {
      session = new Session();
      session.connect();
      void session.post('Profiler.enable').then(() => session!.post('Profiler.start'));
      return true;
    }
    if ('profileStop' in message) {
      const { dir, calls } = (message as ProfileStop).profileStop;
      void session!.post('Profiler.stop').then(({ profile }) => {
        writeFileSync(join(dir, `${side}-${mode.replace(/[:#]/g, '_')}.cpuprofile`), JSON.stringify({ ...profile, calls }));
        session!.disconnect();
        process.send!('profiled');
      });
      return true;
    }
    return false;
  };
}
