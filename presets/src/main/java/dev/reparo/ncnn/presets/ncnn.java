package dev.reparo.ncnn.presets;

import org.bytedeco.javacpp.annotation.Platform;
import org.bytedeco.javacpp.annotation.Properties;
import org.bytedeco.javacpp.tools.Info;
import org.bytedeco.javacpp.tools.InfoMap;
import org.bytedeco.javacpp.tools.InfoMapper;

/**
 * JavaCPP preset over ncnn's C API ({@code c_api.h}) and Reparo's glue ({@code reparo_ncnn.h}).
 *
 * <p>The C API is used rather than ncnn's C++ headers because its opaque handles map one to one
 * onto Java objects, with none of the platform branches (Vulkan, Android, NEON/RVV types) that the
 * C++ headers expose. The JNI library links ncnn statically; OpenMP comes from libgomp (the
 * system's on x86-64, a bundled copy on linux-arm64).
 *
 * <p>The generated bindings ({@code dev.reparo.ncnn.global.ncnn} and the handle classes in
 * {@code dev.reparo.ncnn.bridge}) are raw: use {@code dev.reparo.ncnn.NcnnModel} instead.
 */
@Properties(
    target = "dev.reparo.ncnn.bridge",
    global = "dev.reparo.ncnn.global.ncnn",
    value = {
        @Platform(
            value = {"linux-x86_64", "linux-arm64"},
            compiler = "cpp11",
            include = {"c_api.h", "reparo_ncnn.h"},
            link = {"pthread", "gomp", "ncnn"}),  // JavaCPP passes these in reverse order
        // The arm64 jar carries libgomp.so.1 (see presets/pom.xml); loading it first satisfies
        // the JNI library's dependency on it. Without a bundled copy the system's is used.
        @Platform(value = "linux-arm64", preload = "gomp@.1")})
public class ncnn implements InfoMapper {
  private static final String[] HANDLES = {
    "allocator", "option", "mat", "blob", "paramdict", "datareader", "modelbin", "layer", "net",
    "extractor", "net_custom_layer_factory"
  };
  @Override
  public void map(InfoMap infoMap) {
    // Compile-time switches of the ncnn we build (cmake/ncnn-options.cmake).
    infoMap.put(new Info("NCNN_C_API", "NCNN_STDIO", "NCNN_STRING", "NCNN_PIXEL", "NCNN_BATCH")
        .define(true));
    infoMap.put(new Info("NCNN_VULKAN", "_WIN32", "NCNN_PIXEL_DRAWING").define(false));
    infoMap.put(new Info("NCNN_EXPORT", "NCNN_C_API_H", "REPARO_NCNN_H").cppTypes().annotations());
    // Opaque handles: "typedef struct __ncnn_X_t* ncnn_X_t" becomes class ncnn_X passed by value,
    // and ncnn_X_t* (an out parameter such as extract's result) a pointer to one.
    for (String handle : HANDLES) {
      infoMap.put(new Info("__ncnn_" + handle + "_t").pointerTypes("ncnn_" + handle));
      infoMap.put(new Info("ncnn_" + handle + "_t").valueTypes("ncnn_" + handle)
          .pointerTypes("@ByPtrPtr ncnn_" + handle, "@Cast(\"ncnn_" + handle + "_t*\") PointerPointer"));
    }
    // FILE* has no Java counterpart; Reparo reads files in Java and hands ncnn bounded buffers.
    infoMap.put(new Info("ncnn_datareader_create_from_stdio").skip());
    // "const ncnn_mat_t*" is a pointer to const handles, which the generated casts get wrong;
    // these serve custom layers written in C, which Reparo does not offer.
    infoMap.put(new Info("ncnn_modelbin_create_from_mat_array", "__ncnn_layer_t::forward_n",
        "__ncnn_layer_t::forward_inplace_n").skip());
    // Pixels of a BufferedImage are read in place (GetPrimitiveArrayCritical), not copied.
    // Pixels of a BufferedImage are read in place (GetPrimitiveArrayCritical), not copied: the
    // array overload is declared by hand to carry @CriticalRegion.
    String letterboxArgs = "@Cast(\"size_t\") long offset, int width, int height, int stride, int swap_rb,"
        + " int resized_w, int resized_h, int top, int left, int out_w, int out_h, float fill,";
    infoMap.put(new Info("reparo_ncnn_letterbox_c3").javaText(
        "public static native ncnn_mat reparo_ncnn_letterbox_c3(@Cast(\"const unsigned char*\") BytePointer pixels, "
            + letterboxArgs + " @Const FloatPointer mean, @Const FloatPointer norm);\n"
            + "@org.bytedeco.javacpp.annotation.CriticalRegion public static native ncnn_mat reparo_ncnn_letterbox_c3("
            + "@Cast(\"const unsigned char*\") byte[] pixels, " + letterboxArgs
            + " @Const float[] mean, @Const float[] norm);\n"));
  }
}
