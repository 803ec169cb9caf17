"""Download a model and an inference's predictions, and reproduce the predictions with python's xgboost.

    python3 reproduce_predictions.py --inference-id 4 --out out/
    python3 reproduce_predictions.py --model-id 1 --date-id 479 --out out/   # runs the inference first

The model is XGBoost's JSON format, which `xgboost.Booster(model_file=...)` loads as it is; the day's
auction rows come from GET /stock_data/ and go through the model service's 29 features (written
here again in pandas). Writes out/model_<id>.json, out/predictions_<id>.csv (the API's) and
out/reproduced_<id>.csv (row by row, both predictions and their difference); prints the largest
difference and exits 1 when it is over --tolerance.
"""

from __future__ import annotations

import argparse
import io
import os
import sys

import numpy as np
import pandas as pd
import xgboost

from closecross_api import Closecross, run_script
from pull_data import auction_rows

# The model service's features (services/model/src/features.ts), in its order.
RAW_FEATURES = [
    "seconds_in_bucket", "imbalance_buy_sell_flag", "imbalance_size", "matched_size", "bid_size", "ask_size",
    "reference_price", "far_price", "near_price", "ask_price", "bid_price", "wap",
]
PRICES = ["reference_price", "far_price", "near_price", "ask_price", "bid_price", "wap"]
PRICE_PAIRS = [(a, b) for index, a in enumerate(PRICES) for b in PRICES[index + 1:]]
FEATURE_NAMES = RAW_FEATURES + ["imb_s1", "imb_s2"] + [f"{a}_{b}_diff" for a, b in PRICE_PAIRS]


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, missing (NaN) where the denominator is 0, as the service does."""
    return (numerator / denominator.where(denominator != 0)).astype("float64")


def feature_matrix(rows: pd.DataFrame) -> np.ndarray:
    """The 29 features of each row, computed in float64 and stored as float32 (as the service's Float32Array)."""
    values = rows[RAW_FEATURES].astype("float64")  # a missing value (null) is NaN: missing to XGBoost
    columns = [values[name] for name in RAW_FEATURES]
    columns.append(_ratio(values["bid_size"] - values["ask_size"], values["bid_size"] + values["ask_size"]))
    columns.append(_ratio(values["imbalance_size"] - values["matched_size"], values["matched_size"] + values["imbalance_size"]))
    columns.extend(values[a] - values[b] for a, b in PRICE_PAIRS)
    return np.column_stack([column.to_numpy(dtype="float64") for column in columns]).astype(np.float32)


def run_inference(api: Closecross, model_id: int, date_id: int) -> int:
    """POST /inference-model/ and wait: answers the new inference's id."""
    started = api.post("/inference-model/", {"model_id": model_id, "pred_date_id": date_id})
    job = api.wait_for_job(started["job_id"])
    return int(job["result"]["inference_id"])


def download_model(api: Closecross, model_id: int, destination: str) -> str:
    """The model's artifact (GET /models/{id}/artifact): XGBoost's JSON model."""
    return api.download(f"/models/{model_id}/artifact", destination)


def api_predictions(api: Closecross, inference_id: int) -> pd.DataFrame:
    """The inference's predictions as the API serves them (GET /model-inferences/{id}/predictions as CSV)."""
    text = api.get_text(f"/model-inferences/{inference_id}/predictions", {"format": "csv"}, accept="text/csv")
    return pd.read_csv(io.StringIO(text), dtype={"row_id": str})


def reproduce(booster: xgboost.Booster, rows: pd.DataFrame) -> np.ndarray:
    """Predictions of `rows` (the stock_data shape) by `booster`, in the rows' order."""
    matrix = xgboost.DMatrix(feature_matrix(rows), missing=np.nan, feature_names=booster.feature_names)
    return booster.predict(matrix)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inference-id", type=int, help="an inference already run")
    parser.add_argument("--model-id", type=int, help="with --date-id: run an inference of this model first")
    parser.add_argument("--date-id", type=int)
    parser.add_argument("--tolerance", type=float, default=1e-6, help="largest difference allowed (default 1e-6)")
    parser.add_argument("--out", default="out")
    args = parser.parse_args()
    if args.inference_id is None and (args.model_id is None or args.date_id is None):
        parser.error("give --inference-id, or --model-id and --date-id")
    os.makedirs(args.out, exist_ok=True)
    api = Closecross()

    inference_id = args.inference_id if args.inference_id is not None else run_inference(api, args.model_id, args.date_id)
    inference = api.get(f"/model-inferences/{inference_id}")
    model_id, date_id = int(inference["model_id"]), int(inference["date_id"])
    model_file = download_model(api, model_id, os.path.join(args.out, f"model_{model_id}.json"))
    booster = xgboost.Booster(model_file=model_file)

    served = api_predictions(api, inference_id)
    served.to_csv(os.path.join(args.out, f"predictions_{inference_id}.csv"), index=False)
    rows = auction_rows(api, [date_id])
    rows = rows.set_index("row_id").loc[served["row_id"]].reset_index()  # the predictions' order
    ours = reproduce(booster, rows)

    compared = pd.DataFrame({"row_id": served["row_id"], "api_prediction": served["prediction"], "python_prediction": ours})
    compared["difference"] = compared["python_prediction"] - compared["api_prediction"]
    compared.to_csv(os.path.join(args.out, f"reproduced_{inference_id}.csv"), index=False, float_format="%.9g")
    largest = float(compared["difference"].abs().max()) if len(compared) else 0.0

    print(f"inference {inference_id}: model {model_id}, date_id {date_id}, {len(compared)} predictions")
    print(f"model file {model_file} ({booster.num_boosted_rounds()} rounds, {booster.num_features()} features)")
    print(f"largest difference python - API: {largest:.3g} (tolerance {args.tolerance:g})")
    if largest > args.tolerance:
        print("NOT reproduced", file=sys.stderr)
        sys.exit(1)
    print("reproduced")


if __name__ == "__main__":
    run_script(main)
