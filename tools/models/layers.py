"""Building blocks shared by the fixture models: conv+BN, RepVGG, ShuffleNetV2, Focus, C3, SPPF.

Every block is written in its *training* form (separate conv and BatchNorm modules, multi-branch
RepVGG), because that is what the Java passes have to rewrite.
"""

from __future__ import annotations

import torch
from torch import nn

# YOLOv5 uses a larger BN epsilon than PyTorch's default; keep both in the fixtures so a fusion
# that hard-codes eps shows up.
YOLO_BN_EPS = 1e-3


def make_act(name: str) -> nn.Module:
    if name == "relu":
        return nn.ReLU(inplace=True)
    if name == "silu":
        return nn.SiLU(inplace=True)
    if name == "none":
        return nn.Identity()
    raise ValueError(f"unknown activation {name!r}")


class ConvBNAct(nn.Module):
    """Conv2d (no bias) -> BatchNorm2d -> activation, 'same' padding for odd kernels."""

    def __init__(self, c_in, c_out, k=1, s=1, groups=1, act="silu", bn_eps=YOLO_BN_EPS):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, k, s, k // 2, groups=groups, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=bn_eps)
        self.act = make_act(act)

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class RepVGGBlock(nn.Module):
    """RepVGG training-time block: act(BN(conv3x3(x)) + BN(conv1x1(x)) + BN(x)).

    The identity branch exists only when the block keeps the shape (c_in == c_out, stride 1).
    At deploy time all three branches collapse into one 3x3 conv with bias.
    """

    def __init__(self, c_in, c_out, stride=1, groups=1, act="relu", bn_eps=1e-5):
        super().__init__()
        if c_in % groups or c_out % groups:
            raise ValueError(f"groups={groups} must divide c_in={c_in} and c_out={c_out}")
        self.c_in, self.c_out, self.stride, self.groups = c_in, c_out, stride, groups
        self.dense = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride, 1, groups=groups, bias=False),
            nn.BatchNorm2d(c_out, eps=bn_eps),
        )
        self.pointwise = nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride, 0, groups=groups, bias=False),
            nn.BatchNorm2d(c_out, eps=bn_eps),
        )
        self.identity = nn.BatchNorm2d(c_in, eps=bn_eps) if c_in == c_out and stride == 1 else None
        self.act = make_act(act)

    def forward(self, x):
        y = self.dense(x) + self.pointwise(x)
        if self.identity is not None:
            y = y + self.identity(x)
        return self.act(y)


class RepVGGStack(nn.Sequential):
    """A plain chain of RepVGG blocks described by (c_out, stride, groups) triples."""

    def __init__(self, c_in, spec, act="relu", bn_eps=1e-5):
        blocks = []
        for c_out, stride, groups in spec:
            blocks.append(RepVGGBlock(c_in, c_out, stride, groups, act, bn_eps))
            c_in = c_out
        super().__init__(*blocks)
        self.c_out = c_in


def repvgg_stage(c_in, c_out, depth, act="relu", bn_eps=1e-5, groups_every_other=1):
    """RepVGG stage: first block strides by 2, the rest keep the shape (and so have identity BN).

    groups_every_other > 1 gives the odd-indexed blocks grouped convs, like RepVGG-B*g*.
    """
    spec = [(c_out, 2, 1)] + [(c_out, 1, groups_every_other if i % 2 else 1) for i in range(1, depth)]
    return RepVGGStack(c_in, spec, act, bn_eps)


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    # (N, g*k, H, W) -> (N, g, k, H, W) -> swap g and k -> (N, k*g, H, W): interleaves the groups.
    n, c, h, w = x.shape
    x = x.reshape(n, groups, c // groups, h, w)
    x = x.transpose(1, 2).contiguous()
    return x.reshape(n, c, h, w)


class ShuffleV2Block(nn.Module):
    """ShuffleNetV2 unit.

    stride 1: split channels in half, transform one half (pw -> dw -> pw), concat, shuffle.
    stride 2: both paths see the whole input (left: dw -> pw, right: pw -> dw -> pw), concat, shuffle.
    Depthwise convs have BN but no activation, as in the paper.
    """

    def __init__(self, c_in, c_out, stride, act="relu", bn_eps=YOLO_BN_EPS):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError("stride must be 1 or 2")
        if stride == 1 and c_in != c_out:
            raise ValueError("a stride-1 ShuffleNetV2 unit keeps its channel count")
        self.stride = stride
        half = c_out // 2
        right_in = c_in if stride == 2 else c_in // 2
        if stride == 2:
            self.left = nn.Sequential(
                ConvBNAct(c_in, c_in, 3, 2, groups=c_in, act="none", bn_eps=bn_eps),
                ConvBNAct(c_in, half, 1, 1, act=act, bn_eps=bn_eps),
            )
        else:
            self.left = None
        self.right = nn.Sequential(
            ConvBNAct(right_in, half, 1, 1, act=act, bn_eps=bn_eps),
            ConvBNAct(half, half, 3, stride, groups=half, act="none", bn_eps=bn_eps),
            ConvBNAct(half, half, 1, 1, act=act, bn_eps=bn_eps),
        )

    def forward(self, x):
        if self.stride == 1:
            a, b = x.chunk(2, dim=1)
            y = torch.cat((a, self.right(b)), dim=1)
        else:
            y = torch.cat((self.left(x), self.right(x)), dim=1)
        return channel_shuffle(y, 2)


class ShuffleNetV2Stem(nn.Sequential):
    """conv3x3/2 + BN + ReLU + maxpool3x3/2: stride 4."""

    def __init__(self, c_out, bn_eps=YOLO_BN_EPS):
        super().__init__(
            ConvBNAct(3, c_out, 3, 2, act="relu", bn_eps=bn_eps),
            nn.MaxPool2d(3, 2, 1),
        )


def shuffle_stage(c_in, c_out, depth, act="relu"):
    return nn.Sequential(
        ShuffleV2Block(c_in, c_out, 2, act), *[ShuffleV2Block(c_out, c_out, 1, act) for _ in range(depth - 1)]
    )


class Focus(nn.Module):
    """Space-to-depth by four strided slices (even/odd rows x even/odd columns), then a conv."""

    def __init__(self, c_in, c_out, k=3, act="silu"):
        super().__init__()
        self.conv = ConvBNAct(4 * c_in, c_out, k, 1, act=act)

    def forward(self, x):
        tl = x[..., ::2, ::2]
        bl = x[..., 1::2, ::2]
        tr = x[..., ::2, 1::2]
        br = x[..., 1::2, 1::2]
        return self.conv(torch.cat((tl, bl, tr, br), dim=1))


class Bottleneck(nn.Module):
    def __init__(self, c, shortcut=True, act="silu"):
        super().__init__()
        self.cv1 = ConvBNAct(c, c, 1, act=act)
        self.cv2 = ConvBNAct(c, c, 3, act=act)
        self.shortcut = shortcut

    def forward(self, x):
        y = self.cv2(self.cv1(x))
        return x + y if self.shortcut else y


class C3(nn.Module):
    """CSP block: two 1x1 paths, one through n bottlenecks, concatenated and mixed by a 1x1."""

    def __init__(self, c_in, c_out, n=1, shortcut=True, act="silu"):
        super().__init__()
        hidden = c_out // 2
        self.cv1 = ConvBNAct(c_in, hidden, 1, act=act)
        self.cv2 = ConvBNAct(c_in, hidden, 1, act=act)
        self.m = nn.Sequential(*[Bottleneck(hidden, shortcut, act) for _ in range(n)])
        self.cv3 = ConvBNAct(2 * hidden, c_out, 1, act=act)

    def forward(self, x):
        return self.cv3(torch.cat((self.m(self.cv1(x)), self.cv2(x)), dim=1))


class SPPF(nn.Module):
    """Three chained 5x5 max-pools (receptive fields 5/9/13) concatenated with their input."""

    def __init__(self, c_in, c_out, act="silu"):
        super().__init__()
        hidden = c_in // 2
        self.cv1 = ConvBNAct(c_in, hidden, 1, act=act)
        self.pool = nn.MaxPool2d(5, 1, 2)
        self.cv2 = ConvBNAct(4 * hidden, c_out, 1, act=act)

    def forward(self, x):
        x = self.cv1(x)
        p1 = self.pool(x)
        p2 = self.pool(p1)
        p3 = self.pool(p2)
        return self.cv2(torch.cat((x, p1, p2, p3), dim=1))


class DWSeparable(nn.Module):
    """Depthwise 3x3 (+BN+act) then pointwise 1x1 (+BN+act)."""

    def __init__(self, c_in, c_out, stride=1, act="relu"):
        super().__init__()
        self.dw = ConvBNAct(c_in, c_in, 3, stride, groups=c_in, act=act)
        self.pw = ConvBNAct(c_in, c_out, 1, act=act)

    def forward(self, x):
        return self.pw(self.dw(x))
