"""The fixture models and their registry.

Widths are deliberately small (the committed ONNX files stay well under 2 MB); the topology is
what matters for the graph passes: which ops appear, in which order, with which attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
from torch import nn

from .detect import Detect
from .layers import (
    C3,
    SPPF,
    ConvBNAct,
    DWSeparable,
    Focus,
    RepVGGBlock,
    RepVGGStack,
    ShuffleNetV2Stem,
    repvgg_stage,
    shuffle_stage,
)

DETECTOR_SIZE = 320


class RepVGGA(nn.Module):
    """RepVGG-A classifier: five stages, each starting with a stride-2 block, then GAP + FC.

    Widths follow the paper: stage0 min(64, 64a), then 64a, 128a, 256a, 512b.
    A0 is a=0.75, b=2.5, depths (1, 2, 4, 14, 1) -> widths 48, 48, 96, 192, 1280.
    """

    def __init__(self, a=0.75, b=2.5, depths=(1, 2, 4, 14, 1), num_classes=1000):
        super().__init__()
        widths = [min(64, int(64 * a)), int(64 * a), int(128 * a), int(256 * a), int(512 * b)]
        self.widths = widths
        stages, c_in = [], 3
        for c_out, depth in zip(widths, depths):
            stages.append(repvgg_stage(c_in, c_out, depth))
            c_in = c_out
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c_in, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.stages(x)), 1))


class PanNeck(nn.Module):
    """YOLOv5-style top-down + bottom-up path aggregation over strides 8/16/32.

    block(c_in, c_out) builds the fusion block after every concat (C3 or depthwise-separable).
    Returns the three head inputs with channels (h3, h4, h5).
    """

    def __init__(self, c3, c4, c5, h3, h4, h5, block: Callable[[int, int], nn.Module], act):
        super().__init__()
        self.lat5 = ConvBNAct(c5, h4, 1, act=act)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.td4 = block(h4 + c4, h4)
        self.lat4 = ConvBNAct(h4, h3, 1, act=act)
        self.td3 = block(h3 + c3, h3)
        self.down3 = ConvBNAct(h3, h3, 3, 2, act=act)
        self.bu4 = block(2 * h3, h4)
        self.down4 = ConvBNAct(h4, h4, 3, 2, act=act)
        self.bu5 = block(2 * h4, h5)
        self.channels = (h3, h4, h5)

    def forward(self, feats):
        f3, f4, f5 = feats
        p5 = self.lat5(f5)
        p4 = self.lat4(self.td4(torch.cat((self.up(p5), f4), 1)))
        n3 = self.td3(torch.cat((self.up(p4), f3), 1))
        n4 = self.bu4(torch.cat((self.down3(n3), p4), 1))
        n5 = self.bu5(torch.cat((self.down4(n4), p5), 1))
        return n3, n4, n5


class Detector(nn.Module):
    """backbone (returns stride 8/16/32 features) -> neck -> Detect."""

    def __init__(self, backbone, neck, decode, num_classes=None):
        super().__init__()
        self.backbone, self.neck = backbone, neck
        extra = {} if num_classes is None else {"num_classes": num_classes}
        self.head = Detect(neck.channels, image_size=DETECTOR_SIZE, decode=decode, **extra)

    def forward(self, x):
        return self.head(self.neck(self.backbone(x)))

    def output_names(self):
        return self.head.output_names()


class MultiScale(nn.Module):
    """Runs stem + stages in order and returns the outputs of the last three stages."""

    def __init__(self, stem, stages):
        super().__init__()
        self.stem, self.stages = stem, nn.ModuleList(stages)

    def forward(self, x):
        x = self.stem(x)
        outs = []
        for stage in self.stages:
            x = stage(x)
            outs.append(x)
        return tuple(outs[-3:])


def c3_block(act, n=1):
    return lambda ci, co: C3(ci, co, n=n, shortcut=False, act=act)


def yolov5lite_e(decode):
    """ShuffleNetV2 backbone, ReLU everywhere, depthwise-separable 'tiny' neck."""
    backbone = MultiScale(
        ShuffleNetV2Stem(16),
        [shuffle_stage(16, 32, 2), shuffle_stage(32, 64, 3), shuffle_stage(64, 96, 2)],
    )
    neck = PanNeck(32, 64, 96, 32, 48, 64, lambda ci, co: DWSeparable(ci, co, act="relu"), act="relu")
    return Detector(backbone, neck, decode)


def yolov5lite_s(decode):
    """ShuffleNetV2 backbone (ReLU), C3/SiLU neck."""
    backbone = MultiScale(
        ShuffleNetV2Stem(24),
        [shuffle_stage(24, 48, 3), shuffle_stage(48, 96, 5), shuffle_stage(96, 128, 3)],
    )
    neck = PanNeck(48, 96, 128, 32, 48, 64, c3_block("silu"), act="silu")
    return Detector(backbone, neck, decode)


def yolov5lite_s_full(decode):
    """YOLOv5-Lite-s at its published size (v5Lite-s.yaml: width and depth 1.0, 80 classes):
    stem 32 + maxpool, ShuffleNetV2 stages 116x4 / 232x8 / 464x4 (ReLU), C3/SiLU PAN neck with
    head widths 64 / 128 / 256. About 1.6 M parameters, the size the Raspberry Pi figures are for."""
    backbone = MultiScale(
        ShuffleNetV2Stem(32),
        [shuffle_stage(32, 116, 4), shuffle_stage(116, 232, 8), shuffle_stage(232, 464, 4)],
    )
    neck = PanNeck(116, 232, 464, 64, 128, 256, c3_block("silu"), act="silu")
    return Detector(backbone, neck, decode, num_classes=80)


def yolov5lite_g(decode):
    """RepVGG backbone (ReLU; every other stride-1 block grouped), C3/SiLU neck."""
    stem = RepVGGBlock(3, 16, stride=2, act="relu")  # stride 2
    stages = [
        repvgg_stage(16, 24, 2, groups_every_other=2),  # 4
        repvgg_stage(24, 40, 3, groups_every_other=2),  # 8
        repvgg_stage(40, 56, 3, groups_every_other=2),  # 16
        repvgg_stage(56, 72, 2, groups_every_other=2),  # 32
    ]
    neck = PanNeck(40, 56, 72, 24, 40, 56, c3_block("silu"), act="silu")
    return Detector(MultiScale(stem, stages), neck, decode)


def yolov5n_focus_repvgg(decode):
    """YOLOv5n layout (Focus stem, C3 stages, SPPF, PAN neck) with RepVGG/SiLU downsampling blocks
    and an identity-carrying RepVGG block closing stages 1-3. Widths 16/24/40/64/80 (YOLOv5n: 16..256)."""
    stem = Focus(3, 16, 3)  # stride 2

    def stage(ci, co, n, identity_block=True):
        blocks = [RepVGGBlock(ci, co, stride=2, act="silu"), C3(co, co, n=n, act="silu")]
        if identity_block:
            blocks.append(RepVGGBlock(co, co, stride=1, act="silu"))
        return nn.Sequential(*blocks)

    stages = [
        stage(16, 24, 1),  # 4
        stage(24, 40, 2),  # 8
        stage(40, 64, 2),  # 16
        nn.Sequential(stage(64, 80, 1, identity_block=False), SPPF(80, 80)),  # 32
    ]
    neck = PanNeck(40, 64, 80, 24, 40, 64, c3_block("silu"), act="silu")
    return Detector(MultiScale(stem, stages), neck, decode)


class ShuffleNetV2Backbone(nn.Module):
    """Stem + two ShuffleNetV2 stages, single output: a stand-alone test for channel split/shuffle."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(ShuffleNetV2Stem(16), shuffle_stage(16, 32, 3), shuffle_stage(32, 64, 2))

    def forward(self, x):
        return self.body(x)


@dataclass(frozen=True)
class ModelSpec:
    name: str
    kind: str  # "block" | "backbone" | "classifier" | "detector"
    build: Callable[..., nn.Module]  # detectors take decode=bool
    input_shape: tuple
    description: str

    @property
    def input_name(self):
        return "images" if self.kind == "detector" else "input"


D = (1, 3, DETECTOR_SIZE, DETECTOR_SIZE)

MODELS = {
    spec.name: spec
    for spec in [
        ModelSpec(
            "repvgg_block",
            "block",
            lambda: RepVGGBlock(16, 16, 1, 1, "relu"),
            (1, 16, 32, 32),
            "one RepVGG block 16->16, stride 1, ReLU: 3x3+BN, 1x1+BN, identity BN",
        ),
        ModelSpec(
            "repvgg_stack",
            "block",
            # strides 1/2, groups 1/2/4, with and without identity branch, SiLU
            lambda: RepVGGStack(
                3,
                [(16, 2, 1), (16, 1, 1), (16, 1, 2), (32, 2, 2), (32, 1, 4), (32, 1, 1), (48, 1, 1)],
                act="silu",
            ),
            (1, 3, 64, 64),
            "7 RepVGG blocks, strides 2/1, groups 1/2/4, SiLU",
        ),
        ModelSpec(
            "shufflenetv2_backbone",
            "backbone",
            ShuffleNetV2Backbone,
            (1, 3, 64, 64),
            "ShuffleNetV2 stem + 2 stages (channel split, depthwise, channel shuffle)",
        ),
        ModelSpec(
            "repvgg_a0_slim",
            "classifier",
            # A0 depths at reduced width: a=0.125, b=0.5 -> 8, 8, 16, 32, 256; 10 classes
            lambda: RepVGGA(a=0.125, b=0.5, num_classes=10),
            (1, 3, 64, 64),
            "RepVGG-A0 depths 1,2,4,14,1 at reduced width (8,8,16,32,256), 10 classes",
        ),
        ModelSpec(
            "repvgg_a0",
            "classifier",
            lambda: RepVGGA(),
            (1, 3, 224, 224),
            "full RepVGG-A0 (48,48,96,192,1280; 1,2,4,14,1), 1000 classes: generated on demand only",
        ),
        ModelSpec("yolov5lite_e", "detector", yolov5lite_e, D, "YOLOv5-Lite-e style: ShuffleNetV2 + tiny DW head"),
        ModelSpec("yolov5lite_s", "detector", yolov5lite_s, D, "YOLOv5-Lite-s style: ShuffleNetV2 + C3 head"),
        ModelSpec(
            "yolov5lite_s_full",
            "detector",
            yolov5lite_s_full,
            D,
            "YOLOv5-Lite-s at full width (ShuffleNetV2 1.0x: 116/232/464, head 64/128/256), 80 classes",
        ),
        ModelSpec("yolov5lite_g", "detector", yolov5lite_g, D, "YOLOv5-Lite-g style: RepVGG backbone + C3 head"),
        ModelSpec(
            "yolov5n_focus_repvgg",
            "detector",
            yolov5n_focus_repvgg,
            D,
            "YOLOv5n-scale: Focus stem, RepVGG + C3 backbone, SPPF, C3 PAN head",
        ),
    ]
}
