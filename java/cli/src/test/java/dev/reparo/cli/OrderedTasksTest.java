package dev.reparo.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OrderedTasksTest {
  @Test
  void whileThePoolIsStuckOnTheOldestTheCallerRunsTheNextOnes() {
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      // Task 0 holds the only pool thread until tasks 1-3 are done: only the caller can run them.
      CountDownLatch othersDone = new CountDownLatch(3);
      List<String> ranOn = new ArrayList<>();
      try (OrderedTasks<Integer> tasks = new OrderedTasks<>("test", 1, 4)) {
        CountDownLatch started = new CountDownLatch(1);
        tasks.submit(() -> {
          started.countDown();
          assertTrue(othersDone.await(10, TimeUnit.SECONDS), "the caller ran the tasks behind");
          return 0;
        });
        started.await();
        for (int i = 1; i <= 3; i++) {
          int k = i;
          tasks.submit(() -> {
            synchronized (ranOn) {
              ranOn.add(Thread.currentThread().getName());
            }
            othersDone.countDown();
            return k;
          });
        }
        List<Integer> got = new ArrayList<>();
        while (!tasks.isEmpty()) {
          got.add(tasks.takeOldest());
        }
        assertEquals(List.of(0, 1, 2, 3), got, "results in submission order");
      }
      assertEquals(List.of(Thread.currentThread().getName(), Thread.currentThread().getName(),
          Thread.currentThread().getName()), ranOn);
    });
  }

  @Test
  void aTaskFailureComesBackAsItWasThrown() throws Exception {
    try (OrderedTasks<Integer> tasks = new OrderedTasks<>("test", 2, 2)) {
      tasks.submit(() -> 1);
      tasks.submit(() -> {
        throw new IOException("broken");
      });
      assertEquals(1, tasks.takeOldest());
      assertEquals("broken", assertThrows(IOException.class, tasks::takeOldest).getMessage());
      assertThrows(IllegalStateException.class, tasks::takeOldest, "nothing pending");
    }
  }

  @Test
  void aFullQueueTakesNoMore() {
    try (OrderedTasks<Integer> tasks = new OrderedTasks<>("test", 1, 2)) {
      tasks.submit(() -> 1);
      tasks.submit(() -> 2);
      assertTrue(tasks.full());
      assertThrows(IllegalStateException.class, () -> tasks.submit(() -> 3));
    }
  }
}
