"""Daily bars and closing-auction rows from the REST API into pandas.

    python3 pull_data.py --symbols AAPL MSFT --start 2021-01-01 --date-ids 0 1 --out out/

Writes out/bars_<SYMBOL>.csv and out/auction_rows.csv and prints what it pulled.
"""

from __future__ import annotations

import argparse
import os
from typing import Iterable

import pandas as pd

from closecross_api import Closecross, run_script

AUCTION_COLUMNS = [
    "stock_id", "date_id", "seconds_in_bucket", "imbalance_size", "imbalance_buy_sell_flag", "reference_price",
    "matched_size", "far_price", "near_price", "bid_price", "bid_size", "ask_price", "ask_size", "wap", "target",
    "time_id", "row_id",
]


def daily_bars(api: Closecross, symbol: str, start: str | None = None, end: str | None = None) -> pd.DataFrame:
    """A symbol's daily bars (GET /price_bars/{symbol}), indexed by date, oldest first."""
    params = {name: value for name, value in (("start", start), ("end", end)) if value}
    answer = api.get(f"/price_bars/{symbol}", params)
    bars = pd.DataFrame(answer["bars"], columns=["date", "open", "high", "low", "close", "adj_close", "volume"])
    bars["date"] = pd.to_datetime(bars["date"])
    return bars.set_index("date")


def auction_rows(api: Closecross, date_ids: Iterable[int], stock_id: int | None = None, page_size: int = 50_000) -> pd.DataFrame:
    """The auction rows of some days (GET /stock_data/, every page), in the API's order: day, second, stock."""
    rows: list[dict] = []
    for date_id in date_ids:
        params = {"date_id": date_id, **({"stock_id": stock_id} if stock_id is not None else {})}
        rows.extend(api.pages("/stock_data/", params, page_size))
    return pd.DataFrame(rows, columns=AUCTION_COLUMNS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--symbols", nargs="*", default=["AAPL"], help="symbols whose daily bars to pull")
    parser.add_argument("--start", help="first day of bars (YYYY-MM-DD)")
    parser.add_argument("--end", help="last day of bars (YYYY-MM-DD)")
    parser.add_argument("--date-ids", nargs="*", type=int, default=[], help="days of auction rows to pull")
    parser.add_argument("--stock-id", type=int, help="only this stock's auction rows")
    parser.add_argument("--page-size", type=int, default=50_000, help="auction rows per request (at most 50,000)")
    parser.add_argument("--out", default="out", help="folder the CSV files go to")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    api = Closecross()

    for symbol in args.symbols:
        bars = daily_bars(api, symbol, args.start, args.end)
        bars.to_csv(os.path.join(args.out, f"bars_{symbol.upper()}.csv"))
        if bars.empty:
            print(f"{symbol.upper()}: no bars")
            continue
        returns = bars["close"].pct_change().dropna()
        print(f"{symbol.upper()}: {len(bars)} bars {bars.index[0].date()} .. {bars.index[-1].date()}, "
              f"last close {bars['close'].iloc[-1]}, mean daily return {returns.mean():.6f}, stdev {returns.std():.6f}")

    if args.date_ids:
        rows = auction_rows(api, args.date_ids, args.stock_id, args.page_size)
        rows.to_csv(os.path.join(args.out, "auction_rows.csv"), index=False)
        print(f"auction rows: {len(rows)} rows, {rows['stock_id'].nunique()} stocks, days {sorted(rows['date_id'].unique().tolist())}")
        if rows["target"].notna().any():
            by_second = rows.groupby("seconds_in_bucket")["target"].agg(["mean", "std"])
            print(f"target by seconds_in_bucket (first 3):\n{by_second.head(3).to_string()}")


if __name__ == "__main__":
    run_script(main)
