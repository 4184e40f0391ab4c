"""Writes tools/train/RESULTS.md: the demo model's training curve and final validation metrics.

    python results_md.py --run RUN --out RESULTS.md [--java-map50 X --java-map50-95 Y]

RUN holds train.py's history.json and evaluate.py's metrics.json (pycocotools). The optional
--java-* values are Reparo's own evaluator on the converted model (DemoModelTest prints them).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from export_demo import NAMES


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--java-map50", type=float)
    ap.add_argument("--java-map50-95", type=float)
    args = ap.parse_args()
    history = json.loads((args.run / "history.json").read_text())
    metrics = json.loads((args.run / "metrics.json").read_text())
    best = torch.load(args.run / "best.pt", map_location="cpu", weights_only=False)
    settings = {k: v for k, v in best["args"].items() if k in ("epochs", "batch", "lr", "threads", "seed")}

    lines = ["# Demo model: training results", "",
             "Regenerate with `tools/train/train_demo.sh`. Validation: 500 synthetic images, seed 2",
             "(training: seed 1), conf 0.001, NMS IoU 0.6, 100 detections per image.", ""]
    lines += ["Settings: " + ", ".join(f"{k} {v}" for k, v in settings.items())
              + f"; best epoch {best['epoch']}", ""]
    lines += ["## Training curve (EMA weights, pycocotools)", "",
              "| epoch | box loss | obj loss | cls loss | val mAP@0.5 | val mAP@0.5:0.95 | train s | val s |",
              "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for h in history:
        lines.append(f"| {h['epoch']} | {h['box']:.4f} | {h['obj']:.4f} | {h['cls']:.4f} | {h['map50']:.4f} "
                     f"| {h['map50_95']:.4f} | {h['train_s']} | {h['val_s']} |")
    lines += ["", "## Final model (best epoch)", "",
              "| evaluator | mAP@0.5 | mAP@0.5:0.95 |", "|---|---:|---:|",
              f"| PyTorch + pycocotools 2.0.11 | {metrics['map50']:.4f} | {metrics['map50_95']:.4f} |"]
    if args.java_map50 is not None:
        lines.append(f"| Reparo (fused, ncnn FP32, CocoEvaluator) | {args.java_map50:.4f} | {args.java_map50_95:.4f} |")
    lines += ["", "| class | AP@0.5 | AP@0.5:0.95 |", "|---|---:|---:|"]
    for k, v in sorted(metrics["per_class"].items(), key=lambda kv: int(kv[0])):
        lines.append(f"| {NAMES[int(k)]} | {v[1]:.4f} | {v[0]:.4f} |")
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
