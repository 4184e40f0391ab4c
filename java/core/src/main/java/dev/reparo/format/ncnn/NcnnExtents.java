package dev.reparo.format.ncnn;

import dev.reparo.graph.Dim;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import java.util.List;

/** How an NCHW-style shape maps to the w, h, d, c extents of a batch-less ncnn blob. */
public final class NcnnExtents {
  private NcnnExtents() {}

  /**
   * {@code {w, h, d, c}} of a blob of this shape, whose first dim (the batch of 1) is dropped:
   * {@code [1, C, H, W]} gives {@code {W, H, 0, C}}; unknown sizes are 0 (ncnn's "any"). Returns
   * null for shapes ncnn cannot hold (rank unknown, below 2 or above 5).
   */
  public static int[] of(Shape shape) {
    if (!shape.hasRank() || shape.rank() < 2 || shape.rank() > 5) {
      return null;
    }
    List<Dim> dims = shape.dims().subList(1, shape.rank());
    int[] whdc = new int[4];
    int n = dims.size();
    int[] slot = switch (n) {
      case 1 -> new int[] {0};
      case 2 -> new int[] {1, 0};
      case 3 -> new int[] {3, 1, 0};
      default -> new int[] {3, 2, 1, 0};
    };
    for (int i = 0; i < n; i++) {
      Dim d = dims.get(i);
      whdc[slot[i]] = d.isKnown() ? Math.toIntExact(d.value()) : 0;
    }
    return whdc;
  }

  /**
   * Writes the extents of a blob of {@code rank} dims (batch included) as the w, h, d, c params of
   * MemoryData or Reshape: w always, h from rank 3, d from rank 5, c from rank 4.
   */
  public static Node.Builder params(Node.Builder b, int[] whdc, int rank) {
    b.intAttr(NcnnParams.W, whdc[0]);
    if (rank >= 3) {
      b.intAttr(NcnnParams.H, whdc[1]);
    }
    if (rank >= 5) {
      b.intAttr(NcnnParams.D, whdc[2]);
    }
    if (rank >= 4) {
      b.intAttr(NcnnParams.C, whdc[3]);
    }
    return b;
  }
}
