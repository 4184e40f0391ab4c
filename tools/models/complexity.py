"""Parameter and multiply-accumulate counts, measured with forward hooks.

MACs count Conv2d and Linear only (the usual convention); BN, activations, pooling, resize and
the decode arithmetic are not counted. GFLOPs = 2 * MACs / 1e9.
"""

from __future__ import annotations

import torch
from torch import nn

from .layers import RepVGGBlock


def count_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_macs(model: nn.Module, x: torch.Tensor) -> dict:
    """Returns {'macs': all conv/linear MACs, 'macs_reparameterized': MACs once every RepVGG block
    is one 3x3 conv (its 1x1 branch removed)}, per sample."""
    per_module = {}

    def hook(m, args, out):
        if isinstance(m, nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1]
            per_module[m] = out[0].numel() * (m.in_channels // m.groups) * k
        else:
            per_module[m] = m.in_features * m.out_features

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with torch.no_grad():
            model(x[:1])
    finally:
        for h in handles:
            h.remove()
    macs = sum(per_module.values())
    removable = sum(per_module[b.pointwise[0]] for b in model.modules() if isinstance(b, RepVGGBlock))
    return {"macs": macs, "macs_reparameterized": macs - removable}


def count_repvgg_blocks(model: nn.Module) -> dict:
    blocks = [m for m in model.modules() if isinstance(m, RepVGGBlock)]
    return {
        "repvgg_blocks": len(blocks),
        "repvgg_blocks_with_identity": sum(b.identity is not None for b in blocks),
        "repvgg_blocks_grouped": sum(b.groups > 1 for b in blocks),
    }


def count_batchnorm_modules(model: nn.Module) -> int:
    return sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())
