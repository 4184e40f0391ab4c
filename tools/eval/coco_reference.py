"""Writes the test data for Reparo's Java COCO evaluator, with pycocotools as the oracle.

    tools/.venv/bin/python tools/eval/coco_reference.py [OUT_DIR]

Makes a seeded, deliberately awkward ground truth (three categories, one without any box, small /
medium / large boxes, crowd boxes, annotation id 0) and detections (jittered true boxes, duplicates,
false positives, equal scores, more than 100 per image on one image), runs COCOeval, and writes
gt.json, dets.json and expected.json (the twelve stats and per-category AP). Default OUT_DIR is
java/core/src/test/resources/coco.
"""

import contextlib
import io
import json
import sys
from pathlib import Path

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

ROOT = Path(__file__).resolve().parents[2]


def make(seed=7):
    rng = np.random.default_rng(seed)
    images, anns, dets = [], [], []
    cats = [{"id": 1, "name": "circle"}, {"id": 2, "name": "square"}, {"id": 5, "name": "empty"}]
    ann_id = 0  # the first annotation gets id 0: pycocotools then counts its matches as misses
    for img_id in range(1, 31):
        w, h = int(rng.integers(320, 641)), int(rng.integers(320, 641))
        images.append({"id": img_id, "file_name": f"{img_id:06d}.jpg", "width": w, "height": h})
        for _ in range(int(rng.integers(0, 8))):
            side = float(rng.choice([12.0, 24.0, 40.0, 80.0, 150.0])) * float(rng.uniform(0.8, 1.25))
            bw, bh = side * float(rng.uniform(0.6, 1.4)), side * float(rng.uniform(0.6, 1.4))
            x, y = float(rng.uniform(0, w - bw)), float(rng.uniform(0, h - bh))
            cat = int(rng.choice([1, 2]))
            crowd = int(rng.random() < 0.08)
            anns.append({"id": ann_id, "image_id": img_id, "category_id": cat, "bbox": [x, y, bw, bh],
                         "area": bw * bh * float(rng.uniform(0.7, 1.0)), "iscrowd": crowd})
            ann_id += 1
            for _ in range(int(rng.integers(0, 3))):  # 0-2 detections per box, jittered
                j = rng.normal(0, 0.12 * side, 4)
                dets.append({"image_id": img_id, "category_id": cat if rng.random() < 0.9 else 3 - cat,
                             "bbox": [x + j[0], y + j[1], max(1.0, bw + j[2]), max(1.0, bh + j[3])],
                             "score": round(float(rng.uniform(0.05, 1.0)), 2)})  # rounding makes ties
        for _ in range(int(rng.integers(0, 4))):  # false positives
            s = float(rng.uniform(8, 200))
            dets.append({"image_id": img_id, "category_id": int(rng.choice([1, 2])),
                         "bbox": [float(rng.uniform(0, w - s)), float(rng.uniform(0, h - s)), s, s],
                         "score": round(float(rng.uniform(0.05, 1.0)), 2)})
    for k in range(130):  # image 1 gets more detections than maxDets=100
        dets.append({"image_id": 1, "category_id": 1, "bbox": [float(k), float(k), 30.0, 30.0],
                     "score": round(float(rng.uniform(0.05, 1.0)), 3)})
    return {"images": images, "annotations": anns, "categories": cats}, dets


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "java/core/src/test/resources/coco"
    out.mkdir(parents=True, exist_ok=True)
    gt, dets = make()
    (out / "gt.json").write_text(json.dumps(gt))
    (out / "dets.json").write_text(json.dumps(dets))
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(out / "gt.json"))
        ev = COCOeval(coco, coco.loadRes(str(out / "dets.json")), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    per_cat = {}
    for k, cat in enumerate(ev.params.catIds):
        p = ev.eval["precision"][:, :, k, 0, 2]
        p = p[p > -1]
        per_cat[str(cat)] = float(p.mean()) if p.size else -1.0
    expected = {"stats": [float(v) for v in ev.stats], "category_ap": per_cat,
                "pycocotools": __import__("pycocotools").__version__ if hasattr(__import__("pycocotools"), "__version__") else "2.0.11"}
    (out / "expected.json").write_text(json.dumps(expected, indent=2))
    print(json.dumps(expected, indent=2))


if __name__ == "__main__":
    main()
