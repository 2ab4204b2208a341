// Sharing an amount of pence among budget holders in proportion to their parts, in whole pence,
// so that the shares add up to the amount exactly (the largest-remainder method). Ties go to the
// holder named first, so the same parts always give the same shares.

export interface Share {
  holderId: string;
  pence: number;
}

/** `total` (which may be negative) shared in proportion to the parts' sizes; parts of zero get nothing. */
export function apportion(total: number, parts: readonly Share[]): Share[] {
  const weights = parts.map((p) => Math.abs(p.pence));
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0 || total === 0) return [];
  const size = Math.abs(total);
  // Exact: amount times part can pass 2^53 (£10 million shared by parts of £10 million), so BigInt.
  const floors = weights.map((w) => Number((BigInt(size) * BigInt(w)) / BigInt(sum)));
  const remainders = weights.map((w) => Number((BigInt(size) * BigInt(w)) % BigInt(sum)));
  let left = size - floors.reduce((a, b) => a + b, 0);
  const byRemainder = remainders.map((r, i) => ({ i, r })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left === 0) break;
    floors[i]! += 1;
    left -= 1;
  }
  const sign = Math.sign(total);
  return parts.map((p, i) => ({ holderId: p.holderId, pence: sign * floors[i]! })).filter((s) => s.pence !== 0);
}
