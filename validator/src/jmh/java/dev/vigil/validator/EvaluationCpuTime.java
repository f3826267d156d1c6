package dev.vigil.validator;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Supplement to {@link EvaluationBenchmark} for shared machines: evaluations per second of the
 * benchmark thread's own CPU time (ThreadMXBean), which does not count time the scheduler gave to
 * other processes. Not a JMH benchmark; run with {@code java -cp ... dev.vigil.validator.EvaluationCpuTime}.
 */
public final class EvaluationCpuTime {

  private EvaluationCpuTime() {}

  public static void main(String[] args) throws Exception {
    EvaluationBenchmark b = new EvaluationBenchmark();
    b.setUp();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    int perRound = 2_000_000;
    long sink = 0;
    for (String name : new String[] {"attestedPod", "allowlistedPod"}) {
      boolean attested = name.equals("attestedPod");
      for (int r = 0; r < rounds; r++) {
        long cpu0 = mx.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        for (int i = 0; i < perRound; i++) {
          sink += (attested ? b.attestedPod() : b.allowlistedPod()).images().size();
        }
        long cpu = mx.getCurrentThreadCpuTime() - cpu0;
        long wall = System.nanoTime() - wall0;
        System.out.printf("%s round %2d: %,.0f evaluations per CPU-second (%,.0f per wall-second)%n", name, r + 1,
            perRound / (cpu / 1e9), perRound / (wall / 1e9));
      }
    }
    System.out.println("(sink " + sink + ")");
  }
}
