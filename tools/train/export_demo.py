"""Exports the trained demo detector as Reparo's demo model (training form) plus demo.json.

    python export_demo.py --weights RUN/best.pt --metrics metrics.json --out DIR

The ONNX file keeps the training form: multi-branch RepVGG blocks and every BatchNormalization
node (TorchScript exporter, opset 13, TrainingMode.PRESERVE, no constant folding), so that Reparo's
own passes do the re-parameterization. Head: the three raw per-scale conv outputs p3/p4/p5
(B, 3*(5+6), H/s, W/s); Reparo decodes them using the metadata.

metadata_props (every value is JSON):
  names          ["circle", ...]              class names by class index
  anchors        [[[w, h] x3] x3]             anchor sizes in input pixels, per stride
  strides        [8, 16, 32]                  stride of p3, p4, p5
  input_size     [320, 320]                   [height, width] of the input "images"
  letterbox_fill 114                          grey level of the padding; image centred, scaled
                                              by min(320/w, 320/h)
  normalization  {"scale": 1/255, "mean": [0,0,0], "std": [1,1,1], "channels": "RGB",
                  "layout": "NCHW"}           input = (pixel * scale - mean) / std
  head           {"format": "yolov5", "outputs": ["p3","p4","p5"], "anchors_per_scale": 3,
                  "values_per_anchor": 11}    per anchor (tx, ty, tw, th, obj, 6 class logits):
                                              xy = (2*sigmoid(t_xy) - 0.5 + cell) * stride,
                                              wh = (2*sigmoid(t_wh))^2 * anchor,
                                              score = sigmoid(obj) * sigmoid(class)
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch

from data import LETTERBOX_FILL
from model import IMAGE_SIZE, NUM_CLASSES, build_model
from yolo import ANCHORS, STRIDES

NAMES = ["circle", "square", "triangle", "ring", "cross", "star"]
OUTPUTS = ["p3", "p4", "p5"]


def metadata():
    return {
        "names": NAMES,
        "anchors": [[list(a) for a in scale] for scale in ANCHORS],
        "strides": list(STRIDES),
        "input_size": [IMAGE_SIZE, IMAGE_SIZE],
        "letterbox_fill": LETTERBOX_FILL,
        "normalization": {"scale": 1 / 255, "mean": [0, 0, 0], "std": [1, 1, 1], "channels": "RGB", "layout": "NCHW"},
        "head": {"format": "yolov5", "outputs": OUTPUTS, "anchors_per_scale": len(ANCHORS[0]),
                 "values_per_anchor": 5 + NUM_CLASSES},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", type=Path, required=True)
    ap.add_argument("--metrics", type=Path, required=True, help="evaluate.py's JSON output")
    ap.add_argument("--out", type=Path, required=True, help="folder for demo.onnx and demo.json")
    ap.add_argument("--unseen", type=Path, help="evaluate.py's JSON on an unseen-seed varied set (reported in demo.json)")
    ap.add_argument("--shifted", type=Path, help="evaluate.py's JSON on that set shifted (reported in demo.json)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    ckpt = torch.load(args.weights, map_location="cpu", weights_only=False)
    model = build_model()
    model.load_state_dict(ckpt["ema"])
    model.eval()
    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / "demo.onnx"
    tmp = args.out / "demo.onnx.tmp"
    x = torch.rand(1, 3, IMAGE_SIZE, IMAGE_SIZE, generator=torch.Generator().manual_seed(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), str(tmp), dynamo=False, opset_version=13,
                          training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False,
                          input_names=["images"], output_names=OUTPUTS)
    m = onnx.load(str(tmp))
    meta = metadata()
    for key, value in meta.items():
        m.metadata_props.add(key=key, value=json.dumps(value))
    m.producer_name = "reparo tools/train"
    m.doc_string = "Reparo demo detector: YOLOv5-Lite-g style (RepVGG backbone), 6 synthetic shape classes, training form"
    onnx.checker.check_model(m)
    onnx.save(m, str(tmp))
    bn = sum(n.op_type == "BatchNormalization" for n in m.graph.node)
    # the exported graph must compute what PyTorch computes
    with torch.no_grad():
        expected = [t.numpy() for t in model(x)]
    got = ort.InferenceSession(str(tmp), providers=["CPUExecutionProvider"]).run(None, {"images": x.numpy()})
    max_diff = max(float(np.abs(a - b).max()) for a, b in zip(expected, got))
    if max_diff > 1e-3:
        raise SystemExit(f"ONNX Runtime differs from PyTorch by {max_diff}")
    tmp.replace(onnx_path)

    metrics = json.loads(args.metrics.read_text())
    history = ckpt["history"]
    info = {
        "model": "demo.onnx",
        "description": m.doc_string,
        "form": "training (multi-branch RepVGG, BatchNormalization kept)",
        "exporter": f"torch.onnx.export TorchScript, opset 13, torch {torch.__version__}",
        "parameters": sum(p.numel() for p in model.parameters()),
        "batchnorm_nodes": bn,
        "onnxruntime_vs_pytorch_max_abs_diff": max_diff,
        "metadata_props": meta,
        "training": {"epochs": len(history), "train_images": ckpt["args"].get("train"),
                     "args": ckpt["args"], "final_epoch": history[-1] if history else None},
        "val": {"images": 500, "set": "reparo synth --style classic --seed 2 (DemoModelTest re-measures it)",
                "evaluator": "pycocotools COCOeval bbox",
                "map50": round(metrics["map50"], 4), "map50_95": round(metrics["map50_95"], 4),
                "per_class_ap50_95": {NAMES[int(k)]: round(v[0], 4) for k, v in metrics["per_class"].items()},
                "per_class_ap50": {NAMES[int(k)]: round(v[1], 4) for k, v in metrics["per_class"].items()}},
    }
    for key, path, what in (("unseen", args.unseen, "reparo synth --style varied --seed 4, 500 images"),
                            ("shifted", args.shifted, "the same through benchmarks/shift-images.py")):
        if path:
            r = json.loads(path.read_text())
            info[key] = {"set": what, "map50": round(r["map50"], 4), "map50_95": round(r["map50_95"], 4),
                         "noise": r.get("noise")}
    tmp_json = args.out / "demo.json.tmp"
    tmp_json.write_text(json.dumps(info, indent=1) + "\n")
    tmp_json.replace(args.out / "demo.json")
    print(f"wrote {onnx_path} ({onnx_path.stat().st_size / 1e6:.2f} MB, {bn} BatchNormalization nodes, "
          f"max |ORT - PyTorch| {max_diff:.2e})")


if __name__ == "__main__":
    main()
