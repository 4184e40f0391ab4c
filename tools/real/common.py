"""What the real-exporter fixture scripts share: the input image as every detector here sees it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

IMGSZ = 320


def letterboxed(path: Path, size: int = IMGSZ) -> np.ndarray:
    """An image letterboxed to size x size (grey 114, centred), RGB, /255, CHW float32."""
    im = Image.open(path).convert("RGB")
    s = size / max(im.size)
    w, h = round(im.width * s), round(im.height * s)
    canvas = Image.new("RGB", (size, size), (114, 114, 114))
    canvas.paste(im.resize((w, h), Image.BILINEAR), ((size - w) // 2, (size - h) // 2))
    return (np.asarray(canvas, np.float32) / 255.0).transpose(2, 0, 1).copy()
