"""Reparo's mAP against Ultralytics' own predictor on the same ONNX export and images, both scored by
pycocotools (conf 0.001, NMS IoU 0.7, 300 detections, as `yolo val` runs).

  python tools/real/compare_map.py --model best.onnx --data ~/.cache/reparo/real/val [--reparo ./reparo]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import subprocess
import tempfile
from pathlib import Path

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def score(gt: COCO, dets: list) -> tuple[float, float]:
    if not dets:
        return 0.0, 0.0
    with contextlib.redirect_stdout(io.StringIO()):
        e = COCOeval(gt, gt.loadRes(dets), "bbox")
        e.evaluate()
        e.accumulate()
        e.summarize()
    return float(e.stats[1]), float(e.stats[0])  # mAP@0.5, mAP@0.5:0.95


def ultralytics_detections(model: Path, coco: dict, images: Path, imgsz: int) -> list:
    from ultralytics import YOLO

    yolo = YOLO(str(model), task="detect")
    out = []
    for im in coco["images"]:
        r = yolo.predict(str(images / im["file_name"]), imgsz=imgsz, conf=0.001, iou=0.7, max_det=300,
                         verbose=False)[0]
        for (x1, y1, x2, y2), s, c in zip(r.boxes.xyxy.tolist(), r.boxes.conf.tolist(), r.boxes.cls.tolist()):
            out.append({"image_id": im["id"], "category_id": int(c), "bbox": [x1, y1, x2 - x1, y2 - y1],
                        "score": s})
    return out


def reparo_detections(reparo: Path, model: Path, ann: Path, images: Path) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        dets = Path(tmp) / "dets.json"
        subprocess.run([str(reparo), "detect", "-m", str(model), "--source", str(images), "--gt", str(ann),
                        "--json", str(dets), "--conf", "0.001", "--iou", "0.7", "--max-det", "300", "--threads", "1"],
                       check=True, stdout=subprocess.DEVNULL)
        return json.loads(dets.read_text())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--data", type=Path, required=True, help="a `reparo synth` folder")
    ap.add_argument("--reparo", type=Path, default=Path(__file__).resolve().parents[2] / "reparo")
    ap.add_argument("--imgsz", type=int, default=320)
    args = ap.parse_args()
    ann = args.data / "annotations.json"
    coco = json.loads(ann.read_text())
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(ann))
    u50, u = score(gt, ultralytics_detections(args.model, coco, args.data / "images", args.imgsz))
    r50, r = score(gt, reparo_detections(args.reparo, args.model, ann, args.data / "images"))
    print(f"{'predictor':<28} {'mAP@0.5':>8} {'mAP@0.5:0.95':>13}")
    print(f"{'Ultralytics (ONNX Runtime)':<28} {u50:8.4f} {u:13.4f}")
    print(f"{'Reparo (ncnn)':<28} {r50:8.4f} {r:13.4f}")
    print(f"difference (Reparo - Ultralytics): {100 * (r50 - u50):+.2f} / {100 * (r - u):+.2f} pt")


if __name__ == "__main__":
    main()
