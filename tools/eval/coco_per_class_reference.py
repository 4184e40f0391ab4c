"""Per-class reference numbers for `reparo eval`'s class table and PR curves, from pycocotools.

    python tools/eval/coco_per_class_reference.py [COCO_DIR]

Reads gt.json and dets.json (made by coco_reference.py) from COCO_DIR (default
java/core/src/test/resources/coco), runs COCOeval and writes per_class.json: for each category its
number of images and instances (non-crowd boxes), AP50 and AP50-95 (all areas, 100 detections, -1
when the class has no boxes), and the 101-point interpolated precision at IoU 0.50 (the PR curve).
"""

import contextlib
import io
import json
import sys
from pathlib import Path

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

ROOT = Path(__file__).resolve().parents[2]


def mean_defined(p):
    p = p[p > -1]
    return float(p.mean()) if p.size else -1.0


def main():
    d = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "java/core/src/test/resources/coco"
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(str(d / "gt.json"))
        ev = COCOeval(coco, coco.loadRes(str(d / "dets.json")), "bbox")
        ev.evaluate()
        ev.accumulate()
    out = {}
    for k, cat in enumerate(ev.params.catIds):
        anns = [a for a in coco.dataset["annotations"] if a["category_id"] == cat and not a["iscrowd"]]
        prec = ev.eval["precision"]
        out[str(cat)] = {
            "name": coco.cats[cat]["name"],
            "images": len({a["image_id"] for a in anns}),
            "instances": len(anns),
            "ap50": mean_defined(prec[0, :, k, 0, 2]),
            "ap": mean_defined(prec[:, :, k, 0, 2]),
            "pr50": [float(v) for v in prec[0, :, k, 0, 2]],
        }
    (d / "per_class.json").write_text(json.dumps(out, indent=1))
    print(json.dumps({c: {k: v for k, v in o.items() if k != "pr50"} for c, o in out.items()}, indent=1))


if __name__ == "__main__":
    main()
