/** A universe as typed in a form ("aapl, msft aapl"): upper-cased, each once, in the order given. */
export const symbolsOf = (text: string): string[] => [
  ...new Set(
    text
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((symbol) => symbol.toUpperCase()),
  ),
];
