package dev.reparo.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The README's recipe: with slf4j-jdk-platform-logging on the class path, Reparo's loggers are SLF4J's. */
class LoggingToSlf4jTest {
  @Test
  void reparosSystemLoggersGoToSlf4j() {
    System.Logger log = System.getLogger("dev.reparo.backend");
    assertTrue(log.getClass().getName().startsWith("org.slf4j."), "a System.Logger of SLF4J's: " + log.getClass());
  }
}
