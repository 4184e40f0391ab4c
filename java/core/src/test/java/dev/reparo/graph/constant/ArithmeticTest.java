package dev.reparo.graph.constant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reparo.graph.DataType;
import org.junit.jupiter.api.Test;

/** ONNX's integer semantics, as both shape inference and constant folding compute them. */
class ArithmeticTest {
  private static ConstValue ints(DataType type, long... v) {
    return ConstValue.ofInts(type, new int[] {v.length}, v);
  }

  @Test
  void int32OverflowWrapsToTheTypesWidth() throws CannotFold {
    ConstValue r = Arithmetic.binary("Add", ints(DataType.INT32, Integer.MAX_VALUE), ints(DataType.INT32, 1));
    assertArrayEquals(new long[] {Integer.MIN_VALUE}, r.ints());
    assertEquals(DataType.INT32, r.type());
  }

  @Test
  void int64OverflowWrapsAsTwosComplement() throws CannotFold {
    ConstValue r = Arithmetic.binary("Mul", ints(DataType.INT64, Long.MAX_VALUE), ints(DataType.INT64, 2));
    assertArrayEquals(new long[] {-2}, r.ints());
    ConstValue d = Arithmetic.binary("Div", ints(DataType.INT64, Long.MIN_VALUE), ints(DataType.INT64, -1));
    assertArrayEquals(new long[] {Long.MIN_VALUE}, d.ints());
  }

  @Test
  void unsignedAndNarrowTypesWrap() throws CannotFold {
    assertArrayEquals(new long[] {255}, Arithmetic.binary("Sub", ints(DataType.UINT8, 0), ints(DataType.UINT8, 1)).ints());
    assertArrayEquals(new long[] {-128}, Arithmetic.binary("Add", ints(DataType.INT8, 127), ints(DataType.INT8, 1)).ints());
  }

  @Test
  void integerDivisionTruncatesTowardZero() throws CannotFold {
    ConstValue r = Arithmetic.binary("Div", ints(DataType.INT64, 7, -7), ints(DataType.INT64, 2));
    assertArrayEquals(new long[] {3, -3}, r.ints());
  }

  @Test
  void integerDivisionByZeroIsRefusedWithAReason() {
    CannotFold e = assertThrows(CannotFold.class,
        () -> Arithmetic.binary("Div", ints(DataType.INT64, 1, 2), ints(DataType.INT64, 1, 0)));
    assertEquals("integer division by zero", e.getMessage());
  }

  @Test
  void floatDivisionByZeroIsInfinityAsInFloat32() throws CannotFold {
    ConstValue r = Arithmetic.binary("Div", ConstValue.ofFloats(new int[] {1}, new float[] {1}),
        ConstValue.ofFloats(new int[] {1}, new float[] {0}));
    assertEquals(Float.POSITIVE_INFINITY, r.floats()[0]);
  }

  @Test
  void symbolicElementsGiveUnknownResultsAndBroadcast() throws CannotFold {
    ConstValue dims = ConstValue.ofSymbolic(DataType.INT64, new int[] {2}, new long[] {0, 3},
        new String[] {"batch", null});
    ConstValue r = Arithmetic.binary("Mul", dims, ConstValue.ofInts(DataType.INT64, new int[0], new long[] {2}));
    assertFalse(r.elemKnown(0));
    assertTrue(r.elemKnown(1));
    assertEquals(6, r.ints()[1]);
  }

  @Test
  void castWrapsIntegersAndTruncatesFloats() throws CannotFold {
    assertArrayEquals(new long[] {-1}, Casts.cast(ints(DataType.INT64, 0xFFFFFFFFL), DataType.INT32).ints());
    ConstValue f = ConstValue.ofFloats(new int[] {2}, new float[] {-2.7f, 2.7f});
    assertArrayEquals(new long[] {-2, 2}, Casts.cast(f, DataType.INT64).ints());
  }

  @Test
  void sliceClampsAsOnnxSays() {
    assertArrayEquals(new long[] {3, -1, 4}, Layout.sliceRange(4, -1, Long.MIN_VALUE, -1));
    assertArrayEquals(new long[] {0, -1, 1}, Layout.sliceRange(4, -10, -10, -1));
    assertArrayEquals(new long[] {1, 2, 2}, Layout.sliceRange(5, 1, Long.MAX_VALUE, 2));
  }
}
