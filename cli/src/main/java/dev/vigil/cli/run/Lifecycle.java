package dev.vigil.cli.run;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The lifetime of a long-running command: components are closed in reverse order of start, on
 * return, on an exception, or on SIGTERM / Ctrl-C (the shutdown hook waits until they are closed,
 * so Streams commits and producers flush before the JVM exits).
 */
public final class Lifecycle implements AutoCloseable {

  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final CountDownLatch stop;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final PrintWriter err;
  private final Thread hook;

  /** A lifetime that ends when {@code stop} is counted down or the JVM is asked to stop. */
  public Lifecycle(CountDownLatch stop, PrintWriter err) {
    this.stop = stop;
    this.err = err;
    this.hook =
        new Thread(
            () -> {
              stop.countDown();
              try {
                if (stopped.await(60, TimeUnit.SECONDS)) {
                  // SIGTERM after a clean stop is a success: exit 0, not the JVM's 143.
                  err.flush();
                  Runtime.getRuntime().halt(0);
                }
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "vigil-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /** Registers a started component and returns it. */
  public <T extends AutoCloseable> T add(T component) {
    started.push(component);
    return component;
  }

  /** Waits until asked to stop, or at most {@code limit} ({@code null}: no limit). */
  public void await(Duration limit) throws InterruptedException {
    if (limit == null) {
      stop.await();
    } else {
      stop.await(limit.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void close() {
    while (!started.isEmpty()) {
      try {
        started.pop().close();
      } catch (Exception e) {
        err.println("while stopping: " + e.getMessage());
      }
    }
    err.flush();
    stopped.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // The JVM is already shutting down: the hook is running.
    }
  }
}
