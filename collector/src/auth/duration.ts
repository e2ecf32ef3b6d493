// "7d", "12h", "30m", "45s", "0s": the grace of a key rotation.
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds, or undefined for anything that is not a whole number and one of s, m, h, d. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,9})([smhd])$/.exec(text);
  return match ? Number(match[1]) * UNIT_MS[match[2]] : undefined;
}
