"""Run a backtest through the trading service, wait for its job, read its report, plot its equity.

    python3 backtest_equity.py --symbol AAPL --fast 10 --slow 50 --out out/
    python3 backtest_equity.py --strategy-id 3 --out out/        # a stored strategy instead

Writes out/equity.csv (time, equity, drawdown, exposure as the API exports it), out/trades.csv,
out/backtest.json (the job's result) and out/equity.png, and prints the report's figures.
"""

from __future__ import annotations

import argparse
import io
import json
import os
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display needed: the chart goes to a PNG
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from closecross_api import Closecross, run_script  # noqa: E402


def moving_average_strategy(symbol: str, fast: int, slow: int, quantity: int, allocation: float) -> dict[str, Any]:
    """An inline strategy (not stored): the built-in moving-average crossover, long only, on one symbol."""
    return {
        "name": f"python-mac-{symbol.lower()}-{fast}-{slow}",
        "universe": [symbol],
        "code": "moving_average_crossover",
        "parameters": {"fast": fast, "slow": slow, "quantity": quantity, "exit_on_opposite_signal": True},
        "schedule": None,
        "allocation": allocation,
    }


def run_backtest(api: Closecross, body: dict[str, Any], timeout: float = 600.0) -> str:
    """POST /trading/backtests (202 with the job id), then waits for the job; answers the backtest's id."""
    started = api.post("/trading/backtests", body)
    api.wait_for_job(started["job_id"], timeout=timeout)
    return started["job_id"]


def equity_curve(api: Closecross, backtest_id: str) -> pd.DataFrame:
    """The report's equity curve (GET /trading/backtests/{id}/equity.csv), indexed by time."""
    text = api.get_text(f"/trading/backtests/{backtest_id}/equity.csv")
    return pd.read_csv(io.StringIO(text), parse_dates=["time"]).set_index("time")


def trades(api: Closecross, backtest_id: str) -> pd.DataFrame:
    """Closed trades, then the positions open at the end (GET /trading/backtests/{id}/trades.csv)."""
    return pd.read_csv(io.StringIO(api.get_text(f"/trading/backtests/{backtest_id}/trades.csv")))


def plot_equity(curve: pd.DataFrame, title: str, path: str) -> None:
    """Equity above, drawdown below, one shared time axis."""
    figure, (equity_axis, drawdown_axis) = plt.subplots(2, 1, figsize=(10, 6), sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    equity_axis.plot(curve.index, curve["equity"], color="#1f6feb", linewidth=1.2)
    equity_axis.set_ylabel("equity")
    equity_axis.set_title(title)
    equity_axis.grid(alpha=0.3)
    drawdown_axis.fill_between(curve.index, -curve["drawdown"].abs(), 0, color="#d1242f", alpha=0.4, linewidth=0)
    drawdown_axis.set_ylabel("drawdown (cash)")
    drawdown_axis.grid(alpha=0.3)
    figure.autofmt_xdate()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--strategy-id", type=int, help="a stored strategy (otherwise an inline moving-average crossover)")
    parser.add_argument("--symbol", default="AAPL")
    parser.add_argument("--fast", type=int, default=10)
    parser.add_argument("--slow", type=int, default=50)
    parser.add_argument("--quantity", type=int, default=100)
    parser.add_argument("--allocation", type=float, default=100_000)
    parser.add_argument("--start", help="first day of bars (YYYY-MM-DD)")
    parser.add_argument("--end", help="last day of bars (YYYY-MM-DD)")
    parser.add_argument("--decision", choices=["after_close", "close_auction"], default="after_close")
    parser.add_argument("--out", default="out")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    api = Closecross()

    body: dict[str, Any] = {"decision": args.decision}
    if args.strategy_id is not None:
        body["strategy_id"] = args.strategy_id
    else:
        body["strategy"] = moving_average_strategy(args.symbol.upper(), args.fast, args.slow, args.quantity, args.allocation)
    body.update({name: value for name, value in (("start", args.start), ("end", args.end)) if value})

    backtest_id = run_backtest(api, body)
    result = api.get(f"/trading/backtests/{backtest_id}")["result"]
    curve = equity_curve(api, backtest_id)
    closed_and_open = trades(api, backtest_id)

    curve.to_csv(os.path.join(args.out, "equity.csv"))
    closed_and_open.to_csv(os.path.join(args.out, "trades.csv"), index=False)
    with open(os.path.join(args.out, "backtest.json"), "w") as file:
        json.dump(result, file, indent=1)
    png = os.path.join(args.out, "equity.png")
    plot_equity(curve, f"backtest {backtest_id[:8]}: {result.get('strategy', '')} {result.get('start')} .. {result.get('end')}", png)

    performance = result.get("performance") or {}
    print(f"backtest {backtest_id}")
    print(f"period {result.get('start')} .. {result.get('end')}, {len(curve)} equity points")
    print(f"first equity {curve['equity'].iloc[0]}, last equity {curve['equity'].iloc[-1]}, max drawdown {curve['drawdown'].abs().max()}")
    print(f"realized {result.get('realized')}, unrealized {result.get('unrealized')}, closed trades {(closed_and_open['status'] == 'closed').sum()}")
    if performance:
        print("performance: " + ", ".join(f"{name} {value}" for name, value in performance.items() if isinstance(value, (int, float))))
    print(f"chart {png}")


if __name__ == "__main__":
    run_script(main)
