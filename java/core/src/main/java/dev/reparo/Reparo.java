package dev.reparo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Facts about this build of Reparo. Thread-safe. */
public final class Reparo {
  private static final Properties BUILD = load();
  private static final String VERSION = BUILD.getProperty("version", "unknown");

  private Reparo() {}

  /** Reparo's version, e.g. {@code 0.1.0}. */
  public static String version() {
    return VERSION;
  }

  /**
   * What tells this converter apart from others of its version: the version itself for a release;
   * for a {@code -SNAPSHOT} the version plus the build's time ({@code 0.1.0-SNAPSHOT-20261204T225901Z}),
   * because two snapshot builds may convert the same model differently. Keys converted models.
   */
  public static String converterId() {
    String build = BUILD.getProperty("build", "").replaceAll("[^0-9TZ]", "");
    return VERSION.endsWith("-SNAPSHOT") && !build.isEmpty() ? VERSION + "-" + build : VERSION;
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream in = Reparo.class.getResourceAsStream("reparo.properties")) {
      if (in != null) {
        p.load(in);
      }
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
