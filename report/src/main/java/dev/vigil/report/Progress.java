package dev.vigil.report;

/** Hears how far a read has got, so a command can draw a progress bar. */
@FunctionalInterface
public interface Progress {

  /** Reports nothing. */
  Progress NONE = (read, total) -> {};

  /**
   * Called now and then while reading, and once at the end.
   *
   * @param read offsets consumed so far
   * @param total offsets to consume in all (an estimate: transaction markers count too)
   */
  void update(long read, long total);
}
