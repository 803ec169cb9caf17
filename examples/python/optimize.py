"""Start a parameter optimisation through the trading service, wait for it, and read its trials.

    python3 optimize.py --symbol AAPL --fast 5 30 5 --slow 40 100 20 --objective sharpe --out out/

Searches the built-in moving-average crossover's `fast` and `slow` (a grid by default; --method
random or tpe with --budget) and writes out/trials.csv (one row per trial: its parameters, objective,
rank and figures) and out/optimization.json (the run: best trial, overfitting, sensitivity); prints the
best trials and the deflated Sharpe ratio beside the best trial's Sharpe.
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from typing import Any

import pandas as pd

from closecross_api import Closecross, run_script


def grid_size(space: dict[str, dict[str, float]]) -> int:
    size = 1
    for axis in space.values():
        size *= int(round((axis["max"] - axis["min"]) / axis["step"])) + 1
    return size


def start_optimization(api: Closecross, body: dict[str, Any]) -> str:
    """POST /trading/optimizations (202 with the job id); answers the run's id.

    The Idempotency-Key makes the helper's retry (after a 429 or 503) answer the same run, never start a second.
    """
    return api.post("/trading/optimizations", body, headers={"Idempotency-Key": str(uuid.uuid4())})["job_id"]


def trials_frame(api: Closecross, run_id: str) -> pd.DataFrame:
    """Every trial of a run (GET /trading/optimizations/{id}/trials, ranked best first, failed ones last): parameters and figures as columns."""
    rows = []
    for trial in api.get(f"/trading/optimizations/{run_id}/trials", {"limit": 10_000})["trials"]:
        row = {"trial": trial["trial"], "status": trial["status"], "rank": trial["rank"], "objective": trial["objective"], "feasible": trial["feasible"]}
        row.update({f"param_{name}": value for name, value in trial["parameters"].items()})
        row.update({name: value for name, value in (trial.get("figures") or {}).items()})
        row["error"] = trial["error"]
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--symbol", default="AAPL")
    parser.add_argument("--fast", nargs=3, type=int, default=[5, 30, 5], metavar=("MIN", "MAX", "STEP"))
    parser.add_argument("--slow", nargs=3, type=int, default=[40, 100, 20], metavar=("MIN", "MAX", "STEP"))
    parser.add_argument("--method", choices=["grid", "random", "tpe"], default="grid")
    parser.add_argument("--budget", type=int, help="trials at most (default: the grid's size)")
    parser.add_argument("--objective", choices=["sharpe", "sortino", "net_profit", "calmar", "profit_with_max_drawdown"], default="sharpe")
    parser.add_argument("--start", help="first day of bars (YYYY-MM-DD)")
    parser.add_argument("--end", help="last day of bars (YYYY-MM-DD)")
    parser.add_argument("--out", default="out")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    api = Closecross()

    space = {
        "fast": {"min": args.fast[0], "max": args.fast[1], "step": args.fast[2]},
        "slow": {"min": args.slow[0], "max": args.slow[1], "step": args.slow[2]},
    }
    symbol = args.symbol.upper()
    body: dict[str, Any] = {
        "strategy": {
            "name": f"python-optimize-{symbol.lower()}",
            "universe": [symbol],
            "code": "moving_average_crossover",
            "parameters": {"quantity": 100, "exit_on_opposite_signal": True},
            "schedule": None,
            "allocation": 100_000,
        },
        "space": space,
        "method": args.method,
        "budget": args.budget or grid_size(space),
        "objective": args.objective,
    }
    body.update({name: value for name, value in (("start", args.start), ("end", args.end)) if value})

    run_id = start_optimization(api, body)
    api.wait_for_job(run_id, timeout=1800)
    run = api.get(f"/trading/optimizations/{run_id}")
    trials = trials_frame(api, run_id)
    trials.to_csv(os.path.join(args.out, "trials.csv"), index=False)
    with open(os.path.join(args.out, "optimization.json"), "w") as file:
        json.dump(run, file, indent=1)

    counts = run["trials"]
    overfitting = run["overfitting"]
    print(f"optimization {run_id}")
    print(f"trials {counts['done']} done of {counts['budget']}: {counts['succeeded']} succeeded, {counts['failed']} failed")
    shown = [column for column in ["rank", "param_fast", "param_slow", "objective", "sharpe", "net_profit", "max_drawdown_pct", "trades"] if column in trials]
    print(trials[shown].head(5).to_string(index=False))
    best = run["best"]
    if best:
        print(f"best: {json.dumps(best['parameters'], sort_keys=True)} objective {best['objective']}")
    print(f"best sharpe {overfitting['best_sharpe']}, deflated sharpe {overfitting['deflated_sharpe']} over {overfitting['trials']} trials")
    if overfitting.get("warning"):
        print(f"warning: {overfitting['warning']}")


if __name__ == "__main__":
    run_script(main)
