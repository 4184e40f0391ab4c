"""Exports the fixture models to ONNX and writes the test fixtures for the Java graph passes.

Run from tools/ (export_all.sh does this inside tools/.venv):

    python -m models.export_fixtures                      # committed fixtures
    python -m models.export_fixtures --full-a0 DIR        # also full-size RepVGG-A0, into DIR

For every entry of MATRIX it builds the model (seeded), gives its BatchNorms non-trivial statistics,
exports it, checks the ONNX (BatchNormalization nodes present in training form, eval semantics),
runs it in ONNX Runtime with graph optimisations off and compares with PyTorch, then writes
model.onnx, input.npy, output_<i>.npy and info.json. Any mismatch raises and aborts the run.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import sys
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make `models` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import onnx
import onnxruntime as ort
import torch

from models.complexity import count_batchnorm_modules, count_macs, count_params, count_repvgg_blocks
from models.detect import ANCHORS, STRIDES
from models.randomize import randomize_batchnorm
from models.zoo import MODELS

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "java" / "core" / "src" / "test" / "resources" / "fixtures"

# ONNX Runtime vs PyTorch: |ort - torch| <= ATOL + RTOL * |torch| elementwise.
ATOL, RTOL = 1e-4, 1e-4
# Decoded heads square and scale sigmoid outputs into pixels, which amplifies float32 rounding in
# deep nets: the YOLOv5n-scale model differs by 1.1e-4 relative at 2 of 69,300 values.
DECODED_RTOL = 1e-3
# So does size: the full-size YOLOv5-Lite-s (16 ShuffleNetV2 blocks up to 464 channels, raw outputs
# up to 3.1, mean 0.33) differs by up to 1.9e-4 at a few of its 535,500 outputs.
FULL_ATOL = 5e-4


@dataclass(frozen=True)
class Fixture:
    model: str
    form: str  # "training": BatchNormalization kept; "default": the exporter's normal output
    exporter: str  # "torchscript" (dynamo=False) | "dynamo"
    opset: int
    head: str | None = None  # detectors: "raw" | "decoded"

    @property
    def name(self):
        name = f"{self.model}-{self.form}-{self.exporter}{self.opset}"
        return f"{name}-{self.head}" if self.head else name


T, D = "training", "default"
TS, DY = "torchscript", "dynamo"

# Every model in both forms; every exporter/opset in both forms; both head forms per exporter.
# Opset 20 is the dynamo exporter's default in the pinned torch.
MATRIX = [
    Fixture("repvgg_block", T, TS, 17),
    Fixture("repvgg_block", D, TS, 17),
    Fixture("repvgg_block", T, DY, 18),
    Fixture("repvgg_stack", T, TS, 11),
    Fixture("repvgg_stack", D, TS, 13),
    Fixture("repvgg_stack", D, DY, 18),
    Fixture("repvgg_stack", T, DY, 20),
    Fixture("shufflenetv2_backbone", T, TS, 13),
    Fixture("shufflenetv2_backbone", D, TS, 11),
    Fixture("shufflenetv2_backbone", D, DY, 20),
    Fixture("repvgg_a0_slim", T, TS, 13),
    Fixture("repvgg_a0_slim", D, DY, 20),
    Fixture("yolov5lite_e", T, TS, 11, "raw"),
    Fixture("yolov5lite_e", D, TS, 11, "decoded"),
    Fixture("yolov5lite_s", T, TS, 13, "decoded"),
    Fixture("yolov5lite_s", D, TS, 13, "raw"),
    Fixture("yolov5lite_s_full", T, TS, 13, "raw"),  # the published size: the speed headline
    Fixture("yolov5lite_g", T, DY, 18, "decoded"),
    Fixture("yolov5lite_g", D, TS, 17, "raw"),
    Fixture("yolov5n_focus_repvgg", T, TS, 17, "decoded"),
    Fixture("yolov5n_focus_repvgg", D, DY, 18, "raw"),
]

# Full-size RepVGG-A0 (~36 MB per file): never committed, only with --full-a0.
FULL_A0 = [Fixture("repvgg_a0", T, TS, 17), Fixture("repvgg_a0", D, TS, 17)]


def seed_of(name: str) -> int:
    """Stable per-model seed (raw/decoded variants of one detector share weights and input)."""
    return zlib.crc32(name.encode())


def build(fx: Fixture):
    spec = MODELS[fx.model]
    seed = seed_of(fx.model)
    torch.manual_seed(seed)
    model = spec.build(decode=fx.head == "decoded") if spec.kind == "detector" else spec.build()
    model.eval()
    gen = torch.Generator().manual_seed(seed + 1)
    calib = torch.rand((2,) + tuple(spec.input_shape[1:]), generator=gen)
    x = torch.rand(spec.input_shape, generator=gen)
    randomize_batchnorm(model, calib, seed + 2)
    return spec, model, x


def output_names(spec, model):
    return model.output_names() if spec.kind == "detector" else ["output"]


def export(fx: Fixture, model, x, path: Path, input_name, out_names):
    common = dict(input_names=[input_name], output_names=out_names, opset_version=fx.opset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy-exporter deprecation and tracer warnings
        if fx.exporter == TS:
            if fx.form == T:
                # PRESERVE keeps the eval-mode model as it is: the eval peephole that folds
                # Conv+BN is skipped, and constant folding would fold BN into weights too.
                torch.onnx.export(
                    model, (x,), str(path), dynamo=False, training=torch.onnx.TrainingMode.PRESERVE,
                    do_constant_folding=False, **common,
                )
            else:
                torch.onnx.export(model, (x,), str(path), dynamo=False, **common)
        elif fx.exporter == DY:
            # optimize=True runs the onnxscript optimizer, which fuses Conv+BN; without it the
            # BatchNormalization nodes stay (inference mode, one output).
            torch.onnx.export(
                model, (x,), str(path), dynamo=True, optimize=fx.form == D, external_data=False,
                verbose=False, **common,
            )
            strip_stack_traces(path)
        else:
            raise ValueError(fx.exporter)


def strip_stack_traces(path: Path):
    """The dynamo exporter stores a Python stack trace per node (absolute paths of this checkout):
    drop it so the files are reproducible from any checkout and smaller. Other metadata stays."""
    m = onnx.load(str(path))
    graphs = [m.graph] + list(m.functions)
    for g in graphs:
        for n in g.node:
            keep = [p for p in n.metadata_props if p.key != "pkg.torch.onnx.stack_trace"]
            del n.metadata_props[:]
            n.metadata_props.extend(keep)
    onnx.save(m, str(path))


def onnx_facts(path: Path):
    m = onnx.load(str(path))
    onnx.checker.check_model(m, full_check=True)
    nodes = list(m.graph.node) + [n for f in m.functions for n in f.node]
    bn = [n for n in nodes if n.op_type == "BatchNormalization"]
    for n in bn:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        if attrs.get("training_mode", 0) != 0 or len([o for o in n.output if o]) != 1:
            raise AssertionError(f"{path}: BatchNormalization {n.name} is not in inference mode")
    opset = next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
    return {
        "onnx_opset": opset,
        "onnx_ir_version": m.ir_version,
        "onnx_batchnorm_nodes": len(bn),
        "onnx_local_functions": len(m.functions),
        "onnx_op_counts": dict(sorted(collections.Counter(n.op_type for n in nodes).items())),
    }


def run_ort(path: Path, input_name, x: np.ndarray, out_names):
    so = ort.SessionOptions()
    # Run the graph as written: ORT's own Conv+BN fusion must not hide an export problem.
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    got = [o.name for o in sess.get_outputs()]
    if got != out_names:
        raise AssertionError(f"{path}: ONNX outputs {got}, expected {out_names}")
    return sess.run(None, {input_name: x})


def write_fixture(fx: Fixture, out_root: Path, versions) -> dict:
    spec, model, x = build(fx)
    out_names = output_names(spec, model)
    d = out_root / fx.name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    onnx_path = d / "model.onnx"

    with torch.no_grad():
        ref = model(x)
    ref = [t.numpy() for t in (ref if isinstance(ref, tuple) else (ref,))]

    export(fx, model, x, onnx_path, spec.input_name, out_names)
    facts = onnx_facts(onnx_path)
    bn_modules = count_batchnorm_modules(model)
    if fx.form == T and facts["onnx_batchnorm_nodes"] != bn_modules:
        raise AssertionError(
            f"{fx.name}: training form has {facts['onnx_batchnorm_nodes']} BatchNormalization nodes, "
            f"model has {bn_modules} BatchNorm2d"
        )

    xn = x.numpy()
    got = run_ort(onnx_path, spec.input_name, xn, out_names)
    max_abs = 0.0
    full = fx.model.endswith("_full")
    rtol = DECODED_RTOL if fx.head == "decoded" or full else RTOL
    atol = FULL_ATOL if full else ATOL
    for name, r, g in zip(out_names, ref, got):
        if r.shape != g.shape:
            raise AssertionError(f"{fx.name}: output {name} shape {g.shape} != PyTorch {r.shape}")
        diff = np.abs(g.astype(np.float64) - r.astype(np.float64))
        bad = diff > atol + rtol * np.abs(r)
        if bad.any():
            raise AssertionError(
                f"{fx.name}: output {name} differs from PyTorch at {int(bad.sum())} elements, "
                f"max abs diff {diff.max():.3e}; torch {r[bad][:4]} ort {g[bad][:4]}"
            )
        max_abs = max(max_abs, float(diff.max()))

    np.save(d / "input.npy", xn)
    outputs = []
    for i, (name, r) in enumerate(zip(out_names, ref)):
        np.save(d / f"output_{i}.npy", r)
        outputs.append({"name": name, "shape": list(r.shape), "file": f"output_{i}.npy"})

    macs = count_macs(model, x)
    info = {
        "name": fx.name,
        "model": fx.model,
        "description": spec.description,
        "kind": spec.kind,
        "form": fx.form,
        "exporter": fx.exporter,
        "opset": fx.opset,
        "head": fx.head,
        "input": {"name": spec.input_name, "shape": list(xn.shape), "dtype": "float32", "file": "input.npy"},
        "outputs": outputs,
        "parameters": count_params(model),
        "macs": macs["macs"],
        "gflops": round(2 * macs["macs"] / 1e9, 6),
        "macs_reparameterized": macs["macs_reparameterized"],
        "batchnorm_modules": bn_modules,
        **count_repvgg_blocks(model),
        **facts,
        "ort_max_abs_diff": max_abs,
        "tolerance": {"atol": atol, "rtol": rtol},
        "seed": seed_of(fx.model),
        "versions": versions,
    }
    if spec.kind == "detector":
        info["num_classes"] = model.head.nc
        info["strides"] = list(STRIDES)
        info["anchors"] = [[list(a) for a in scale] for scale in ANCHORS]
    (d / "info.json").write_text(json.dumps(info, indent=2) + "\n")
    print(
        f"{fx.name:52s} bn={facts['onnx_batchnorm_nodes']:3d}/{bn_modules:<3d} opset={facts['onnx_opset']} "
        f"params={info['parameters']} max|diff|={max_abs:.2e} onnx={onnx_path.stat().st_size // 1024} KiB",
        flush=True,
    )
    return info


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="fixture root (default: %(default)s)")
    ap.add_argument("--only", nargs="*", help="fixture names to (re)generate; the manifest is not rewritten")
    ap.add_argument("--full-a0", type=Path, metavar="DIR", help="also export full-size RepVGG-A0 into DIR (outside git)")
    ap.add_argument("--skip-committed", action="store_true", help="with --full-a0: only the full-size model")
    args = ap.parse_args(argv)

    torch.set_num_threads(1)  # same numbers on every run, and leaves the other core alone
    versions = {
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "numpy": np.__version__,
    }
    try:
        import onnxscript

        versions["onnxscript"] = onnxscript.__version__
    except ImportError:
        pass

    if not args.skip_committed:
        selected = [fx for fx in MATRIX if not args.only or fx.name in args.only]
        if args.only and len(selected) != len(args.only):
            known = {fx.name for fx in MATRIX}
            raise SystemExit(f"unknown fixture(s): {sorted(set(args.only) - known)}")
        args.out.mkdir(parents=True, exist_ok=True)
        infos = [write_fixture(fx, args.out, versions) for fx in selected]
        if not args.only:
            # drop fixture folders this script made earlier that are no longer in MATRIX
            wanted = {fx.name for fx in MATRIX}
            for d in sorted(args.out.iterdir()):
                if d.is_dir() and d.name not in wanted and (d / "info.json").exists():
                    shutil.rmtree(d)
                    print(f"removed stale fixture {d.name}")
            write_manifest(args.out, infos, versions)

    if args.full_a0:
        args.full_a0.mkdir(parents=True, exist_ok=True)
        infos = [write_fixture(fx, args.full_a0, versions) for fx in FULL_A0]
        write_manifest(args.full_a0, infos, versions)


def write_manifest(out: Path, infos, versions):
    keys = ("model", "kind", "form", "exporter", "opset", "head", "onnx_batchnorm_nodes", "repvgg_blocks", "parameters", "gflops")
    manifest = {
        "generator": "tools/models/export_fixtures.py (regenerate with tools/models/export_all.sh)",
        "versions": versions,
        "layout": {
            "model.onnx": "the exported model",
            "input.npy": "float32 NCHW, batch 1, seeded uniform [0, 1)",
            "output_<i>.npy": "PyTorch's outputs, in the ONNX output order (names in info.json)",
            "info.json": "model/export facts: shapes, parameter and MAC counts, ONNX op counts",
        },
        "forms": {
            "training": "BatchNormalization nodes kept in inference mode (torchscript: training=PRESERVE, "
            "do_constant_folding=False; dynamo: optimize=False)",
            "default": "the exporter's defaults (torchscript: eval peephole folds Conv+BN; dynamo: optimize=True)",
        },
        "fixtures": [{"name": i["name"], "path": i["name"], **{k: i[k] for k in keys}} for i in infos],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
