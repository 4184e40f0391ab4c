package dev.reparo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Facts about this build of Reparo. Thread-safe. */
public final class Reparo {
  private static final String VERSION = loadVersion();

  private Reparo() {}

  /** Reparo's version, e.g. {@code 0.1.0}. */
  public static String version() {
    return VERSION;
  }

  private static String loadVersion() {
    try (InputStream in = Reparo.class.getResourceAsStream("reparo.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
