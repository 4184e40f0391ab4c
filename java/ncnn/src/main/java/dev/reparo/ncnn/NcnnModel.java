package dev.reparo.ncnn;

import static dev.reparo.ncnn.global.ncnn.REPARO_NCNN_LOAD_OK;
import static dev.reparo.ncnn.global.ncnn.REPARO_NCNN_LOAD_TRUNCATED;
import static dev.reparo.ncnn.global.ncnn.ncnn_layer_type_to_index;
import static dev.reparo.ncnn.global.ncnn.ncnn_net_create;
import static dev.reparo.ncnn.global.ncnn.ncnn_net_destroy;
import static dev.reparo.ncnn.global.ncnn.ncnn_net_load_param_memory;
import static dev.reparo.ncnn.global.ncnn.ncnn_net_set_option;
import static dev.reparo.ncnn.global.ncnn.ncnn_option_create;
import static dev.reparo.ncnn.global.ncnn.ncnn_option_destroy;
import static dev.reparo.ncnn.global.ncnn.ncnn_option_set_num_threads;
import static dev.reparo.ncnn.global.ncnn.ncnn_option_set_use_fp16_arithmetic;
import static dev.reparo.ncnn.global.ncnn.ncnn_option_set_use_fp16_packed;
import static dev.reparo.ncnn.global.ncnn.ncnn_option_set_use_fp16_storage;
import static dev.reparo.ncnn.global.ncnn.ncnn_option_set_use_packing_layout;
import static dev.reparo.ncnn.global.ncnn.ncnn_option_set_use_vulkan_compute;
import static dev.reparo.ncnn.global.ncnn.reparo_ncnn_load_model_bounded;
import static dev.reparo.ncnn.global.ncnn.reparo_ncnn_option_set_lightmode;

import dev.reparo.ModelFormatException;
import dev.reparo.ReparoException;
import dev.reparo.Tensor;
import dev.reparo.format.ncnn.NcnnParam;
import dev.reparo.ncnn.bridge.ncnn_net;
import dev.reparo.ncnn.bridge.ncnn_option;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * An ncnn model ({@code .param} + {@code .bin}) loaded into native memory.
 *
 * <p><b>Thread-safety:</b> a model is safe to share: any number of threads may open
 * {@linkplain #newSession() sessions} or call {@link #run} at once (ncnn's Net is read-only after
 * loading; each session owns its own extractor). {@link #close()} may be called while sessions
 * are open: the native net is freed when the last of them closes, and no new session starts.
 *
 * <p>Everything ncnn would trust blindly is checked in Java first: the param text is parsed and
 * validated (magic, counts, blob wiring, known layer types) and the weights are read through a
 * bounded reader, so a corrupt or truncated model raises {@link ModelFormatException} naming the
 * file instead of crashing the JVM.
 */
public final class NcnnModel implements AutoCloseable {
  private final String name;
  private final NcnnParam param;
  private final NcnnOptions options;
  private final List<String> inputNames;
  private final List<String> outputNames;
  private final Object lock = new Object();
  private ncnn_net net;
  private int openSessions;
  private boolean closed;

  private NcnnModel(String name, NcnnParam param, NcnnOptions options, ncnn_net net) {
    this.name = name;
    this.param = param;
    this.options = options;
    this.net = net;
    this.inputNames = param.inputs().stream().flatMap(l -> l.tops().stream()).toList();
    this.outputNames = param.unconsumedBlobs();
  }

  /** Loads {@code param} and {@code bin} with default options. */
  public static NcnnModel load(Path param, Path bin) {
    return load(param, bin, NcnnOptions.defaults());
  }

  /** Loads {@code param} and {@code bin} files. */
  public static NcnnModel load(Path param, Path bin, NcnnOptions options) {
    return load(read(param), read(bin), param.toString(), bin.toString(), options);
  }

  /**
   * Loads a model from memory.
   *
   * @param name shown in error messages, e.g. the file name the bytes came from
   */
  public static NcnnModel load(byte[] param, byte[] bin, String name, NcnnOptions options) {
    return load(param, bin, name + ".param", name + ".bin", options);
  }

  /** Loads a model from two classpath resources, e.g. {@code /models/demo.param}. */
  public static NcnnModel fromResources(String paramResource, String binResource, NcnnOptions options) {
    return load(resource(paramResource), resource(binResource), paramResource, binResource, options);
  }

  private static NcnnModel load(byte[] paramBytes, byte[] bin, String paramName, String binName,
      NcnnOptions options) {
    NcnnParam param = NcnnParam.parse(new String(paramBytes, StandardCharsets.UTF_8), paramName, false);
    Ncnn.ensureLoaded();
    for (NcnnParam.Layer layer : param.layers()) {
      if (ncnn_layer_type_to_index(layer.type()) < 0) {
        throw new ModelFormatException(paramName + ": layer '" + layer.name() + "' has type '" + layer.type()
            + "', which this ncnn (" + Ncnn.version() + ") does not know");
      }
    }
    ncnn_net net = ncnn_net_create();
    boolean ok = false;
    try {
      ncnn_option opt = ncnn_option_create();
      try {
        configure(opt, options);
        ncnn_net_set_option(net, opt);
      } finally {
        ncnn_option_destroy(opt);
      }
      byte[] text = new byte[paramBytes.length + 1]; // ncnn reads the param up to a NUL
      System.arraycopy(paramBytes, 0, text, 0, paramBytes.length);
      try (BytePointer p = new BytePointer(text)) {
        if (ncnn_net_load_param_memory(net, p) != 0) {
          throw new ModelFormatException(paramName + ": ncnn rejected the param file (its layer parameters"
              + " are inconsistent; ncnn printed the details on stderr)");
        }
      }
      try (BytePointer weights = new BytePointer(bin.length); SizeTPointer consumed = new SizeTPointer(1)) {
        weights.put(bin, 0, bin.length);
        int status = reparo_ncnn_load_model_bounded(net, weights, bin.length, consumed);
        if (status == REPARO_NCNN_LOAD_TRUNCATED) {
          throw new ModelFormatException(binName + ": truncated: its " + bin.length
              + " bytes end before the weights " + paramName + " describes");
        }
        if (status != REPARO_NCNN_LOAD_OK) {
          throw new ModelFormatException(binName + ": ncnn could not load the weights (corrupt file?)");
        }
        if (consumed.get() != bin.length) {
          throw new ModelFormatException(binName + ": " + (bin.length - consumed.get())
              + " bytes left over after the weights " + paramName + " describes; the .bin does not belong"
              + " to this .param");
        }
      }
      ok = true;
      return new NcnnModel(paramName, param, options, net);
    } finally {
      if (!ok) {
        ncnn_net_destroy(net);
      }
    }
  }

  private static void configure(ncnn_option opt, NcnnOptions options) {
    if (options.threads() > 0) {
      ncnn_option_set_num_threads(opt, options.threads());
    }
    reparo_ncnn_option_set_lightmode(opt, options.lightMode() ? 1 : 0);
    ncnn_option_set_use_vulkan_compute(opt, 0);
    ncnn_option_set_use_packing_layout(opt, options.packing() ? 1 : 0);
    ncnn_option_set_use_fp16_storage(opt, options.fp16Storage() ? 1 : 0);
    ncnn_option_set_use_fp16_packed(opt, options.fp16Storage() ? 1 : 0);
    ncnn_option_set_use_fp16_arithmetic(opt, options.fp16Arithmetic() ? 1 : 0);
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ModelFormatException(file + ": no such file", e);
    } catch (IOException e) {
      throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
    }
  }

  private static byte[] resource(String name) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    String path = name.startsWith("/") ? name.substring(1) : name;
    try (InputStream in = loader != null ? loader.getResourceAsStream(path)
        : NcnnModel.class.getResourceAsStream("/" + path)) {
      if (in == null) {
        throw new ModelFormatException(name + ": no such classpath resource");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new ModelFormatException(name + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** The name used in messages: the param file or resource it came from. */
  public String name() {
    return name;
  }

  /** The parsed param file. */
  public NcnnParam param() {
    return param;
  }

  public NcnnOptions options() {
    return options;
  }

  /** Blobs made by the param's Input layers, in file order. */
  public List<String> inputNames() {
    return inputNames;
  }

  /** Blobs no layer consumes, in file order: what a caller normally extracts. */
  public List<String> outputNames() {
    return outputNames;
  }

  /**
   * Opens a session for one inference. Close it (try-with-resources) when done.
   *
   * @throws IllegalStateException if the model is closed
   */
  public NcnnSession newSession() {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("model " + name + " is closed");
      }
      openSessions++;
      return new NcnnSession(this, net);
    }
  }

  /** Runs one inference: feeds every input, returns every {@linkplain #outputNames() output}. */
  public Map<String, Tensor> run(Map<String, Tensor> inputs) {
    try (NcnnSession session = newSession()) {
      inputs.forEach(session::input);
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (String output : outputNames) {
        out.put(output, session.extract(output));
      }
      return out;
    }
  }

  void sessionClosed() {
    synchronized (lock) {
      openSessions--;
      freeIfUnused();
    }
  }

  /** Frees the native net now, or when the last open session closes. Idempotent. */
  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
      freeIfUnused();
    }
  }

  private void freeIfUnused() {
    if (closed && openSessions == 0 && net != null) {
      ncnn_net_destroy(net);
      net = null;
    }
  }

  @Override
  public String toString() {
    return "NcnnModel[" + name + ", " + param.layers().size() + " layers, inputs=" + inputNames
        + ", outputs=" + outputNames + "]";
  }

  /** Thrown by sessions when ncnn itself fails; kept here so all native failures read alike. */
  static ReparoException nativeFailure(String model, String what, int code) {
    return new ReparoException("ncnn failed to " + what + " in model " + model + " (error " + code + ")");
  }
}
