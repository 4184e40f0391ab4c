package dev.reparo.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The shape of a value: a list of {@link Dim}s, or "rank unknown" when nothing is known. Immutable
 * and thread-safe.
 */
public final class Shape {
  private static final Shape UNKNOWN = new Shape(null);
  private static final Shape SCALAR = new Shape(List.of());

  /** Null when the rank is unknown. */
  private final List<Dim> dims;

  private Shape(List<Dim> dims) {
    this.dims = dims;
  }

  /** A shape whose rank is not known. */
  public static Shape unknown() {
    return UNKNOWN;
  }

  public static Shape scalar() {
    return SCALAR;
  }

  public static Shape of(List<Dim> dims) {
    return new Shape(List.copyOf(dims));
  }

  /** A fully known shape; a negative size makes that dim unknown. */
  public static Shape of(long... dims) {
    List<Dim> list = new ArrayList<>(dims.length);
    for (long d : dims) {
      list.add(d < 0 ? Dim.unknown() : Dim.of(d));
    }
    return new Shape(List.copyOf(list));
  }

  public static Shape of(int... dims) {
    long[] l = new long[dims.length];
    for (int i = 0; i < dims.length; i++) {
      l[i] = dims[i];
    }
    return of(l);
  }

  /** A shape of the given rank with every dim unknown. */
  public static Shape ofRank(int rank) {
    List<Dim> list = new ArrayList<>(rank);
    for (int i = 0; i < rank; i++) {
      list.add(Dim.unknown());
    }
    return new Shape(List.copyOf(list));
  }

  public boolean hasRank() {
    return dims != null;
  }

  /** @throws IllegalStateException if the rank is unknown */
  public int rank() {
    return dims().size();
  }

  /** @throws IllegalStateException if the rank is unknown */
  public List<Dim> dims() {
    if (dims == null) {
      throw new IllegalStateException("rank of shape is unknown");
    }
    return dims;
  }

  public Dim dim(int axis) {
    return dims().get(axis);
  }

  /** True when the rank and every dim are known. */
  public boolean isKnown() {
    return dims != null && dims.stream().allMatch(Dim::isKnown);
  }

  /** The sizes; only for a {@link #isKnown() known} shape. */
  public long[] toArray() {
    if (!isKnown()) {
      throw new IllegalStateException("shape " + this + " is not fully known");
    }
    return dims.stream().mapToLong(Dim::value).toArray();
  }

  /** The product of the sizes, or -1 unless the shape is fully known. */
  public long elementCount() {
    if (!isKnown()) {
      return -1;
    }
    long n = 1;
    for (Dim d : dims) {
      n = Math.multiplyExact(n, d.value());
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Objects.equals(dims, s.dims);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(dims);
  }

  @Override
  public String toString() {
    return dims == null ? "[*]" : dims.toString().replace(" ", "");
  }
}
