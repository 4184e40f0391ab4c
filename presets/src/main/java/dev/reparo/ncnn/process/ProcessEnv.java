package dev.reparo.ncnn.process;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * The C environment of this process, which Java can read ({@link System#getenv} is a copy taken at
 * start-up) but not change. ncnn's OpenMP runtime, libgomp, reads how its idle threads wait from
 * the environment once, when the ncnn JNI library loads it; setting the variables here before that
 * is the only way to choose it from inside the JVM. This class has a JNI library of its own that
 * links nothing but libc, so loading it does not load libgomp.
 *
 * <p>setenv(3) is not thread-safe against concurrent getenv in native code: call it before native
 * libraries that read the environment from other threads are running.
 */
@Platform(value = {"linux-x86_64", "linux-arm64"}, compiler = "cpp11", include = "reparo_process_env.h",
    library = "jnireparoprocessenv")
public final class ProcessEnv {
  static {
    Loader.load();
  }

  private ProcessEnv() {}

  /** Sets {@code name} to {@code value} unless it is already set; 0 on success, -1 on failure. */
  @Name("reparo_setenv_if_unset")
  public static native int setIfUnset(String name, String value);

  /** The variable's value as native code sees it now, or null when unset. */
  @Name("reparo_getenv")
  public static native String get(String name);
}
