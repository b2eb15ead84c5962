/** median returns the middle of `values` (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** PairResult is one scenario's rates per round, for the mesh side and the raw kafkajs side. */
export interface PairResult {
  name: string;
  /** What the raw side does, in a few words. */
  baseline: string;
  mesh: number[];
  raw: number[];
  /** Consumers only: rates from the first record handled to the last. */
  meshDispatch: number[];
  rawDispatch: number[];
  /** Client CPU microseconds per record, per round. */
  meshCpu: number[];
  rawCpu: number[];
}

/** PairSummary is a scenario's medians and ratios. */
export interface PairSummary {
  name: string;
  baseline: string;
  meshMedian: number;
  rawMedian: number;
  /** median(mesh) / median(raw). */
  ratio: number;
  /** The median of the per-round ratios: less sensitive to a noisy neighbour in one round. */
  roundRatio: number;
  rounds: number;
  /** median(meshDispatch) / median(rawDispatch), for consumers. */
  dispatchRatio?: number;
  /** Median client CPU microseconds per record. */
  meshCpu: number;
  rawCpu: number;
}

/** summarize reduces a scenario's rounds to medians and ratios. */
export function summarize(result: PairResult): PairSummary {
  const meshMedian = median(result.mesh);
  const rawMedian = median(result.raw);
  const roundRatios = result.mesh.map((rate, index) => rate / result.raw[index]!);
  const dispatchRatio = result.meshDispatch.length > 0 ? median(result.meshDispatch) / median(result.rawDispatch) : undefined;
  return { name: result.name, baseline: result.baseline, meshMedian, rawMedian, ratio: meshMedian / rawMedian, roundRatio: median(roundRatios), rounds: result.mesh.length, dispatchRatio, meshCpu: median(result.meshCpu), rawCpu: median(result.rawCpu) };
}

/** formatRate renders records per second with thousands separators. */
export function formatRate(rate: number): string {
  return Math.round(rate).toLocaleString('en-US');
}
