"""COCO mAP of a detector on a letterboxed split, computed by pycocotools."""

from __future__ import annotations

import contextlib
import io
import json

import torch
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from data import Split, batches
from yolo import decode, postprocess


@torch.no_grad()
def detect_split(model, split: Split, num_classes, batch_size=32):
    """COCO result rows (image_id, category_id, bbox xywh in original pixels, score)."""
    model.eval()
    rows, index = [], 0
    for x, _ in batches(split, batch_size, None, augment=False):
        for det in postprocess(decode(model(x), num_classes)):
            scale, (left, top) = split.scale[index], split.pad[index]
            for x1, y1, x2, y2, score, cls in det.tolist():
                x1, x2 = (x1 - left) / scale, (x2 - left) / scale
                y1, y2 = (y1 - top) / scale, (y2 - top) / scale
                rows.append({
                    "image_id": int(split.image_ids[index]), "category_id": int(cls),
                    "bbox": [round(x1, 2), round(y1, 2), round(x2 - x1, 2), round(y2 - y1, 2)],
                    "score": round(score, 5),
                })
            index += 1
    return rows


NOISE_CONF = 0.25  # reparo detect's default confidence


@torch.no_grad()
def noise_detections(model, count, num_classes, seed=0):
    """Detections at score >= NOISE_CONF on `count` object-free noise images (a third each: uniform
    per-pixel noise, Gaussian noise around grey, and smooth colour noise upsampled from 8x8), as
    {"images": n, "images_with_detections": k, "detections": d}. A model that learned the shapes
    should find nothing there."""
    from model import IMAGE_SIZE
    g = torch.Generator().manual_seed(seed)
    model.eval()
    hit = total = 0
    for i in range(count):
        kind = i % 3
        if kind == 0:
            x = torch.rand(1, 3, IMAGE_SIZE, IMAGE_SIZE, generator=g)
        elif kind == 1:
            x = (0.5 + 0.2 * torch.randn(1, 3, IMAGE_SIZE, IMAGE_SIZE, generator=g)).clamp(0, 1)
        else:
            x = torch.nn.functional.interpolate(torch.rand(1, 3, 8, 8, generator=g), size=IMAGE_SIZE,
                                                mode="bilinear", align_corners=False)
        x = (x * 255).round() / 255  # 8-bit pixels, as from a file
        det = postprocess(decode(model(x), num_classes))[0]
        n = int((det[:, 4] >= NOISE_CONF).sum()) if len(det) else 0
        hit += n > 0
        total += n
    return {"images": count, "images_with_detections": hit, "detections": total}


def coco_map(annotation_file, rows, per_class=False):
    """(mAP@0.5:0.95, mAP@0.5[, {class id: AP@0.5:0.95}]) from pycocotools."""
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(str(annotation_file))
        if not rows:
            return (0.0, 0.0, {}) if per_class else (0.0, 0.0)
        dt = gt.loadRes(rows)
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    result = (float(ev.stats[0]), float(ev.stats[1]))
    if not per_class:
        return result
    precision = ev.eval["precision"]  # (iou thresholds, recall points, classes, areas, max dets)
    aps = {}
    for k, cat in enumerate(ev.params.catIds):
        p = precision[:, :, k, 0, -1]
        p50 = precision[0, :, k, 0, -1]
        aps[int(cat)] = (float(p[p > -1].mean()), float(p50[p50 > -1].mean()))
    return result + (aps,)


def main():
    import argparse
    from pathlib import Path

    from data import load_split
    from model import IMAGE_SIZE, NUM_CLASSES, build_model

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, required=True, help="split folder (annotations.json, images/)")
    ap.add_argument("--weights", type=Path, required=True,
                    help="checkpoint (.pt) from train.py, or a training-form .onnx (export_demo.py's)")
    ap.add_argument("--detections", type=Path, help="write the COCO result rows here")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--noise", type=int, default=0,
                    help="also count detections (score >= 0.25) on this many noise images")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = build_model()
    if args.weights.suffix == ".onnx":
        from onnx_weights import load_from_onnx
        load_from_onnx(model, args.weights)
    else:
        ckpt = torch.load(args.weights, map_location="cpu", weights_only=False)
        model.load_state_dict(ckpt["ema"])
    split = load_split(args.data, IMAGE_SIZE)
    rows = detect_split(model, split, NUM_CLASSES)
    if args.detections:
        args.detections.write_text(json.dumps(rows))
    m, m50, aps = coco_map(split.annotations, rows, per_class=True)
    result = {"map50_95": m, "map50": m50, "per_class": aps}
    if args.noise:
        result["noise"] = noise_detections(model, args.noise, NUM_CLASSES)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
