///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 17+
//COMPILE_OPTIONS -encoding UTF-8 -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC
//DEPS org.junit.jupiter:junit-jupiter:5.14.4
//DEPS org.junit.platform:junit-platform-launcher:1.14.4
//SOURCES ../login.java
//SOURCES FakeDashboard.java
//SOURCES Tls.java
//SOURCES ConnectProxy.java
//SOURCES Harness.java
//SOURCES Checkout.java
//SOURCES Tool.java
//SOURCES Result.java
//SOURCES Running.java
//SOURCES Jvm.java
//SOURCES Contract.java
//SOURCES Browser.java
//SOURCES UnitTest.java
//SOURCES CommandLineTest.java
//SOURCES LocaleTest.java
//SOURCES KeyStoreTest.java
//SOURCES HostilePeerTest.java
//SOURCES SlowPeerTest.java
//SOURCES SecretAuditTest.java
//SOURCES JsonOutputTest.java
//SOURCES TwoStepLoginTest.java
//SOURCES TerminalTest.java
//SOURCES ReadmeTest.java
//SOURCES CheckTest.java
//SOURCES OfflineCommandsTest.java
//SOURCES LauncherTest.java
//SOURCES LoginFlowTest.java
//SOURCES ConnectTest.java
//SOURCES OutputStyleTest.java
//SOURCES BrowserTest.java
//SOURCES CatalogTest.java
//SOURCES ProxyTest.java
//SOURCES TrustTest.java
//SOURCES WorkflowTest.java
//SOURCES WholeProcessTest.java
//SOURCES SeamsTest.java
//SOURCES TransportTest.java
//SOURCES Benchmark.java
//SOURCES JBangFloor.java
//DESCRIPTION Runs the clone-login test suite: ./jbang tests/AllTests.java [TestClass ...]

package clone.login;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The test suite's entry point. Classes are selected by name because classpath scanning finds nothing
 * inside a JBang jar. Prints one line per test, each class's wall time, JUnit's summary, then "N passed, N failed".
 *
 * <p>Classes run at the same time, each class's tests one after another on one thread (a class may say
 * otherwise, as SlowPeerTest does, or lock a shared resource). Most of the time goes to waiting and to
 * the processes a few classes start, so more threads than cores pay off. The longest classes come first:
 * the pool's idle threads take classes from the front of this list.
 */
public class AllTests {
    static final List<Class<?>> CLASSES = List.of(SlowPeerTest.class, LocaleTest.class, CatalogTest.class, LoginFlowTest.class,
            HostilePeerTest.class, OfflineCommandsTest.class, KeyStoreTest.class, ProxyTest.class, ReadmeTest.class, LauncherTest.class,
            WholeProcessTest.class, TerminalTest.class, TwoStepLoginTest.class, CheckTest.class, JsonOutputTest.class, OutputStyleTest.class,
            ConnectTest.class, CommandLineTest.class, BrowserTest.class, TrustTest.class, WorkflowTest.class, SeamsTest.class, TransportTest.class, UnitTest.class);
    /** Classes running at once; the variable TEST_THREADS overrides it (1: one class after another). */
    static final int PARALLELISM = Integer.parseInt(System.getenv().getOrDefault("TEST_THREADS", "4"));

    public static void main(String[] args) {
        // picocli colours help when this JVM has a console (a suite started at a terminal), whatever the
        // Env of a run in it says; runs here have no terminal, like a tool whose output is piped.
        System.setProperty("picocli.ansi", "false");
        Harness.jvmSettings(); // read once per JVM, when the first server and the first HTTP client are made
        List<String> known = CLASSES.stream().map(Class::getSimpleName).toList();
        List<String> unknown = Arrays.stream(args).filter(a -> !known.contains(a)).toList();
        if (!unknown.isEmpty()) {
            System.err.println("No test class named " + String.join(", ", unknown) + ". The classes are: " + String.join(" ", known) + ".");
            System.exit(2);
        }
        List<Class<?>> selected = args.length == 0 ? CLASSES
                : CLASSES.stream().filter(c -> Arrays.asList(args).contains(c.getSimpleName())).toList();
        PrintWriter out = new PrintWriter(System.out, true);
        // The audit reads what the classes captured, so it runs once they are all done.
        TestExecutionSummary classes = run(selected, out);
        TestExecutionSummary audit = run(List.of(SecretAuditTest.class), out);
        for (TestExecutionSummary s : List.of(classes, audit)) s.printFailuresTo(out, 25);
        classes.printTo(out);
        out.println(cpu());
        long failed = classes.getTotalFailureCount() + audit.getTotalFailureCount();
        long passed = classes.getTestsSucceededCount() + audit.getTestsSucceededCount();
        long skipped = classes.getTestsAbortedCount() + classes.getTestsSkippedCount() + audit.getTestsAbortedCount();
        out.println(passed + " passed, " + failed + " failed" + (skipped > 0 ? ", " + skipped + " skipped" : ""));
        System.exit(failed == 0 && classes.getTestsFoundCount() > 0 ? 0 : 1);
    }

    /**
     * The CPU this JVM used (the tests and the runs in it) and, on Linux, the processes it started and
     * waited for: on a machine with few cores that, not the tests' waiting, bounds the suite's time.
     */
    static String cpu() {
        String own = ProcessHandle.current().info().totalCpuDuration().map(d -> String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1e3))
                .orElse("?");
        String children = "";
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // fields from the third on
            children = String.format(Locale.ROOT, ", the processes it started %.1f s", (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0);
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux
        }
        return "CPU: this JVM " + own + children;
    }

    /** Runs the classes, printing one line per test as it finishes. */
    static TestExecutionSummary run(List<Class<?>> classes, PrintWriter out) {
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(classes.stream().map(DiscoverySelectors::selectClass).toList())
                .configurationParameter("junit.jupiter.execution.timeout.default", "3m")
                .configurationParameter("junit.jupiter.execution.parallel.enabled", Boolean.toString(PARALLELISM > 1))
                .configurationParameter("junit.jupiter.execution.parallel.mode.default", "same_thread")
                .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", Integer.toString(PARALLELISM))
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        Map<String, Long> started = new ConcurrentHashMap<>();
        Map<String, Long> classTimes = new ConcurrentSkipListMap<>();
        launcher.execute(request, summary, new TestExecutionListener() {
            TestPlan plan;

            @Override public void testPlanExecutionStarted(TestPlan testPlan) { plan = testPlan; }

            @Override public void executionStarted(TestIdentifier id) { started.put(id.getUniqueId(), System.nanoTime()); }

            @Override public void executionFinished(TestIdentifier id, TestExecutionResult result) {
                long took = System.nanoTime() - started.getOrDefault(id.getUniqueId(), System.nanoTime());
                if (id.getSource().filter(ClassSource.class::isInstance).isPresent()) classTimes.put(id.getDisplayName(), took);
                if (!id.isTest()) return;
                String status = switch (result.getStatus()) {
                    case SUCCESSFUL -> "ok  ";
                    case FAILED -> "FAIL";
                    case ABORTED -> "skip";
                };
                String owner = plan.getParent(id).map(p -> p.getSource().filter(MethodSource.class::isInstance).isPresent()
                        ? plan.getParent(p).map(TestIdentifier::getDisplayName).orElse("") + " > " + p.getDisplayName()
                        : p.getDisplayName()).orElse("");
                out.println(status + " " + owner + " > " + id.getDisplayName() + String.format(Locale.ROOT, " (%.1f s)", took / 1e9)
                        + result.getThrowable().map(t -> "\n       " + t.toString().lines().findFirst().orElse("")).orElse(""));
            }
        });
        if (classes.size() > 1) {
            classTimes.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).forEach(e ->
                    out.printf(Locale.ROOT, "time %-22s %6.1f s%n", e.getKey(), e.getValue() / 1e9));
        }
        return summary.getSummary();
    }
}
