#!/usr/bin/env python3
"""Checks that two COCO results files (reparo detect --json) hold the same detections.

    compare_detections.py REFERENCE.json CANDIDATE.json --conf 0.5 [--box-tol 1 | --iou 0.9] [--score-tol 1e-3]

Detections of one image are matched one to one: same category, every box edge within --box-tol
pixels (or, with --iou, boxes overlapping by at least that IoU), score within --score-tol. A
detection left unmatched is tolerated only when its score is within --score-tol of the confidence
threshold (the other side may have dropped it by rounding); anything else fails. Prints a one-line
summary; exit status 1 on a mismatch.

FP32 is compared strictly (1 px, 1e-3: the same float model on two ISAs differs in summation order
only). INT8 takes --iou and a larger --score-tol: each int8 layer rounds its input to 1/127 of its
calibrated range, and the ISAs' int8 kernels round and requantize at different points (ARM dot
product vs x86 VNNI vs AVX2 16-bit madd), so one quantization step per layer may differ.
"""
import argparse
import json
import sys
from collections import defaultdict


def by_image(path):
    with open(path) as f:
        results = json.load(f)
    if not isinstance(results, list):
        sys.exit(f"{path}: not a COCO results array")
    images = defaultdict(list)
    for r in results:
        images[r["image_id"]].append(r)
    return images


def edges(r):
    x, y, w, h = r["bbox"]
    return (x, y, x + w, y + h)


def iou(a, b):
    ax1, ay1, ax2, ay2 = edges(a)
    bx1, by1, bx2, by2 = edges(b)
    iw = max(0.0, min(ax2, bx2) - max(ax1, bx1))
    ih = max(0.0, min(ay2, by2) - max(ay1, by1))
    inter = iw * ih
    union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
    return inter / union if union > 0 else 0.0


def close(a, b, box_tol, min_iou, score_tol):
    if a["category_id"] != b["category_id"] or abs(a["score"] - b["score"]) > score_tol:
        return False
    if min_iou is not None:
        return iou(a, b) >= min_iou
    return all(abs(p - q) <= box_tol for p, q in zip(edges(a), edges(b)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("reference")
    ap.add_argument("candidate")
    ap.add_argument("--conf", type=float, required=True, help="the confidence threshold detect ran with")
    ap.add_argument("--box-tol", type=float, default=1.0, help="largest difference of a box edge, pixels")
    ap.add_argument("--iou", type=float, default=None, help="match boxes by this least IoU instead of --box-tol")
    ap.add_argument("--score-tol", type=float, default=1e-3)
    a = ap.parse_args()
    ref, cand = by_image(a.reference), by_image(a.candidate)
    matched, borderline, problems = 0, 0, []
    worst_box, worst_score = 0.0, 0.0
    for image in sorted(set(ref) | set(cand)):
        left = list(cand.get(image, []))
        for r in sorted(ref.get(image, []), key=lambda r: -r["score"]):
            hit = next((c for c in left if close(r, c, a.box_tol, a.iou, a.score_tol)), None)
            if hit is None:
                if abs(r["score"] - a.conf) <= a.score_tol:
                    borderline += 1
                else:
                    problems.append(f"image {image}: reference detection {r} has no match")
                continue
            left.remove(hit)
            matched += 1
            worst_box = max(worst_box, max(abs(p - q) for p, q in zip(edges(r), edges(hit))))
            worst_score = max(worst_score, abs(r["score"] - hit["score"]))
        for c in left:
            if abs(c["score"] - a.conf) <= a.score_tol:
                borderline += 1
            else:
                problems.append(f"image {image}: candidate detection {c} has no match")
    total = sum(len(v) for v in ref.values())
    print(f"{matched}/{total} detections match over {len(set(ref) | set(cand))} images "
          f"(largest box difference {worst_box:.2f} px, score difference {worst_score:.1e}; "
          f"{borderline} at the threshold)")
    if total == 0:
        problems.append("the reference has no detections: nothing was compared")
    for p in problems[:20]:
        print("  " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
