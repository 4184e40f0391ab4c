"""YOLOv5-style target assignment, loss, decoding and NMS for the demo detector.

Head layout (tools/models/detect.py): per scale a conv with na*(5+nc) channels, viewed as
(B, na, 5+nc, H, W); per anchor (tx, ty, tw, th, obj, cls...). Decoding:
    xy = (2*sigmoid(t_xy) - 0.5 + cell) * stride,   wh = (2*sigmoid(t_wh))^2 * anchor
"""

from __future__ import annotations

import math

import torch
from torch import nn

STRIDES = (8, 16, 32)
# Anchors (w, h) in input pixels for 320x320 inputs. Objects are 16-160 px in 320-640 px images,
# so 8-160 px after the letterbox, and nearly square: three square anchors per scale, spaced by
# sqrt(2), cover that range (a target matches anchors within a factor of ANCHOR_T).
ANCHORS = (
    ((10, 10), (14, 14), (20, 20)),
    ((28, 28), (40, 40), (56, 56)),
    ((80, 80), (112, 112), (160, 160)),
)
ANCHOR_T = 4.0
OBJ_BALANCE = (4.0, 1.0, 0.4)  # small-object scales see more negatives: weigh them up


def box_ciou(a, b, eps=1e-7):
    """Complete IoU of boxes given as (cx, cy, w, h), elementwise over the leading dims."""
    a1, a2 = a[..., :2] - a[..., 2:] / 2, a[..., :2] + a[..., 2:] / 2
    b1, b2 = b[..., :2] - b[..., 2:] / 2, b[..., :2] + b[..., 2:] / 2
    inter = (torch.min(a2, b2) - torch.max(a1, b1)).clamp(0).prod(-1)
    wa, ha = a[..., 2], a[..., 3] + eps
    wb, hb = b[..., 2], b[..., 3] + eps
    union = wa * ha + wb * hb - inter + eps
    iou = inter / union
    enclose = torch.max(a2, b2) - torch.min(a1, b1)
    c2 = enclose.pow(2).sum(-1) + eps  # squared diagonal of the enclosing box
    rho2 = (a[..., :2] - b[..., :2]).pow(2).sum(-1)  # squared centre distance
    v = (4 / math.pi**2) * (torch.atan(wb / hb) - torch.atan(wa / ha)).pow(2)
    with torch.no_grad():
        alpha = v / (v - iou + (1 + eps))
    return iou - (rho2 / c2 + v * alpha)


class YoloLoss:
    """CIoU box loss + objectness BCE (target = IoU) + class BCE, YOLOv5's gains for 3 scales."""

    def __init__(self, num_classes, image_size, anchors=ANCHORS, strides=STRIDES):
        self.nc = num_classes
        self.strides = strides
        # anchors in grid units of their own scale
        self.anchors = [torch.tensor(a, dtype=torch.float32) / s for a, s in zip(anchors, strides)]
        self.na = len(anchors[0])
        self.box_gain = 0.05
        self.obj_gain = 1.0 * (image_size / 640) ** 2
        self.cls_gain = 0.5 * num_classes / 80
        self.bce = nn.BCEWithLogitsLoss()

    def __call__(self, outputs, targets):
        """outputs: per-scale raw conv maps (B, na*(5+nc), H, W); targets (n, 6): b, cls, cx, cy, w, h px."""
        device = outputs[0].device
        lbox = torch.zeros((), device=device)
        lobj = torch.zeros((), device=device)
        lcls = torch.zeros((), device=device)
        bs = outputs[0].shape[0]
        for i, out in enumerate(outputs):
            b_, _, h, w = out.shape
            p = out.view(b_, self.na, 5 + self.nc, h, w).permute(0, 1, 3, 4, 2)
            tobj = torch.zeros(p.shape[:4], device=device)
            b, a, gj, gi, tbox, tcls, anchors = self.build_targets(targets, i, h, w)
            if len(b):
                ps = p[b, a, gj, gi]
                pxy = ps[:, :2].sigmoid() * 2 - 0.5
                pwh = (ps[:, 2:4].sigmoid() * 2) ** 2 * anchors
                ciou = box_ciou(torch.cat((pxy, pwh), 1), tbox)
                lbox = lbox + (1 - ciou).mean()
                tobj[b, a, gj, gi] = ciou.detach().clamp(0).to(tobj.dtype)
                t = torch.zeros_like(ps[:, 5:])
                t[torch.arange(len(tcls)), tcls] = 1
                lcls = lcls + self.bce(ps[:, 5:], t)
            lobj = lobj + self.bce(p[..., 4], tobj) * OBJ_BALANCE[i]
        loss = lbox * self.box_gain + lobj * self.obj_gain + lcls * self.cls_gain
        return loss * bs, torch.stack((lbox, lobj, lcls)).detach()

    def build_targets(self, targets, i, h, w):
        """YOLOv5 assignment: every anchor whose w/h ratio to the target is within ANCHOR_T, in the
        target's cell and the two neighbouring cells nearest to its centre."""
        anchors = self.anchors[i].to(targets.device)
        nt = len(targets)
        empty = torch.zeros(0, dtype=torch.long, device=targets.device)
        if nt == 0:
            return empty, empty, empty, empty, torch.zeros((0, 4)), empty, torch.zeros((0, 2))
        t = targets.clone()
        t[:, 2:6] /= self.strides[i]  # to grid units
        # (na, nt, 7): target + anchor index
        t = torch.cat((t.repeat(self.na, 1, 1), torch.arange(self.na, device=t.device).float().view(-1, 1, 1).repeat(1, nt, 1)), 2)
        r = t[..., 4:6] / anchors[:, None]
        t = t[torch.max(r, 1 / r).max(2)[0] < ANCHOR_T]
        if len(t) == 0:
            return empty, empty, empty, empty, torch.zeros((0, 4)), empty, torch.zeros((0, 2))
        gxy = t[:, 2:4]
        gxi = torch.tensor([w, h], device=t.device) - gxy
        g = 0.5
        j, k = ((gxy % 1 < g) & (gxy > 1)).T
        l, m = ((gxi % 1 < g) & (gxi > 1)).T
        offsets = torch.tensor([[0, 0], [1, 0], [0, 1], [-1, 0], [0, -1]], device=t.device).float() * g
        mask = torch.stack((torch.ones_like(j), j, k, l, m))
        t = t.repeat((5, 1, 1))[mask]
        off = (torch.zeros_like(gxy)[None] + offsets[:, None])[mask]
        gxy = t[:, 2:4]
        gij = (gxy - off).long()
        gi = gij[:, 0].clamp(0, w - 1)
        gj = gij[:, 1].clamp(0, h - 1)
        a = t[:, 6].long()
        tbox = torch.cat((gxy - torch.stack((gi, gj), 1).float(), t[:, 4:6]), 1)
        return t[:, 0].long(), a, gj, gi, tbox, t[:, 1].long(), anchors[a]


def init_head_biases(detect, num_classes, image_size, strides=STRIDES):
    """YOLOv5's priors: ~8 objects per 640^2 image for objectness, 1/nc for classes."""
    for conv, s in zip(detect.convs, strides):
        b = conv.bias.detach().view(len(ANCHORS[0]), -1)
        b[:, 4] = math.log(8 / (image_size / s) ** 2)
        b[:, 5:] = math.log(0.6 / (num_classes - 0.99))
        conv.bias = nn.Parameter(b.view(-1))


def decode(outputs, num_classes, anchors=ANCHORS, strides=STRIDES):
    """Raw per-scale maps -> (B, N, 5+nc): cx, cy, w, h (input px), obj, class probabilities."""
    rows = []
    for out, anc, s in zip(outputs, anchors, strides):
        b, _, h, w = out.shape
        na = len(anc)
        y = out.view(b, na, 5 + num_classes, h, w).permute(0, 1, 3, 4, 2).sigmoid()
        yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
        grid = torch.stack((xx, yy), -1).view(1, 1, h, w, 2).float()
        anchor = torch.tensor(anc, dtype=torch.float32).view(1, na, 1, 1, 2)
        xy = (y[..., :2] * 2 - 0.5 + grid) * s
        wh = (y[..., 2:4] * 2) ** 2 * anchor
        rows.append(torch.cat((xy, wh, y[..., 4:]), -1).view(b, -1, 5 + num_classes))
    return torch.cat(rows, 1)


def nms(boxes, scores, iou_threshold):
    """Greedy NMS on (n, 4) xyxy boxes; returns kept indices, best first."""
    order = scores.argsort(descending=True)
    boxes = boxes[order]
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    lt = torch.max(boxes[:, None, :2], boxes[None, :, :2])
    rb = torch.min(boxes[:, None, 2:], boxes[None, :, 2:])
    inter = (rb - lt).clamp(0).prod(-1)
    iou = inter / (area[:, None] + area[None, :] - inter + 1e-9)
    suppressed = torch.zeros(len(boxes), dtype=torch.bool)
    keep = []
    over = (iou > iou_threshold).numpy()
    sup = suppressed.numpy()
    for i in range(len(boxes)):
        if sup[i]:
            continue
        keep.append(i)
        sup |= over[i]
    return order[torch.tensor(keep, dtype=torch.long)]


def postprocess(decoded, conf_threshold=0.001, iou_threshold=0.6, max_det=100, max_nms=1000):
    """Per image: (k, 6) xyxy, score, class after per-class NMS. score = obj * class probability."""
    results = []
    for det in decoded:
        scores_all = det[:, 5:] * det[:, 4:5]
        score, cls = scores_all.max(1)
        keep = score > conf_threshold
        det, score, cls = det[keep], score[keep], cls[keep]
        if len(score) > max_nms:
            top = score.topk(max_nms).indices
            det, score, cls = det[top], score[top], cls[top]
        xyxy = torch.cat((det[:, :2] - det[:, 2:4] / 2, det[:, :2] + det[:, 2:4] / 2), 1)
        # per-class NMS in one go: shift each class far away from the others
        kept = nms(xyxy + cls[:, None].float() * 4096, score, iou_threshold)[:max_det]
        results.append(torch.cat((xyxy[kept], score[kept, None], cls[kept, None].float()), 1))
    return results
