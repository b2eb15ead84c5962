import { SingleBar } from 'cli-progress';
import type { ReplayProgress } from '../replay/index.js';

/** ProgressReporter shows a replay's progress: a bar on a terminal, plain lines otherwise. */
export interface ProgressReporter {
  update(progress: ReplayProgress): void;
  stop(): void;
}

/** ProgressReporterOptions configure createProgressReporter. */
export interface ProgressReporterOptions {
  /** label starts every line. */
  label: string;
  /** @defaultValue process.stderr */
  stream?: NodeJS.WriteStream;
}

const BAR_FORMAT = '{label} |{bar}| {percentage}% | {value}/{total} offsets | {records} records | {rate}/s | ETA {etaText}';

function seconds(ms: number | undefined): string {
  return ms === undefined ? '-' : `${Math.ceil(ms / 1000)} s`;
}

/**
 * createProgressReporter draws a cli-progress bar (records, rate, ETA) on
 * stderr when it is a terminal, and otherwise prints one plain line per
 * report, so logs and pipes stay readable and stdout stays for the result.
 */
export function createProgressReporter(options: ProgressReporterOptions): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY) {
    const bar = new SingleBar({ format: BAR_FORMAT, stream, hideCursor: true, clearOnComplete: false, etaBuffer: 20 });
    let started = false;
    return {
      update(progress) {
        const payload = { label: options.label, records: progress.records, rate: Math.round(progress.ratePerSecond), etaText: seconds(progress.etaMs) };
        if (!started) {
          bar.start(progress.total, progress.done, payload);
          started = true;
        } else {
          bar.setTotal(progress.total);
          bar.update(progress.done, payload);
        }
      },
      stop: () => bar.stop(),
    };
  }
  return {
    update(progress) {
      stream.write(
        `mesh: ${options.label} ${progress.done}/${progress.total} offsets, ${progress.records} records, ${Math.round(progress.ratePerSecond)}/s, ETA ${seconds(progress.etaMs)}\n`,
      );
    },
    stop() {},
  };
}
