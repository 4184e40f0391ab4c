"""Fixtures from the real Ultralytics package: small YOLOv8 / YOLO11 / YOLO26 models trained for a few
CPU epochs on Reparo's synthetic shapes, exported the way Ultralytics users export them.

For each model it writes a fixture directory in the format of tools/models/export_fixtures.py
(model.onnx, input.npy, output_*.npy, info.json) so the Java fixture tests pick it up:

  ultralytics_yolov8t-default-onnx17      `yolo export format=onnx imgsz=320` (fused, decoded [1, 4+C, N])
  ultralytics_yolov8t_repc3-training-..    RepC3 neck, exported without fusing (RepConv branches kept)
  ultralytics_yolov8t_repc3-default-..     the same weights through `yolo export` (RepConv fused by Ultralytics)
  ultralytics_yolo11t-default-onnx17       C2PSA attention (MatMul, Softmax)
  ultralytics_yolo26t-default-onnx17       end-to-end NMS-free head ([1, 300, 6])

The reference outputs are PyTorch's, from the very module that was exported; ONNX Runtime's
difference to them is recorded as `ort_max_abs_diff`. Models use a "t" scale (depth 0.33, width
0.125) so that each file stays well under 2 MB.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
import yaml

import ultralytics
from ultralytics import YOLO
from ultralytics.nn.modules import Detect, RepConv

from common import IMGSZ, letterboxed

HERE = Path(__file__).resolve().parent
TINY_SCALE = {"t": [0.33, 0.125, 1024]}


def yolo_dataset(coco_root: Path, out: Path, split: str) -> list[str]:
    """Writes the Ultralytics layout (images/<split> links, labels/<split>/*.txt) for a COCO split."""
    coco = json.loads((coco_root / "annotations.json").read_text())
    (out / "images" / split).mkdir(parents=True, exist_ok=True)
    (out / "labels" / split).mkdir(parents=True, exist_ok=True)
    by_image = {im["id"]: [] for im in coco["images"]}
    for a in coco["annotations"]:
        by_image[a["image_id"]].append(a)
    for im in coco["images"]:
        link = out / "images" / split / im["file_name"]
        if not link.exists():
            link.symlink_to((coco_root / "images" / im["file_name"]).resolve())
        w, h = im["width"], im["height"]
        rows = []
        for a in by_image[im["id"]]:
            x, y, bw, bh = a["bbox"]
            rows.append(f"{a['category_id']} {(x + bw / 2) / w:.6f} {(y + bh / 2) / h:.6f} {bw / w:.6f} {bh / h:.6f}")
        (out / "labels" / split / (Path(im["file_name"]).stem + ".txt")).write_text("\n".join(rows) + "\n")
    return [c["name"] for c in sorted(coco["categories"], key=lambda c: c["id"])]


def model_yaml(family: str, names: list[str], work: Path, repc3: bool = False) -> Path:
    """Ultralytics' own model yaml at a tiny width; optionally with RepC3 blocks in the neck."""
    src = {
        "yolov8": "cfg/models/v8/yolov8.yaml",
        "yolo11": "cfg/models/11/yolo11.yaml",
        "yolo26": "cfg/models/26/yolo26.yaml",
    }[family]
    cfg = yaml.safe_load((Path(ultralytics.__file__).parent / src).read_text())
    cfg["nc"] = len(names)
    cfg["scales"] = TINY_SCALE
    name = family + "t"
    if repc3:
        # RepC3 (RepConv 3x3 + 1x1 branches) in place of the neck's C2f blocks, as RT-DETR's neck uses.
        cfg["head"] = [[f, n, "RepC3" if m == "C2f" else m, a] for f, n, m, a in cfg["head"]]
        name += "_repc3"
    path = work / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def export_module(model: torch.nn.Module, fused: bool) -> torch.nn.Module:
    """The module Ultralytics' exporter traces: eval, optionally fused, Detect in export mode."""
    m = copy.deepcopy(model).float().eval()
    for p in m.parameters():
        p.requires_grad = False
    if fused:
        m = m.fuse()
    for layer in m.modules():
        if isinstance(layer, Detect):
            layer.export = True
            layer.format = "onnx"
            layer.dynamic = False
            layer.shape = None
    return m


def write_fixture(out: Path, name: str, onnx_file: Path, module: torch.nn.Module, x: np.ndarray, extra: dict):
    d = out / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    shutil.copyfile(onnx_file, d / "model.onnx")
    np.save(d / "input.npy", x)
    with torch.no_grad():
        y = module(torch.from_numpy(x))
    ys = [y] if isinstance(y, torch.Tensor) else [t for t in y if isinstance(t, torch.Tensor)]
    proto = onnx.load(d / "model.onnx")
    sess = ort.InferenceSession(str(d / "model.onnx"), providers=["CPUExecutionProvider"])
    ort_out = sess.run(None, {sess.get_inputs()[0].name: x})
    outputs, diff = [], 0.0
    for i, (t, o, r) in enumerate(zip(ys, sess.get_outputs(), ort_out)):
        ref = t.numpy().astype(np.float32)
        np.save(d / f"output_{i}.npy", ref)
        diff = max(diff, float(np.abs(ref - r).max()))
        outputs.append({"name": o.name, "shape": list(ref.shape), "file": f"output_{i}.npy"})
    ops = {}
    for n in proto.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    info = {
        "name": name,
        "kind": "detector",
        "exporter": "ultralytics",
        "opset": proto.opset_import[0].version,
        "input": {"name": sess.get_inputs()[0].name, "shape": list(x.shape), "dtype": "float32", "file": "input.npy"},
        "outputs": outputs,
        "parameters": int(sum(p.numel() for p in module.parameters())),
        "onnx_opset": proto.opset_import[0].version,
        "onnx_op_counts": dict(sorted(ops.items())),
        "onnx_metadata": {p.key: p.value for p in proto.metadata_props},
        "ort_max_abs_diff": diff,
        "tolerance": {"atol": 1e-3, "rtol": 1e-4},
        "versions": {"torch": torch.__version__, "ultralytics": ultralytics.__version__, "onnx": onnx.__version__,
                     "onnxruntime": ort.__version__, "numpy": np.__version__},
        **extra,
    }
    (d / "info.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"{name}: {len(proto.graph.node)} nodes, outputs {[o['shape'] for o in outputs]}, ORT vs PyTorch {diff:.2e}")


def write_raw_outputs(d: Path, module: torch.nn.Module, x: np.ndarray):
    """The same head before its decode, per scale [1, 4*reg_max + C, H, W] (raw_<i>.npy): the oracle for
    decoding box distributions (DFL) outside the network."""
    m = copy.deepcopy(module)
    for layer in m.modules():
        if isinstance(layer, Detect):
            layer.export = False
            head = layer
    with torch.no_grad():
        _, preds = m(torch.from_numpy(x))
    info = json.loads((d / "info.json").read_text())
    raw, start = [], 0
    for i, stride in enumerate(head.stride.tolist()):
        h, w = x.shape[2] // int(stride), x.shape[3] // int(stride)
        cells = torch.cat([preds["boxes"], preds["scores"]], 1)[:, :, start:start + h * w]
        start += h * w
        np.save(d / f"raw_{i}.npy", cells.reshape(1, -1, h, w).numpy().astype(np.float32))
        raw.append({"file": f"raw_{i}.npy", "stride": int(stride), "shape": [1, int(cells.shape[1]), h, w]})
    info["raw_outputs"] = raw
    info["reg_max"] = int(head.reg_max)
    (d / "info.json").write_text(json.dumps(info, indent=2) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, required=True, help="folder with train/ and val/ from `reparo synth`")
    ap.add_argument("--work", type=Path, required=True, help="scratch folder (runs, yaml, exports)")
    ap.add_argument("--out", type=Path, required=True, help="fixtures folder to write into")
    ap.add_argument("--epochs", type=int, default=15, help="epochs for yolov8t, the model scored against Ultralytics")
    ap.add_argument("--quick-epochs", type=int, default=2, help="epochs for the others (real BN statistics)")
    ap.add_argument("--models", default="yolov8t,yolov8t_repc3,yolo11t,yolo26t")
    args = ap.parse_args()

    torch.manual_seed(0)
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    ds = work / "dataset"
    names = yolo_dataset(args.data / "train", ds, "train")
    yolo_dataset(args.data / "val", ds, "val")
    data_yaml = ds / "data.yaml"
    data_yaml.write_text(yaml.safe_dump({"path": str(ds), "train": "images/train", "val": "images/val",
                                         "names": dict(enumerate(names))}, sort_keys=False))
    val_images = sorted((ds / "images" / "val").iterdir())
    x = letterboxed(val_images[0])[None]

    for key in args.models.split(","):
        family, _, variant = key.partition("_")
        family = family[:-1]  # "yolov8t" -> "yolov8"
        cfg = model_yaml(family, names, work, repc3=variant == "repc3")
        run = work / "runs" / key
        best = run / "weights" / "best.pt"
        if not best.exists():
            YOLO(str(cfg)).train(data=str(data_yaml), epochs=args.epochs if key == "yolov8t" else args.quick_epochs, imgsz=IMGSZ, batch=32, device="cpu",
                                 workers=2, amp=False, plots=False, seed=0, deterministic=True, project=str(run.parent),
                                 name=key, exist_ok=True, verbose=False, mosaic=1.0)
        yolo = YOLO(str(best))
        onnx_file = Path(yolo.export(format="onnx", imgsz=IMGSZ))  # what `yolo export` writes
        fused = export_module(yolo.model, fused=True)
        write_fixture(args.out, f"ultralytics_{key}-default-onnx{onnx.load(onnx_file).opset_import[0].version}",
                      onnx_file, fused, x, {"model": key, "form": "default", "num_classes": len(names),
                                            "names": names, "imgsz": IMGSZ})
        if key == "yolov8t":
            write_raw_outputs(args.out / f"ultralytics_{key}-default-onnx{onnx.load(onnx_file).opset_import[0].version}",
                              fused, x)
        if variant == "repc3":
            # The training form: the same weights exported without Ultralytics' fuse(), as a user
            # exporting a checkpoint directly with torch.onnx gets it.
            module = export_module(yolo.model, fused=False)
            train_file = work / f"{key}-training.onnx"
            torch.onnx.export(module, torch.from_numpy(x), train_file, opset_version=17, dynamo=False,
                              input_names=["images"], output_names=["output0"])
            proto = onnx.load(train_file)
            for p in onnx.load(onnx_file).metadata_props:
                proto.metadata_props.add(key=p.key, value=p.value)
            onnx.save(proto, train_file)
            blocks = sum(isinstance(m, RepConv) for m in module.modules())
            write_fixture(args.out, f"ultralytics_{key}-training-torchscript17", train_file, module, x,
                          {"model": key, "form": "training", "num_classes": len(names), "names": names,
                           "imgsz": IMGSZ, "repvgg_blocks": blocks})


if __name__ == "__main__":
    os.environ.setdefault("YOLO_OFFLINE", "1")
    main()
