"""Writes tools/train/RESULTS.md: the demo model's fine-tuning curve and its accuracy, next to the
model it started from, on sets it was neither trained nor selected on.

    python results_md.py --run RUN --sets classic2 test shifted4 shifted5 --out RESULTS.md [--extra notes.md]

RUN holds train.py's history.json and best.pt, and evaluate.py's JSON for the starting model
(init_<set>.json) and the chosen epoch (best_<set>.json) on every set. --extra appends a markdown
file as it is (measurements made outside this script, e.g. Reparo's int8 calibration).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from export_demo import NAMES

DESCRIBE = {
    "sel": "varied, seed 3, 400 images: **selection** (chooses the epoch; not a result)",
    "classic2": "classic, seed 2, 500 images: the old validation set (DemoModelTest)",
    "test": "varied, seed 4, 500 images: unseen seed",
    "shifted4": "varied seed 4 through `benchmarks/shift-images.py`: unseen seed, shifted",
    "shifted5": "classic seed 5 through `benchmarks/shift-images.py`: the issue's shifted set",
}


def noise(r):
    n = r.get("noise")
    return f"{n['images_with_detections']}/{n['images']} images, {n['detections']} boxes" if n else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--sets", nargs="+", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--extra", type=Path)
    ap.add_argument("--first", type=Path, help="the run RUN was fine-tuned from (its curve is shown first)")
    args = ap.parse_args()
    history = json.loads((args.run / "history.json").read_text())
    best = torch.load(args.run / "best.pt", map_location="cpu", weights_only=False)
    a = best["args"]
    settings = {k: a[k] for k in ("epochs", "batch", "lr", "warmup", "threads", "seed", "noise_p") if k in a}

    lines = ["# Demo model: training results", "",
             "Regenerate with `tools/train/train_demo.sh` (it documents every set). The model is fine-tuned from",
             "the previous demo model (commit c2056fd, read back from its training-form ONNX) on 6000 `reparo synth",
             "--style varied` scenes of seed 1: textured/photo-like backgrounds, distractor shapes, stretched, turned",
             "and occluded shapes, lighting, blur, noise, JPEG artefacts, 8% object-free scenes; augmentation: mosaic",
             "(30%), rescale 0.7-1.3 + shift (50% of the rest), flips, channel order, saturation, contrast/brightness.",
             "The epoch is chosen on a separate selection set (varied, seed 3); the results below are on other sets.",
             "pycocotools, conf 0.001, NMS IoU 0.6, 100 detections per image; noise: 60 object-free noise images",
             "(uniform, Gaussian, smooth), detections at score >= 0.25 (detect's default).", ""]
    lines += [("Settings (stage 2, the exported model): " if args.first else "Settings: ")
              + ", ".join(f"{k.replace('_', '-')} {v}" for k, v in settings.items())
              + f"; chosen epoch {best['epoch']} (best selection mAP@0.5:0.95)"
              + (". Stage 1: below." if args.first else ""), ""]
    lines += ["## Training curve (EMA weights; selection set: varied seed 3; noise: images of 60 with a detection",
              "at score >= 0.25, noise seed 1 - the results below use seed 0)", "",
              "| stage | epoch | box loss | obj loss | cls loss | sel mAP@0.5 | sel mAP@0.5:0.95 | noise | train s |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    init_sel = args.run / "init_sel.json"
    if init_sel.exists():
        r = json.loads(init_sel.read_text())
        lines.append(f"| previous model | | | | | {r['map50']:.4f} | {r['map50_95']:.4f} | | |")
    stages = []
    if args.first:
        stages.append(("1: varied data", json.loads((args.first / "history.json").read_text())))
    stages.append(("2: + 5% noise negatives" if args.first else "1", history))
    for stage, hist in stages:
        for h in hist:
            lines.append(f"| {stage} | {h['epoch']} | {h['box']:.4f} | {h['obj']:.4f} | {h['cls']:.4f} "
                         f"| {h['map50']:.4f} | {h['map50_95']:.4f} | {h.get('noise_images', '-')} | {h['train_s']} |")
    lines += ["", "## Previous vs new model (PyTorch + pycocotools 2.0.11)", "",
              "| set | previous mAP@0.5 | previous mAP@0.5:0.95 | new mAP@0.5 | new mAP@0.5:0.95 |",
              "|---|---:|---:|---:|---:|"]
    results = {}
    for s in args.sets:
        old = json.loads((args.run / f"init_{s}.json").read_text())
        new = json.loads((args.run / f"best_{s}.json").read_text())
        results[s] = (old, new)
        lines.append(f"| {DESCRIBE.get(s, s)} | {old['map50']:.4f} | {old['map50_95']:.4f} | **{new['map50']:.4f}** "
                     f"| **{new['map50_95']:.4f}** |")
    old, new = results[args.sets[0]]
    lines += ["", f"Noise images with a detection (score >= 0.25): previous {noise(old)}; new {noise(new)}.", ""]
    per_set = "test" if "test" in results else args.sets[0]
    lines += [f"## Per class, new model, {DESCRIBE.get(per_set, per_set)}", "",
              "| class | AP@0.5 | AP@0.5:0.95 |", "|---|---:|---:|"]
    for k, v in sorted(results[per_set][1]["per_class"].items(), key=lambda kv: int(kv[0])):
        lines.append(f"| {NAMES[int(k)]} | {v[1]:.4f} | {v[0]:.4f} |")
    if args.extra:
        lines += ["", args.extra.read_text().rstrip()]
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(args.out)


if __name__ == "__main__":
    main()
