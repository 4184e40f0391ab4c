"""A fixture from YOLOv5's own `export.py` (PyPI package `yolov5` 7.0.x): a small YOLOv5n-shaped model
(width 0.125) with 6 classes, batch-norm statistics gathered on Reparo's synthetic shapes, saved as a
YOLOv5 checkpoint and exported exactly as a YOLOv5 user does (`export.run(include=('onnx',))`):
decoded output [1, N, 5+C], metadata `stride` and `names` only.

Writes `yolov5_export-default-onnx<opset>` in the fixture format of tools/models/export_fixtures.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

os.environ.setdefault("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")  # YOLOv5 7.0 pickles whole models

import numpy as np
import onnx
import onnxruntime as ort
import torch
import yaml

import yolov5
from yolov5 import export
from yolov5.models.experimental import attempt_load
from yolov5.models.yolo import Detect, Model

from common import IMGSZ, letterboxed



def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="a `reparo synth` folder (annotations.json, images/)")
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True, help="fixtures folder")
    args = ap.parse_args()
    torch.manual_seed(0)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    coco = json.loads((args.data / "annotations.json").read_text())
    names = [c["name"] for c in sorted(coco["categories"], key=lambda c: c["id"])]
    files = sorted((args.data / "images").glob("*.jpg"))

    cfg = yaml.safe_load((Path(yolov5.__file__).parent / "models" / "yolov5n.yaml").read_text())
    cfg["width_multiple"] = 0.125
    model = Model(cfg, ch=3, nc=len(names))
    # Batch-norm statistics from real images (weights stay seeded-random): running means and
    # variances far from 0/1 are what the converter's BN folding must get right.
    model.train()
    with torch.no_grad():
        for i in range(0, 160, 16):
            model(torch.from_numpy(np.stack([letterboxed(f) for f in files[i:i + 16]])))
    model.eval()
    model.names = names
    pt = work / "yolov5t.pt"
    torch.save({"model": model, "epoch": -1}, pt)

    export.run(weights=str(pt), include=("onnx",), imgsz=(IMGSZ, IMGSZ))
    onnx_file = pt.with_suffix(".onnx")
    proto = onnx.load(onnx_file)
    opset = proto.opset_import[0].version

    # PyTorch's output from the module export.py traced: loaded, fused, Detect in export mode.
    ref_model = attempt_load(str(pt), device=torch.device("cpu"), inplace=False, fuse=True)
    for m in ref_model.modules():
        if isinstance(m, Detect):
            m.inplace = False
            m.export = True
    x = letterboxed(files[0])[None]
    with torch.no_grad():
        y = ref_model(torch.from_numpy(x))
    y = (y[0] if isinstance(y, (tuple, list)) else y).numpy().astype(np.float32)

    name = f"yolov5_export-default-onnx{opset}"
    d = args.out / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    shutil.copyfile(onnx_file, d / "model.onnx")
    np.save(d / "input.npy", x)
    np.save(d / "output_0.npy", y)
    sess = ort.InferenceSession(str(d / "model.onnx"), providers=["CPUExecutionProvider"])
    got = sess.run(None, {sess.get_inputs()[0].name: x})[0]
    ops = {}
    for n in proto.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    info = {
        "name": name, "model": "yolov5t", "kind": "detector", "form": "default", "exporter": "yolov5 export.py",
        "opset": opset, "input": {"name": sess.get_inputs()[0].name, "shape": list(x.shape), "dtype": "float32",
                                   "file": "input.npy"},
        "outputs": [{"name": sess.get_outputs()[0].name, "shape": list(y.shape), "file": "output_0.npy"}],
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "onnx_opset": opset, "onnx_op_counts": dict(sorted(ops.items())),
        "onnx_metadata": {p.key: p.value for p in proto.metadata_props},
        "ort_max_abs_diff": float(np.abs(got - y).max()),
        "tolerance": {"atol": 1e-3, "rtol": 1e-4},
        "num_classes": len(names), "names": names, "imgsz": IMGSZ,
        "versions": {"torch": torch.__version__, "yolov5": yolov5.__version__, "onnx": onnx.__version__,
                     "onnxruntime": ort.__version__},
    }
    (d / "info.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"{name}: {len(proto.graph.node)} nodes, output {list(y.shape)}, ORT vs PyTorch {info['ort_max_abs_diff']:.2e}")


if __name__ == "__main__":
    main()
