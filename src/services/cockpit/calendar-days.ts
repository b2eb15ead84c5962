const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** isCalendarDay says whether a string is a real ISO 8601 day ("2024-02-30" is not). */
export function isCalendarDay(value: string): boolean {
  if (!DAY_PATTERN.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/** weekOf returns the Monday and Sunday ("YYYY-MM-DD", UTC) of the ISO week holding an instant. */
export function weekOf(instant: Date): { monday: string; sunday: string } {
  const day = (instant.getUTCDay() + 6) % 7;
  const monday = new Date(Date.UTC(instant.getUTCFullYear(), instant.getUTCMonth(), instant.getUTCDate() - day));
  const sunday = new Date(monday.getTime() + 6 * 86_400_000);
  return { monday: monday.toISOString().slice(0, 10), sunday: sunday.toISOString().slice(0, 10) };
}
