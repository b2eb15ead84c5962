/** envInt reads a positive integer knob of a bench from the environment, else `fallback`. */
export function envInt(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
