package dev.reparo.graph;

import java.util.HashSet;
import java.util.Set;

/**
 * Hands out names not yet taken: {@code base}, else {@code base_1}, {@code base_2}... Each name
 * handed out is taken from then on. Get one from {@link Graph#names()}. Not thread-safe.
 */
public final class NameAllocator {
  private final Set<String> taken;

  NameAllocator(Set<String> taken) {
    this.taken = new HashSet<>(taken);
  }

  /** A name not yet taken, derived from {@code base}; it is taken from now on. */
  public String fresh(String base) {
    String name = base;
    for (int i = 1; taken.contains(name); i++) {
      name = base + "_" + i;
    }
    taken.add(name);
    return name;
  }
}
