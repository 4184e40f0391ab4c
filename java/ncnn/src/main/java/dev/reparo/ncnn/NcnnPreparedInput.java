package dev.reparo.ncnn;

import static dev.reparo.ncnn.global.ncnn.ncnn_mat_destroy;

import dev.reparo.Tensor;
import dev.reparo.backend.ImagePlacement;
import dev.reparo.backend.PreparedInput;
import dev.reparo.ncnn.bridge.ncnn_mat;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.List;

/**
 * A letterboxed image held in a native ncnn Mat for {@link NcnnLoadedModel}: running it feeds the
 * Mat to a new session as is, as {@code runImage} does (ncnn copies an input before any layer
 * changes it in place, so it can run again). {@link #close}, or a cleaner once this is unreachable,
 * destroys the Mat. Not thread-safe (see {@link PreparedInput}).
 */
final class NcnnPreparedInput implements PreparedInput {
  private static final Cleaner CLEANER = Cleaner.create();

  private final NcnnLoadedModel model;
  private final ImagePlacement box;
  private final MatRelease release;
  private final Cleaner.Cleanable cleanable;

  NcnnPreparedInput(NcnnLoadedModel model, ncnn_mat mat, ImagePlacement box) {
    this.model = model;
    this.box = box;
    this.release = new MatRelease(mat);
    this.cleanable = CLEANER.register(this, release);
  }

  @Override
  public List<Tensor> run() {
    ncnn_mat mat = release.mat;
    if (mat == null) {
      throw new IllegalStateException("prepared input is closed");
    }
    try {
      return model.run(mat, box);
    } finally {
      Reference.reachabilityFence(this);  // no cleaner may destroy the Mat while ncnn reads it
    }
  }

  @Override
  public void close() {
    cleanable.clean();  // runs the release at most once, whoever calls first
  }

  /** Destroys the Mat; holds no reference to its input, so that the input can become unreachable. */
  private static final class MatRelease implements Runnable {
    private volatile ncnn_mat mat;

    MatRelease(ncnn_mat mat) {
      this.mat = mat;
    }

    @Override
    public void run() {
      ncnn_mat m = mat;
      mat = null;
      if (m != null) {
        ncnn_mat_destroy(m);
      }
    }
  }
}
