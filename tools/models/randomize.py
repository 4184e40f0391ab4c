"""Deterministic, non-trivial BatchNorm statistics.

A freshly built model has running_mean=0, running_var=1, weight=1, bias=0, so a conv+BN fusion
that forgets a term still produces the right numbers. We instead give every BN random affine
parameters and random running statistics. Purely random statistics would let activations blow up
or vanish through 20+ layers (then the outputs hide upstream errors), so each BN's statistics are
the per-channel moments of its actual input on a seeded calibration batch, perturbed randomly:

    running_mean = mean + 0.25 * std * N(0, 1)
    running_var  = var * U(0.5, 2.0)
    weight       = U(0.5, 1.5), sign flipped with p = 0.2
    bias         = N(0, 0.2)

No gradient step is taken: this is initialisation, not training.
"""

from __future__ import annotations

import torch
from torch import nn


def randomize_batchnorm(model: nn.Module, calib_input: torch.Tensor, seed: int) -> int:
    """Sets every BatchNorm2d of an eval-mode model in forward order; returns how many were set."""
    g = torch.Generator().manual_seed(seed)
    done = []

    def pre_hook(bn: nn.BatchNorm2d, args):
        x = args[0].detach()
        c = bn.num_features
        mean = x.mean(dim=(0, 2, 3))
        var = x.var(dim=(0, 2, 3), unbiased=False).clamp_min(1e-3)
        with torch.no_grad():
            bn.running_mean.copy_(mean + 0.25 * var.sqrt() * torch.randn(c, generator=g))
            bn.running_var.copy_(var * (0.5 + 1.5 * torch.rand(c, generator=g)))
            sign = torch.where(torch.rand(c, generator=g) < 0.2, -1.0, 1.0)
            bn.weight.copy_(sign * (0.5 + torch.rand(c, generator=g)))
            bn.bias.copy_(0.2 * torch.randn(c, generator=g))
        done.append(bn)

    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    handles = [bn.register_forward_pre_hook(pre_hook) for bn in bns]
    try:
        model.eval()
        with torch.no_grad():
            model(calib_input)
    finally:
        for h in handles:
            h.remove()
    if len(done) != len(bns) or len(set(map(id, done))) != len(bns):
        raise RuntimeError(f"calibration reached {len(set(map(id, done)))} of {len(bns)} BatchNorm layers once each")
    return len(bns)
