"""PyTorch definitions of the models Reparo's graph passes are tested against (see tools/README.md)."""
