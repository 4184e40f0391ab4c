package dev.reparo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReparoTest {
  @Test
  void aSnapshotConverterIsKeyedByItsBuildTimeAReleaseByItsVersion() {
    String version = Reparo.version();
    assertTrue(version.matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), version);
    if (version.endsWith("-SNAPSHOT")) {
      // the build property is filtered from maven.build.timestamp: 2026-12-04T22:55:41Z -> 20261204T225541Z
      assertTrue(Reparo.converterId().matches("\\Q" + version + "\\E-\\d{8}T\\d{6}Z"), Reparo.converterId());
    } else {
      assertEquals(version, Reparo.converterId());
    }
  }
}
