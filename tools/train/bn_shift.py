"""The oracle for calibrate's training-distribution check: BatchNorm inputs vs running statistics, in PyTorch.

    python bn_shift.py --weights demo.onnx --images DIR [--count 32]

Loads the training-form model (onnx_weights.py), letterboxes the first COUNT images (sorted by name)
as data.py does, records every BatchNorm2d's input with forward pre-hooks and prints, as JSON, the
summary Reparo's DistributionShift computes: per layer the median over channels of
|mean - running_mean| / sqrt(running_var + eps) and of |ln((var + eps) / (running_var + eps))|
(population variance over all images and positions), averaged over the layers.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from data import letterbox
from model import IMAGE_SIZE, build_model
from onnx_weights import load_from_onnx


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", type=Path, required=True, help="training-form .onnx")
    ap.add_argument("--images", type=Path, required=True)
    ap.add_argument("--count", type=int, default=32)
    args = ap.parse_args()
    torch.set_num_threads(1)
    model = build_model()
    load_from_onnx(model, args.weights)
    model.eval()
    sums = {}
    bns = {n: m for n, m in model.named_modules() if isinstance(m, torch.nn.BatchNorm2d)}

    def hook(name):
        def record(_, inputs):
            x = inputs[0].double()
            s = sums.setdefault(name, [0.0, 0.0, 0])
            s[0] = s[0] + x.sum((0, 2, 3))
            s[1] = s[1] + (x * x).sum((0, 2, 3))
            s[2] += x.shape[0] * x.shape[2] * x.shape[3]
        return record

    for name, bn in bns.items():
        bn.register_forward_pre_hook(hook(name))
    files = sorted(p for p in args.images.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))[:args.count]
    with torch.no_grad():
        for f in files:
            x = letterbox(Image.open(f).convert("RGB"), IMAGE_SIZE)
            model(torch.from_numpy(x).permute(2, 0, 1)[None].float() / 255)
    shifts, changes = [], []
    for name, (s1, s2, n) in sums.items():
        bn = bns[name]
        mean = s1 / n
        var = (s2 / n - mean * mean).clamp(min=0)
        run_var = bn.running_var.double() + bn.eps
        shifts.append(float(np.median(((mean - bn.running_mean.double()).abs() / run_var.sqrt()).numpy())))
        changes.append(float(np.median(((var + bn.eps) / run_var).log().abs().numpy())))  # numpy: mean of the middle two
    print(json.dumps({"images": len(files), "layers": len(shifts), "mean_shift": float(np.mean(shifts)),
                      "variance_change": float(np.mean(changes))}))


if __name__ == "__main__":
    main()
