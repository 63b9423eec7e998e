package org.jipython.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Starts jipython processes as children of this JVM (same java, same classpath), and other
 * child processes (mpirun, ssh) whose output is read line by line the same way.
 */
final class ChildJvm {
  /** The system property that names the CDS archive in use. */
  static final String CDS_PROPERTY = "jipython.cds";

  /**
   * C2 only for code that stays hot: ten times the default tier-4 thresholds. Start-up code
   * (Pekko, TLS, Jython's own) then runs on C1 and never waits for C2, which cuts a JVM's
   * start-up CPU by about a third on 2 cores; code that stays hot, user loops included, still
   * reaches C2 within a fraction of a second and runs as fast as with the defaults. TLS's cipher
   * (AES-GCM, in com.sun.crypto.provider) is the exception: C2 replaces its GHASH with a CLMUL
   * intrinsic, and until it does, encrypting big values costs several times more CPU, so those
   * classes reach C2 twice as early as by default.
   */
  static final List<String> LATE_C2 = List.of("-XX:Tier4InvocationThreshold=50000",
      "-XX:Tier4MinInvocationThreshold=6000", "-XX:Tier4CompileThreshold=60000",
      "-XX:Tier4BackEdgeThreshold=400000", "-XX:CompileCommand=quiet",
      "-XX:CompileCommand=CompileThresholdScaling,com.sun.crypto.provider.*::*,0.05");

  private ChildJvm() {}

  /** JVM options of a role, from the environment the scripts set, with safe defaults. */
  static List<String> jvmOptions(String role) {
    var env = System.getenv("JIPYTHON_" + role.toUpperCase() + "_JAVA_OPTS");
    var options = new ArrayList<String>();
    if (env != null && !env.isBlank()) {
      options.addAll(List.of(env.trim().split("\\s+")));
    } else if (role.equals("engine")) {
      options.addAll(List.of("-Xms64m", "-Xmx1g", "-Xss4m", "-XX:+UseSerialGC"));
      options.addAll(LATE_C2);
    } else if (role.equals("cluster")) {
      // a supervisor: mostly idle, so C1 only, for a quicker start
      options.addAll(List.of("-Xms64m", "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    } else {
      options.addAll(List.of("-Xms64m", "-Xmx1g", "-XX:+UseSerialGC"));
      options.addAll(LATE_C2);
    }
    options.addAll(cdsOptions());
    return options;
  }

  /**
   * The class-data-sharing archive this JVM was started with (the scripts name it in
   * {@code jipython.cds} only when it is fresh), for children on the same class path.
   */
  static List<String> cdsOptions() {
    var archive = System.getProperty(CDS_PROPERTY);
    if (archive == null || !java.nio.file.Files.isRegularFile(java.nio.file.Path.of(archive))) {
      return List.of();
    }
    return List.of("-XX:SharedArchiveFile=" + archive, "-Xlog:cds=off,cds+dynamic=off",
        "-D" + CDS_PROPERTY + "=" + archive);
  }

  /** The command line that runs {@code args} (a subcommand and its options) as role's JVM. */
  static List<String> javaCommand(String role, List<String> args) {
    var command = new ArrayList<String>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.addAll(jvmOptions(role));
    var logback = System.getProperty("logback.configurationFile");
    if (logback != null) {
      command.add("-Dlogback.configurationFile=" + logback);
    }
    var config = System.getProperty("config.file");
    if (config != null) {
      // conf/ has one file per role next to the one this process was started with
      var roleFile = java.nio.file.Path.of(config).resolveSibling(role + ".conf");
      command.add("-Dconfig.file=" + roleFile);
    }
    var home = System.getProperty(IpCluster.HOME_PROPERTY);
    if (home != null) {
      command.add("-D" + IpCluster.HOME_PROPERTY + "=" + home);
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.addAll(args);
    return command;
  }

  /** Starts a jipython subcommand as a child JVM; its output lines go to {@code onLine}. */
  static Process start(String role, List<String> args, Consumer<String> onLine) throws IOException {
    return startCommand(javaCommand(role, args), Map.of(), onLine);
  }

  /**
   * Starts any command with extra environment variables. Standard input is closed at once,
   * standard error joins standard output, and each output line goes to {@code onLine} on a
   * daemon thread.
   */
  static Process startCommand(List<String> command, Map<String, String> env,
      Consumer<String> onLine) throws IOException {
    var builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectInput(ProcessBuilder.Redirect.PIPE);
    builder.environment().putAll(env);
    var process = builder.start();
    process.getOutputStream().close();
    var reader = new Thread(() -> {
      try (var in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          onLine.accept(line);
        }
      } catch (IOException e) {
        // the child is gone; its exit is handled by whoever watches it
      }
    }, "jipython-child-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
    return process;
  }
}
