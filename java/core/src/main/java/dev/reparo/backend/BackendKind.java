package dev.reparo.backend;

/**
 * Which runtime executes a model; {@link #AUTO} lets {@link AutoBackendSelector} measure and choose.
 * Immutable and thread-safe.
 */
public enum BackendKind { NCNN, ONNXRUNTIME, TENSORRT, AUTO }
