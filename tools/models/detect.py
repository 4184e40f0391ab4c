"""YOLO detection head: 3 scales x 3 anchors, raw or decoded output."""

from __future__ import annotations

import torch
from torch import nn

STRIDES = (8, 16, 32)
# Anchor (w, h) in input pixels per scale, the YOLOv5 COCO defaults.
ANCHORS = (
    ((10, 13), (16, 30), (33, 23)),
    ((30, 61), (62, 45), (59, 119)),
    ((116, 90), (156, 198), (373, 326)),
)
NUM_CLASSES = 6


class Detect(nn.Module):
    """Per-scale 1x1 conv to na*(5+nc) channels.

    decode=False: returns the three conv outputs (1, na*(5+nc), H/s, W/s).
    decode=True: returns one (1, N, 5+nc) tensor, N = na * sum(H/s * W/s), rows are
    (cx, cy, w, h, objectness, class scores...) in input pixels, all after sigmoid:
        xy = (2*sig(t_xy) - 0.5 + cell) * stride
        wh = (2*sig(t_wh))^2 * anchor
    Grids are precomputed for a fixed input size, so the decoded graph has no shape arithmetic
    apart from the reshapes.
    """

    def __init__(self, in_channels, num_classes=NUM_CLASSES, image_size=320, decode=False):
        super().__init__()
        self.nc, self.no, self.na = num_classes, num_classes + 5, len(ANCHORS[0])
        self.decode = decode
        self.convs = nn.ModuleList(nn.Conv2d(c, self.na * self.no, 1) for c in in_channels)
        for i, s in enumerate(STRIDES):
            n = image_size // s
            yy, xx = torch.meshgrid(torch.arange(n, dtype=torch.float32), torch.arange(n, dtype=torch.float32), indexing="ij")
            # the -0.5 of the xy formula is folded into the grid
            grid = torch.stack((xx, yy), -1).view(1, 1, n, n, 2) - 0.5
            anchor = torch.tensor(ANCHORS[i], dtype=torch.float32).view(1, self.na, 1, 1, 2).expand(1, self.na, n, n, 2)
            self.register_buffer(f"grid{i}", grid.contiguous(), persistent=False)
            self.register_buffer(f"anchor_grid{i}", anchor.contiguous(), persistent=False)

    def forward(self, feats):
        outs = [conv(f) for conv, f in zip(self.convs, feats)]
        if not self.decode:
            return tuple(outs)
        decoded = []
        for i, (y, s) in enumerate(zip(outs, STRIDES)):
            b, _, h, w = y.shape
            y = y.view(b, self.na, self.no, h, w).permute(0, 1, 3, 4, 2).sigmoid()
            xy = (y[..., 0:2] * 2 + getattr(self, f"grid{i}")) * s
            wh = (y[..., 2:4] * 2) ** 2 * getattr(self, f"anchor_grid{i}")
            decoded.append(torch.cat((xy, wh, y[..., 4:]), -1).view(b, -1, self.no))
        return torch.cat(decoded, 1)

    def output_names(self):
        return ["detections"] if self.decode else ["p3", "p4", "p5"]
