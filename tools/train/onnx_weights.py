"""Loads a training-form demo.onnx (export_demo.py's output) back into build_model()'s PyTorch model.

    python onnx_weights.py --onnx demo.onnx --out weights.pt

Fine-tuning starts from the committed model when its checkpoint is gone: export_demo.py keeps the
training form (every conv and BatchNormalization, no constant folding), so each state_dict tensor is
an initializer of the same name. The TorchScript exporter de-duplicates identical tensors and
refers to the second copy through an Identity node; those names are followed to their initializer.
Every float tensor of the state_dict must be found with the same shape; the loaded model must then
reproduce ONNX Runtime's outputs on random input (max |diff| <= 1e-4), or this fails.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper

from model import IMAGE_SIZE, build_model


def onnx_tensors(path: Path) -> dict:
    """Initializer name -> array, plus names that an Identity node gives an initializer."""
    m = onnx.load(str(path))
    tensors = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    changed = True
    while changed:  # Identity chains, however long
        changed = False
        for n in m.graph.node:
            if n.op_type == "Identity" and n.input[0] in tensors and n.output[0] not in tensors:
                tensors[n.output[0]] = tensors[n.input[0]]
                changed = True
    return tensors


def load_from_onnx(model: torch.nn.Module, path: Path) -> int:
    """Copies the ONNX weights into model (by name and shape); returns how many tensors were copied."""
    tensors = onnx_tensors(path)
    state = model.state_dict()
    loaded, missing = {}, []
    for name, value in state.items():
        if name.endswith("num_batches_tracked"):
            continue  # unused with a fixed BN momentum; not exported
        if name not in tensors:
            missing.append(name)
            continue
        array = tensors[name]
        if tuple(array.shape) != tuple(value.shape):
            raise SystemExit(f"{name}: ONNX shape {array.shape}, model shape {tuple(value.shape)}")
        loaded[name] = torch.from_numpy(np.array(array, copy=True)).to(value.dtype)
    if missing:
        raise SystemExit(f"{len(missing)} model tensors not in {path}: {missing[:5]}")
    model.load_state_dict(loaded, strict=False)
    return len(loaded)


def max_difference(model: torch.nn.Module, path: Path, seed: int = 0) -> float:
    """Largest |PyTorch - ONNX Runtime| over every output, on two random images."""
    model.eval()
    x = torch.rand(2, 3, IMAGE_SIZE, IMAGE_SIZE, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        expected = [t.numpy() for t in model(x)]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = [session.run(None, {"images": x[i:i + 1].numpy()}) for i in range(len(x))]
    return max(float(np.abs(e[i:i + 1] - g[k]).max()) for i, g in enumerate(got) for k, e in enumerate(expected))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--onnx", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True, help="state_dict file to write")
    args = ap.parse_args()
    model = build_model()
    n = load_from_onnx(model, args.onnx)
    diff = max_difference(model, args.onnx)
    print(f"loaded {n} tensors from {args.onnx}; max |PyTorch - ONNX Runtime| {diff:.2e}")
    if diff > 1e-4:
        raise SystemExit("the loaded model does not reproduce the ONNX model")
    tmp = args.out.with_suffix(".tmp")
    torch.save(model.state_dict(), tmp)
    tmp.replace(args.out)


if __name__ == "__main__":
    main()
