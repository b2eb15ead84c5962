import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** Measured is one measurement of one side. */
export interface Measured {
  phase: string;
  /** Jobs per second: for processing, from the first job's start to the last one's. */
  rate: number;
  /** Processing only: jobs per second from the worker's creation (group join, first fetch) to the last job's start. */
  wallRate?: number;
  /** CPU microseconds per job of the side's Node process. */
  clientCpuUs: number;
  /** CPU microseconds per job of the server (Kafka broker or redis-server), when its pid is known. */
  serverCpuUs?: number;
}

const CLOCK_TICKS_PER_SECOND = 100;

/** processCpuMs reads the user + system CPU of another process from /proc, in milliseconds (undefined when unreadable). */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // The command name in parentheses may contain spaces: count fields after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** listenerPid returns the pid of the process listening on a local TCP port (the Kafka broker), when `ss` can tell. */
export function listenerPid(port: number): number | undefined {
  try {
    const line = execFileSync('ss', ['-ltnpH', `sport = :${port}`]).toString();
    const pid = Number(line.match(/pid=(\d+)/)?.[1]);
    return Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** measure runs `work` (which handles `jobs` jobs) and returns its rate and CPU costs; `work` returns the timing points it knows. */
export async function measure(phase: string, jobs: number, serverPid: number | undefined, work: () => Promise<{ startedAt: number; endedAt: number; createdAt?: number }>): Promise<Measured> {
  const cpuBefore = process.cpuUsage();
  const serverBefore = processCpuMs(serverPid);
  const { startedAt, endedAt, createdAt } = await work();
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = processCpuMs(serverPid);
  const seconds = (endedAt - startedAt) / 1000;
  return {
    phase,
    rate: jobs / seconds,
    ...(createdAt !== undefined ? { wallRate: jobs / ((endedAt - createdAt) / 1000) } : {}),
    clientCpuUs: (cpu.user + cpu.system) / jobs,
    ...(serverBefore !== undefined && serverAfter !== undefined ? { serverCpuUs: ((serverAfter - serverBefore) * 1000) / jobs } : {}),
  };
}

/** runPool runs `count` tasks with at most `concurrency` in flight, and returns when all are done. */
export async function runPool(count: number, concurrency: number, task: (index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const runner = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, runner));
}

/** median returns the middle of `values` (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** formatRate renders a rate with thousands separators. */
export function formatRate(rate: number): string {
  return Number.isFinite(rate) ? Math.round(rate).toLocaleString('en-US') : 'n/a';
}

/** cpuTicks reads the machine's busy and total CPU ticks (all cores) from /proc/stat. */
export function cpuTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** machine describes the machine: core count, CPU model, Node version, load averages now. */
export function machine(): string {
  return `nproc ${cpus().length}, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${loadavg().map((value) => value.toFixed(2)).join(' ')}`;
}
