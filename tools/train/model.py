"""The demo detector: tools/models' YOLOv5-Lite-g (RepVGG backbone, C3/SiLU PAN neck, raw head)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/, for the models package

from models.zoo import DETECTOR_SIZE, yolov5lite_g  # noqa: E402

from yolo import init_head_biases  # noqa: E402

NUM_CLASSES = 6
IMAGE_SIZE = DETECTOR_SIZE


def build_model():
    model = yolov5lite_g(decode=False)
    init_head_biases(model.head, NUM_CLASSES, IMAGE_SIZE)
    return model
