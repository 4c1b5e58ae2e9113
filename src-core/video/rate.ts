/**
 * Frame rates as ffmpeg prints and parses them. ffmpeg prints rates rounded to two decimals
 * ("29.97") or with a k suffix ("30k"), so the NTSC family (n·1000/1001) is restored exactly:
 * over a long recording 29.97 vs 30000/1001 drifts by a frame every ~3 hours of seeking.
 */

/** "30", "29.97", "30k", "1k" → number; undefined when it is not a rate. */
export function parseRate(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(k?)$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * (match[2] ? 1000 : 1);
  return value > 0 ? snapToNtsc(value) : undefined;
}

/** 29.97 → 30000/1001, 23.98 → 24000/1001; other rates unchanged. */
export function snapToNtsc(rate: number): number {
  if (Number.isInteger(rate)) return rate;
  const nominal = Math.round(rate * 1.001);
  const ntsc = (nominal * 1000) / 1001;
  return Math.abs(ntsc - rate) < 0.006 ? ntsc : rate;
}

/** A rate as ffmpeg's command line wants it: "30", "30000/1001" (also for 29.97), "12.5". */
export function formatRate(rate: number): string {
  const snapped = snapToNtsc(rate);
  if (Number.isInteger(snapped)) return String(snapped);
  const nominal = Math.round(snapped * 1.001);
  if (Math.abs((nominal * 1000) / 1001 - snapped) < 1e-9) return `${nominal * 1000}/1001`;
  return String(snapped);
}
