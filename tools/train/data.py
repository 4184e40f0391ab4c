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


MOSAIC_P = 0.3  # share of training images that are a 2x2 mosaic of four (each at half size)
NOISE_P = 0.0  # share of training images replaced by object-free noise (train.py --noise-p sets it)
AFFINE_P = 0.5  # share of the others that are rescaled (0.7-1.3x) and shifted (up to 10% of the side)


def _rand(generator, low=0.0, high=1.0):
    return low + (high - low) * torch.rand(1, generator=generator).item()


def _mosaic(split: Split, first: int, generator):
    """Image `first` and three random others, each halved, as the four quadrants; their labels."""
    n, size = len(split.images), split.images.shape[1]
    half = size // 2
    others = torch.randint(0, n, (3,), generator=generator).tolist()
    out = torch.empty(3, size, size)
    labels = []
    for q, i in enumerate([first] + others):
        img = torch.from_numpy(split.images[i]).permute(2, 0, 1).float().div_(255)
        small = torch.nn.functional.interpolate(img[None], size=(half, half), mode="bilinear",
                                                align_corners=False, antialias=True)[0]
        ox, oy = (q % 2) * half, (q // 2) * half
        out[:, oy:oy + half, ox:ox + half] = small
        t = torch.from_numpy(split.labels[i]).clone()
        t[:, 1:] *= half / size
        t[:, 1] += ox
        t[:, 2] += oy
        labels.append(t)
    return out, torch.cat(labels, 0)


def _affine(img, t, generator):
    """Rescales by 0.7-1.3 and shifts by up to 10% of the side, grey fill; boxes clipped, and
    dropped when less than 40% of them (or under 2 px a side) stays in the image."""
    size = img.shape[1]
    s = _rand(generator, 0.7, 1.3)
    new = max(8, round(size * s))
    scaled = torch.nn.functional.interpolate(img[None], size=(new, new), mode="bilinear",
                                             align_corners=False, antialias=s < 1)[0]
    dx = round((size - new) / 2 + _rand(generator, -0.1, 0.1) * size)
    dy = round((size - new) / 2 + _rand(generator, -0.1, 0.1) * size)
    out = torch.full_like(img, LETTERBOX_FILL / 255)
    x0, y0 = max(0, dx), max(0, dy)
    x1, y1 = min(size, dx + new), min(size, dy + new)
    if x1 > x0 and y1 > y0:
        out[:, y0:y1, x0:x1] = scaled[:, y0 - dy:y1 - dy, x0 - dx:x1 - dx]
    if len(t) == 0:
        return out, t
    cx, cy, w, h = t[:, 1] * s + dx, t[:, 2] * s + dy, t[:, 3] * s, t[:, 4] * s
    bx1, by1 = (cx - w / 2).clamp(0, size), (cy - h / 2).clamp(0, size)
    bx2, by2 = (cx + w / 2).clamp(0, size), (cy + h / 2).clamp(0, size)
    cw, ch = bx2 - bx1, by2 - by1
    keep = (cw * ch >= 0.4 * w * h) & (cw >= 2) & (ch >= 2)
    t = torch.stack((t[:, 0], (bx1 + bx2) / 2, (by1 + by2) / 2, cw, ch), 1)[keep]
    return out, t


def _noise(size, generator):
    """An object-free noise image: uniform, Gaussian around a random grey, or smooth colour noise."""
    kind = int(torch.randint(0, 3, (1,), generator=generator))
    if kind == 0:
        x = torch.rand(3, size, size, generator=generator)
    elif kind == 1:
        x = _rand(generator, 0.2, 0.8) + _rand(generator, 0.05, 0.3) * torch.randn(3, size, size, generator=generator)
    else:
        cells = int(torch.randint(4, 33, (1,), generator=generator))
        x = torch.nn.functional.interpolate(torch.rand(1, 3, cells, cells, generator=generator), size=size,
                                            mode="bilinear", align_corners=False)[0]
    return ((x.clamp(0, 1) * 255).round() / 255)


def batches(split: Split, batch_size: int, generator: torch.Generator, augment: bool):
    """Yields (images float (B,3,S,S) in [0,1], targets (n,6): batch index, class, cx, cy, w, h).

    Augmentation (training): mosaic (MOSAIC_P) or rescale+shift (AFFINE_P), flips, channel order,
    saturation 0.5-1.5, contrast 0.75-1.25, brightness +-0.05.
    """
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
            if augment and NOISE_P and _rand(generator) < NOISE_P:
                x[b], t = _noise(size, generator), t[:0]
            elif augment:
                if _rand(generator) < MOSAIC_P:
                    x[b], t = _mosaic(split, i, generator)
                elif _rand(generator) < AFFINE_P:
                    x[b], t = _affine(x[b], t, generator)
                # the shapes are symmetric enough that flips keep their class
                if torch.rand(1, generator=generator).item() < 0.5:
                    x[b] = x[b].flip(-1)
                    t[:, 1] = size - t[:, 1]
                if torch.rand(1, generator=generator).item() < 0.5:
                    x[b] = x[b].flip(-2)
                    t[:, 2] = size - t[:, 2]
                # colour is no cue for any class: permute channels, jitter saturation, brightness/contrast
                x[b] = x[b][torch.randperm(3, generator=generator)]
                grey = x[b].mean(0, keepdim=True)
                x[b] = (grey + (x[b] - grey) * _rand(generator, 0.5, 1.5)).clamp_(0, 1)
                gain = 0.75 + 0.5 * torch.rand(1, generator=generator).item()
                bias = 0.1 * (torch.rand(1, generator=generator).item() - 0.5)
                x[b] = ((x[b] - 0.5) * gain + 0.5 + bias).clamp_(0, 1)
            targets.append(torch.cat((torch.full((len(t), 1), float(b)), t), 1))
        yield x, torch.cat(targets, 0) if targets else torch.zeros((0, 6))
