/** ProfileFrame is where a CPU or heap profile node ran: V8's call frame. */
export interface ProfileFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** CpuProfile is the part of a V8 CPU profile (`Profiler.stop`, `--cpu-prof`) the tables read. */
export interface CpuProfile {
  nodes: { id: number; callFrame: ProfileFrame }[];
  samples: number[];
  timeDeltas: number[];
}

/** frameKeys names a frame's package (or top folder of `root`) and its function, with paths relative to `root` or node_modules. */
export function frameKeys(frame: ProfileFrame, root: string): { pkg: string; fn: string; path: string } {
  const path = frame.url.replace(/^file:\/\//, '').replace(root, '').replace(/.*node_modules\//, '');
  const pkg = /^(@[^/]+\/[^/]+|[^/]+)/.exec(path)?.[1] ?? (frame.functionName || '(native)');
  return { pkg, fn: `${frame.functionName || '(anonymous)'} ${path}:${frame.lineNumber}`, path };
}

/** printTable prints the `top` largest entries of `table`, each divided by `per`, as a markdown table. */
export function printTable(table: Map<string, number>, title: string, unit: string, per: number, top: number, digits = 2): void {
  console.log(`\n| ${unit} | ${title} |\n| ---: | --- |`);
  for (const [key, value] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`| ${(value / per).toFixed(digits)} | ${key} |`);
}

/** printCpuProfileTables prints a CPU profile's self time by package and by function, in µs per `per` (calls, sagas). */
export function printCpuProfileTables(profile: CpuProfile, options: { root: string; per: number; unit: string; top: number; digits?: number }): void {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const us = profile.timeDeltas[index + 1] ?? 0;
    const { pkg, fn } = frameKeys(nodes.get(id)!.callFrame, options.root);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  });
  printTable(byPackage, 'package or top folder', options.unit, options.per, options.top, options.digits);
  printTable(byFunction, 'function', options.unit, options.per, options.top, options.digits);
}
