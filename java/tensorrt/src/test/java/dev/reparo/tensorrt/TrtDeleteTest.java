package dev.reparo.tensorrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

/** The native delete helper, on C++ objects shaped like TensorRT's; no GPU or TensorRT needed. */
class TrtDeleteTest {
  @Test
  void deleteRunsTheVirtualDestructorOfAClassDeclaredApart() {
    long before = TrtDelete.probesAlive();
    Pointer[] probes = new Pointer[1000];
    for (int i = 0; i < probes.length; i++) {
      probes[i] = TrtDelete.newProbe();
      assertFalse(probes[i].isNull());
    }
    assertEquals(before + probes.length, TrtDelete.probesAlive());
    for (Pointer p : probes) {
      TrtDelete.delete(p);
    }
    assertEquals(before, TrtDelete.probesAlive(), "every destructor ran");
  }
}
