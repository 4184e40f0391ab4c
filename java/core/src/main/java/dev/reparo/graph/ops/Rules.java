package dev.reparo.graph.ops;

import dev.reparo.graph.Dim;
import dev.reparo.graph.InvalidGraphException;
import dev.reparo.graph.Node;
import dev.reparo.graph.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Small checks and dim arithmetic the shape rules share. Stateless and thread-safe. */
final class Rules {
  private Rules() {}

  /** Multidirectional (numpy) broadcasting. */
  static Shape broadcast(Node n, List<Shape> shapes) {
    int rank = 0;
    for (Shape s : shapes) {
      if (!s.hasRank()) {
        return Shape.unknown();
      }
      rank = Math.max(rank, s.rank());
    }
    List<Dim> out = new ArrayList<>();
    for (int i = 0; i < rank; i++) {
      Dim r = Dim.of(1);
      for (Shape s : shapes) {
        int at = i - (rank - s.rank());
        if (at < 0) {
          continue;
        }
        Dim d = s.dim(at);
        if (d.isKnown()) {
          if (d.value() == 1) {
            continue;
          }
          if (r.isKnown() && r.value() != 1 && r.value() != d.value()) {
            throw fail(n, "cannot broadcast shapes " + shapes);
          }
          r = d;
        } else if (r.isKnown()) {
          if (r.value() == 1) {
            r = d;
          }
        } else if (!d.equals(r)) {
          r = Dim.unknown();
        }
      }
      out.add(r);
    }
    return Shape.of(out);
  }

  static long[] intsOr(Node n, String attr, int count, long dflt) {
    long[] v = n.attrInts(attr);
    if (v == null) {
      v = new long[count];
      Arrays.fill(v, dflt);
    } else if (v.length != count) {
      throw fail(n, attr + " " + Arrays.toString(v) + " has " + v.length + " values, expected " + count);
    }
    return v;
  }

  static int normAxis(Node n, long axis, int rank, String what) {
    if (axis < -rank || axis >= rank) {
      throw fail(n, what + " " + axis + " is out of range for rank " + rank);
    }
    return (int) (axis < 0 ? axis + rank : axis);
  }

  static Dim sameDim(Node n, Dim a, Dim b, String message) {
    if (a.isKnown() && b.isKnown()) {
      if (a.value() != b.value()) {
        throw fail(n, message);
      }
      return a;
    }
    if (a.isKnown() || b.isKnown()) {
      return a.isKnown() ? a : b;
    }
    return a.isSymbolic() ? a : b;
  }

  /** The product of dims: known if all are; the one unknown dim if the rest multiply to 1. */
  static Dim product(List<Dim> dims) {
    long p = 1;
    Dim unknown = null;
    int unknownCount = 0;
    for (Dim d : dims) {
      if (d.isKnown()) {
        p *= d.value();
      } else {
        unknown = d;
        unknownCount++;
      }
    }
    if (unknownCount == 0) {
      return Dim.of(p);
    }
    return unknownCount == 1 && p == 1 ? unknown : Dim.unknown();
  }

  static int[] toIntShape(Shape s) {
    long[] l = s.toArray();
    int[] out = new int[l.length];
    for (int i = 0; i < l.length; i++) {
      out[i] = Math.toIntExact(l[i]);
    }
    return out;
  }

  static InvalidGraphException fail(Node n, String message) {
    return new InvalidGraphException(n, message);
  }}
