package dev.reparo.backend;

import dev.reparo.ReparoException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** Finds {@link Backend} implementations on the classpath. Stateless and thread-safe. */
public final class Backends {
  private Backends() {}

  /** Every backend on the classpath, available or not, in classpath order. */
  public static List<Backend> all() {
    List<Backend> found = new ArrayList<>();
    ServiceLoader.load(Backend.class).forEach(found::add);
    return found;
  }

  /**
   * The backend of the requested kind; for {@code AUTO}, the first available one.
   *
   * @throws ReparoException if none is on the classpath or it cannot run here, saying which
   */
  public static Backend find(BackendKind kind) {
    List<Backend> all = all();
    for (Backend b : all) {
      if (kind == BackendKind.AUTO ? b.isAvailable() : b.kind() == kind) {
        if (!b.isAvailable()) {
          throw new ReparoException("backend " + kind + " cannot run here: " + b.unavailableReason());
        }
        return b;
      }
    }
    List<String> present = all.stream().map(b -> b.kind().toString()).toList();
    throw new ReparoException("backend " + kind + " is not on the classpath (present: "
        + (present.isEmpty() ? "none" : String.join(", ", present)) + "); add the reparo-" + kind.toString().toLowerCase()
        + " jar and its platform natives");
  }
}
