// The price watch: which matched competitor prices moved beyond the threshold since the
// previous snapshot. Pure; the watch activity reads the prices and sends the alerts.

export interface WatchedPrice {
  researchProductId: string;
  url: string;
  name: string;
  price: number;
  currency: string;
}

export interface PriceMove extends WatchedPrice {
  previousPrice: number;
  /** Signed change in % of the previous price, to 2 decimals. */
  changePct: number;
}

/** Moves of at least `thresholdPct` percent (either direction); a changed currency is not a move
 *  (the figures are not comparable), nor is a product without a previous price. */
export function priceMoves(
  current: WatchedPrice[],
  previous: ReadonlyMap<string, { price: number; currency: string }>,
  thresholdPct: number,
): PriceMove[] {
  const moves: PriceMove[] = [];
  for (const now of current) {
    const before = previous.get(now.researchProductId);
    if (!before || before.currency !== now.currency || before.price <= 0) continue;
    const changePct = Math.round(((now.price - before.price) / before.price) * 10_000) / 100;
    if (Math.abs(changePct) >= thresholdPct) moves.push({ ...now, previousPrice: before.price, changePct });
  }
  return moves.sort((a, b) => Math.abs(b.changePct) - Math.abs(a.changePct) || a.researchProductId.localeCompare(b.researchProductId));
}
