"""Writes the test data of Reparo's Java COCO evaluator, with pycocotools as the oracle.

    python coco_oracle.py OUT_DIR     (OUT_DIR: java/core/src/test/resources/eval)

gt.json: a small seeded COCO ground truth (4 categories, one without any object); dt.json: COCO
result rows built to hit the corner cases (jittered true positives, duplicates, wrong classes,
false positives, tied scores, an image-category with more than 100 detections, detections on an
image without ground truth); expected.json: pycocotools' mAP@0.5:0.95, mAP@0.5 and per-class APs.
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import sys
from pathlib import Path

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def build(rng):
    images, anns, dets = [], [], []
    for img_id in range(1, 26):
        w, h = rng.randint(200, 500), rng.randint(200, 500)
        images.append({"id": img_id, "file_name": f"{img_id:06d}.jpg", "width": w, "height": h})
        for _ in range(rng.randint(0 if img_id % 7 == 0 else 1, 8)):
            bw, bh = rng.uniform(8, 120), rng.uniform(8, 120)
            x, y = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            cat = rng.choice([0, 1, 2])
            box = [round(x, 2), round(y, 2), round(bw, 2), round(bh, 2)]
            anns.append({"id": len(anns) + 1, "image_id": img_id, "category_id": cat, "bbox": box,
                         "area": round(bw * bh * rng.uniform(0.5, 1), 2), "iscrowd": 0})
            r = rng.random()
            if r < 0.85:  # detected, with jitter of varying strength
                j = rng.choice([0.02, 0.08, 0.2, 0.4])
                jb = [box[0] + rng.gauss(0, j * bw), box[1] + rng.gauss(0, j * bh),
                      bw * (1 + rng.gauss(0, j)), bh * (1 + rng.gauss(0, j))]
                jb[2], jb[3] = abs(jb[2]) + 1, abs(jb[3]) + 1
                dets.append((img_id, cat if rng.random() > 0.08 else (cat + 1) % 3, jb, rng.random()))
                if rng.random() < 0.2:  # duplicate
                    dets.append((img_id, cat, [v + rng.gauss(0, 2) for v in jb[:2]] + jb[2:], rng.random()))
        for _ in range(rng.randint(0, 4)):  # false positives, some in category 3 (no ground truth)
            bw, bh = rng.uniform(8, 100), rng.uniform(8, 100)
            dets.append((img_id, rng.choice([0, 1, 2, 3]), [rng.uniform(0, w - bw), rng.uniform(0, h - bh), bw, bh], rng.random()))
    # more than 100 detections for one image and category: only the best 100 count
    for _ in range(120):
        dets.append((3, 1, [rng.uniform(0, 150), rng.uniform(0, 150), rng.uniform(10, 60), rng.uniform(10, 60)], rng.random() * 0.5))
    images.append({"id": 26, "file_name": "000026.jpg", "width": 300, "height": 300})  # no objects
    dets.append((26, 0, [10, 10, 50, 50], 0.9))
    dets.append((99, 0, [10, 10, 50, 50], 0.95))  # image unknown to the ground truth: ignored
    cats = [{"id": i, "name": n, "supercategory": "shape"} for i, n in enumerate(["circle", "square", "triangle", "ring"])]
    rows = [{"image_id": i, "category_id": c, "bbox": [round(v, 2) for v in b], "score": round(s, 2)}  # ties
            for i, c, b, s in dets]
    return {"info": {"description": "Reparo COCO evaluator test"}, "images": images, "annotations": anns,
            "categories": cats}, rows


def main():
    out = Path(sys.argv[1])
    gt, rows = build(random.Random(20261125))
    (out / "gt.json").write_text(json.dumps(gt))
    known = {im["id"] for im in gt["images"]}
    (out / "dt.json").write_text(json.dumps(rows))
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(out / "gt.json"))
        # loadRes refuses rows for unknown images; COCOeval would ignore them anyway
        ev = COCOeval(coco, coco.loadRes([r for r in rows if r["image_id"] in known]), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    prec = ev.eval["precision"]  # [iou, recall, class, area, maxdets]
    per_class = {}
    for k, cat in enumerate(ev.params.catIds):
        p, p50 = prec[:, :, k, 0, -1], prec[0, :, k, 0, -1]
        per_class[str(cat)] = {"ap50_95": float(p[p > -1].mean()) if (p > -1).any() else -1.0,
                               "ap50": float(p50[p50 > -1].mean()) if (p50 > -1).any() else -1.0}
    expected = {"oracle": "pycocotools 2.0.11 COCOeval bbox, area all, maxDets 100",
                "map50_95": float(ev.stats[0]), "map50": float(ev.stats[1]), "map75": float(ev.stats[2]),
                "per_class": per_class}
    (out / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print(json.dumps(expected, indent=1))


if __name__ == "__main__":
    main()
