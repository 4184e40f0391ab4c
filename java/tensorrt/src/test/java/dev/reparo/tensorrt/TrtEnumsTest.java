package dev.reparo.tensorrt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import org.bytedeco.tensorrt.global.nvinfer;
import org.bytedeco.tensorrt.nvinfer.ILogger;
import org.junit.jupiter.api.Test;
import sun.misc.Unsafe;

/**
 * TensorRT enums as JavaCPP's JNI code returns them: a fresh object with only {@code value} set
 * (AllocObject + SetIntField), ordinal 0, never the shared constant. Built here the same way.
 */
class TrtEnumsTest {
  @SuppressWarnings("unchecked")
  static <E extends Enum<E>> E asJni(Class<E> type, int value) throws Exception {
    Field f = Unsafe.class.getDeclaredField("theUnsafe");
    f.setAccessible(true);
    Unsafe u = (Unsafe) f.get(null);
    E e = (E) u.allocateInstance(type);
    u.putInt(e, u.objectFieldOffset(type.getField("value")), value);
    return e;
  }

  @Test
  void aFloatTensorIsRecognisedByValueNotIdentity() throws Exception {
    nvinfer.DataType fromJni = asJni(nvinfer.DataType.class, nvinfer.DataType.kFLOAT.value);
    assertNotSame(nvinfer.DataType.kFLOAT, fromJni, "JavaCPP never hands back the constant");
    assertTrue(TrtEnums.isFloat32(fromJni));
    assertTrue(TrtEnums.isFloat32(nvinfer.DataType.kFLOAT));
    assertFalse(TrtEnums.isFloat32(asJni(nvinfer.DataType.class, nvinfer.DataType.kHALF.value)));
    assertFalse(TrtEnums.isFloat32(asJni(nvinfer.DataType.class, nvinfer.DataType.kINT64.value)));
    assertFalse(TrtEnums.isFloat32(null));
  }

  @Test
  void severitiesMapByValueAlthoughEveryJniObjectHasOrdinalZero() throws Exception {
    ILogger.Severity warning = asJni(ILogger.Severity.class, ILogger.Severity.kWARNING.value);
    assertEquals(0, warning.ordinal(), "a switch on it would take the kINTERNAL_ERROR branch");
    assertEquals(System.Logger.Level.WARNING, TrtEnums.level(warning));
    assertEquals(System.Logger.Level.ERROR, TrtEnums.level(asJni(ILogger.Severity.class,
        ILogger.Severity.kERROR.value)));
    assertEquals(System.Logger.Level.ERROR, TrtEnums.level(asJni(ILogger.Severity.class,
        ILogger.Severity.kINTERNAL_ERROR.value)));
    assertEquals(System.Logger.Level.DEBUG, TrtEnums.level(asJni(ILogger.Severity.class,
        ILogger.Severity.kINFO.value)));
    assertEquals(System.Logger.Level.DEBUG, TrtEnums.level(asJni(ILogger.Severity.class,
        ILogger.Severity.kVERBOSE.value)));
  }
}
