package dev.reparo.convert;

import dev.reparo.backend.DeployedModel;
import java.nio.file.Path;

/**
 * Run in a separate JVM by {@link ConversionCacheTest}: deploys {@code args[1]} through the cache
 * in {@code args[0]} and prints the file key (inode) of the entry's {@code model.json}.
 */
final class DeployInChildProcess {
  private DeployInChildProcess() {}

  public static void main(String[] args) throws Exception {
    ConversionCache cache = new ConversionCache(Path.of(args[0]));
    DeployedModel m = cache.deploy(Path.of(args[1]));
    m.verify();
    System.out.println("CONVERSIONS " + cache.conversionsRun());
  }
}
