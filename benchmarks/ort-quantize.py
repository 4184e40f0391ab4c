#!/usr/bin/env python3
"""ONNX Runtime's post-training quantizer on the demo model, for comparison with reparo calibrate.

    python3 ort-quantize.py MODEL.onnx CALIB_IMAGES_DIR OUT_DIR [--count 160]

Writes OUT_DIR/ort-{minmax,entropy,percentile}.onnx: onnxruntime.quantization.quantize_static with
quant_pre_process first, QDQ format, per-channel weights and ORT's default types (uint8 activations, int8 weights), calibrated
on the first COUNT images sorted by name (160: the images reparo calibrate uses out of 200, the
other 40 being its held-back slice). Pre-processing as Reparo's detector does for this model:
letterbox to the model's input size (scale to fit, centred, fill 114), RGB, x/255. Needs
onnxruntime, numpy and Pillow (run it with a venv's python, never installed into the repository).
"""
import argparse
import sys
from pathlib import Path

import numpy as np
import onnx
from PIL import Image
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                      quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process

p = argparse.ArgumentParser()
p.add_argument("model")
p.add_argument("images")
p.add_argument("out")
p.add_argument("--count", type=int, default=160)
p.add_argument("--methods", default="minmax,entropy,percentile")
a = p.parse_args()

model = onnx.load(a.model)
inp = model.graph.input[0]
h, w = (d.dim_value for d in inp.type.tensor_type.shape.dim[2:4])


def letterbox(path):
    img = Image.open(path).convert("RGB")
    s = min(w / img.width, h / img.height)
    rw, rh = max(1, round(img.width * s)), max(1, round(img.height * s))
    canvas = Image.new("RGB", (w, h), (114, 114, 114))
    canvas.paste(img.resize((rw, rh), Image.BILINEAR), ((w - rw) // 2, (h - rh) // 2))
    x = np.asarray(canvas, dtype=np.float32).transpose(2, 0, 1)[None] / 255.0
    return np.ascontiguousarray(x)


files = sorted(p for p in Path(a.images).iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))[:a.count]


class Reader(CalibrationDataReader):
    def __init__(self):
        self.it = iter(files)

    def get_next(self):
        f = next(self.it, None)
        return None if f is None else {inp.name: letterbox(f)}


# ORT's entropy calibrator builds 128-bin histograms with 128 quantized bins: its KL search then has
# one candidate, the whole range, and Entropy gives MinMax's model byte for byte (onnxruntime 1.32;
# quantize_static's extra_options do not reach the calibrator's bin counts).
methods = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy,
           "percentile": CalibrationMethod.Percentile}
Path(a.out).mkdir(parents=True, exist_ok=True)
# ORT's recommended first step: shape inference and its graph optimizations (BatchNormalization folded
# into Conv); without it quantize_static quantized the BN parameters per channel on a wrong axis and ORT
# then failed to run the result (QLinearConv: "Input channels C is not equal to kernel channels").
pre = Path(a.out) / "preprocessed.onnx"
quant_pre_process(a.model, str(pre))
for name in a.methods.split(","):
    out = Path(a.out) / f"ort-{name}.onnx"
    quantize_static(str(pre), str(out), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    calibrate_method=methods[name])
    q = onnx.load(str(out))  # keep Reparo's metadata (names, anchors, letterbox) on the quantized model
    if not q.metadata_props:
        q.metadata_props.extend(model.metadata_props)
        onnx.save(q, str(out))
    print(f"wrote {out}", file=sys.stderr)
