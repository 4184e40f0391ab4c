#!/usr/bin/env python3
"""A shifted copy of a `reparo synth` dataset: the same boxes, images the generator never makes.

    python3 shift-images.py SRC_DIR DST_DIR [--seed N]

Every image gets, in this order: contrast scaled by 0.6-0.8 and brightness moved by -40..+40 grey
levels, a colour cast (each channel x0.85-1.15), a Gaussian blur (radius 0.8-1.5), Gaussian noise
(sigma 6-12 grey levels), and JPEG quality 35. Geometry is untouched, so annotations.json, data.yaml
and labels/ are copied as they are. Needs Pillow and numpy (run it with a venv's python).
"""
import argparse
import io
import shutil
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

p = argparse.ArgumentParser()
p.add_argument("src")
p.add_argument("dst")
p.add_argument("--seed", type=int, default=11)
a = p.parse_args()
src, dst = Path(a.src), Path(a.dst)
(dst / "images").mkdir(parents=True, exist_ok=True)
for name in ("annotations.json", "data.yaml"):
    shutil.copy(src / name, dst / name)
if (src / "labels").is_dir():
    shutil.copytree(src / "labels", dst / "labels", dirs_exist_ok=True)
rng = np.random.default_rng(a.seed)
for f in sorted((src / "images").iterdir()):
    x = np.asarray(Image.open(f).convert("RGB"), dtype=np.float32)
    mean = x.mean()
    x = (x - mean) * rng.uniform(0.6, 0.8) + mean + rng.uniform(-40, 40)
    x = x * rng.uniform(0.85, 1.15, size=3)
    img = Image.fromarray(np.clip(x, 0, 255).astype(np.uint8))
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.8, 1.5)))
    x = np.asarray(img, dtype=np.float32) + rng.normal(0, rng.uniform(6, 12), size=x.shape)
    img = Image.fromarray(np.clip(x, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=35)
    (dst / "images" / f.name).write_bytes(buf.getvalue())
print(f"shifted {len(list((dst / 'images').iterdir()))} images into {dst}")
