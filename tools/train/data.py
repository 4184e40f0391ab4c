"""The synthetic COCO dataset (written by `reparo synth`) as letterboxed 320x320 tensors.

Letterbox: scale the longer side to the input size, centre, pad with grey 114 (YOLOv5's rule).
Decoding thousands of JPEGs every epoch would cost more CPU than the model on 2 cores, so each
split is decoded once into a uint8 cache next to the images (cache_<size>.npz).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image

LETTERBOX_FILL = 114


@dataclass
class Split:
    images: np.ndarray  # (N, S, S, 3) uint8, RGB, letterboxed
    labels: list  # per image: (n, 5) float32 array of class, cx, cy, w, h in input pixels
    scale: np.ndarray  # (N,) original -> input scale
    pad: np.ndarray  # (N, 2) left/top padding in input pixels
    image_ids: np.ndarray  # (N,) COCO image ids
    annotations: Path  # the COCO file, for pycocotools


def letterbox_geometry(width, height, size):
    scale = size / max(width, height)
    new_w, new_h = round(width * scale), round(height * scale)
    return scale, new_w, new_h, (size - new_w) // 2, (size - new_h) // 2


def load_split(root: Path, size: int) -> Split:
    ann_file = root / "annotations.json"
    coco = json.loads(ann_file.read_text())
    images = sorted(coco["images"], key=lambda im: im["id"])
    by_image = {im["id"]: [] for im in images}
    for a in coco["annotations"]:
        by_image[a["image_id"]].append(a)
    cache = root / f"cache_{size}.npz"
    if cache.exists():
        pixels = np.load(cache)["images"]
    else:
        pixels = np.empty((len(images), size, size, 3), np.uint8)
        for i, im in enumerate(images):
            pixels[i] = letterbox(Image.open(root / "images" / im["file_name"]).convert("RGB"), size)
        np.savez(cache, images=pixels)
    labels, scales, pads = [], [], []
    for im in images:
        scale, _, _, left, top = letterbox_geometry(im["width"], im["height"], size)
        rows = []
        for a in by_image[im["id"]]:
            x, y, w, h = a["bbox"]
            rows.append([a["category_id"], (x + w / 2) * scale + left, (y + h / 2) * scale + top, w * scale, h * scale])
        labels.append(np.asarray(rows, np.float32).reshape(-1, 5))
        scales.append(scale)
        pads.append((left, top))
    return Split(pixels, labels, np.asarray(scales), np.asarray(pads, np.float32),
                 np.asarray([im["id"] for im in images]), ann_file)


def letterbox(image: Image.Image, size: int) -> np.ndarray:
    _, new_w, new_h, left, top = letterbox_geometry(image.width, image.height, size)
    out = np.full((size, size, 3), LETTERBOX_FILL, np.uint8)
    out[top:top + new_h, left:left + new_w] = np.asarray(image.resize((new_w, new_h), Image.BILINEAR))
    return out


def batches(split: Split, batch_size: int, generator: torch.Generator, augment: bool):
    """Yields (images float (B,3,S,S) in [0,1], targets (n,6): batch index, class, cx, cy, w, h)."""
    n = len(split.images)
    order = torch.randperm(n, generator=generator) if augment else torch.arange(n)
    size = split.images.shape[1]
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size].tolist()
        # contiguous NCHW: a channels-last input sends the convs down a path whose backward crashes (torch 2.15 CPU)
        x = torch.from_numpy(split.images[idx]).permute(0, 3, 1, 2).contiguous().float().div_(255)
        targets = []
        for b, i in enumerate(idx):
            t = torch.from_numpy(split.labels[i]).clone()
            if augment:
                # the shapes are symmetric enough that flips keep their class
                if torch.rand(1, generator=generator).item() < 0.5:
                    x[b] = x[b].flip(-1)
                    t[:, 1] = size - t[:, 1]
                if torch.rand(1, generator=generator).item() < 0.5:
                    x[b] = x[b].flip(-2)
                    t[:, 2] = size - t[:, 2]
                # colour is no cue for any class: permute channels, jitter brightness/contrast
                x[b] = x[b][torch.randperm(3, generator=generator)]
                gain = 0.75 + 0.5 * torch.rand(1, generator=generator).item()
                bias = 0.1 * (torch.rand(1, generator=generator).item() - 0.5)
                x[b] = ((x[b] - 0.5) * gain + 0.5 + bias).clamp_(0, 1)
            targets.append(torch.cat((torch.full((len(t), 1), float(b)), t), 1))
        yield x, torch.cat(targets, 0) if targets else torch.zeros((0, 6))
