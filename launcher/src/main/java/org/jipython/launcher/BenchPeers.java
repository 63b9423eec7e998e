package org.jipython.launcher;

import static org.jipython.launcher.BenchFigures.format;
import static org.jipython.launcher.BenchFigures.median;
import static org.jipython.launcher.BenchFigures.unitOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code bench --vs-ipyparallel}: runs the peers' anchor script on the same machine at our N,
 * reads IPython-parallel's and Dask's figures from what it wrote, and prints ours beside them.
 */
final class BenchPeers {
  private static final String PYTHON = "/usr/bin/python3";
  static final String INSTALL_PEERS =
      "apt-get install -y python3-ipyparallel python3-distributed";

  private final Path script;
  private final boolean withDask;
  private final int engines;
  private final boolean quick;

  private BenchPeers(Path script, boolean withDask, int engines, boolean quick) {
    this.script = script;
    this.withDask = withDask;
    this.engines = engines;
    this.quick = quick;
  }

  /**
   * The peers' benchmark, ready to run at N = {@code engines}; null, after saying what is
   * missing, when the script or IPython-parallel is not there. Without Dask it compares with
   * IPython-parallel only.
   */
  static BenchPeers find(int engines, boolean quick) {
    var script = anchorsScript();
    if (script == null || !peersInstalled("ipyparallel")) {
      return null;
    }
    return new BenchPeers(script, peersInstalled("distributed"), engines, quick);
  }

  /** The anchor script: $JIPYTHON_ANCHORS when set, else beside the project. */
  private static Path anchorsScript() {
    var env = System.getenv("JIPYTHON_ANCHORS");
    var candidates = new ArrayList<Path>();
    if (env != null && !env.isBlank()) {
      var p = Path.of(env);
      candidates.add(Files.isDirectory(p) ? p.resolve("run-anchors.sh") : p);
    }
    candidates.add(projectHome().resolve("../shared/bench/anchors/run-anchors.sh").normalize());
    for (var candidate : candidates) {
      if (Files.isReadable(candidate)) {
        return candidate.toAbsolutePath();
      }
    }
    System.err.println("bench: --vs-ipyparallel: the peers' benchmark run-anchors.sh is not at "
        + candidates + "; set JIPYTHON_ANCHORS to it (or to its folder)");
    return null;
  }

  /** The project root: what the scripts pass as jipython.home, else above launcher/target. */
  private static Path projectHome() {
    var home = System.getProperty(IpCluster.HOME_PROPERTY);
    if (home != null && !home.isBlank()) {
      return Path.of(home);
    }
    try {
      var location = Path.of(BenchPeers.class.getProtectionDomain().getCodeSource()
          .getLocation().toURI());
      return location.getParent().getParent().getParent();
    } catch (Exception e) {
      return Path.of("").toAbsolutePath();
    }
  }

  private static boolean peersInstalled(String module) {
    try {
      var check = new ProcessBuilder(PYTHON, "-c", "import " + module)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      check.getOutputStream().close();
      if (check.waitFor(60, TimeUnit.SECONDS) && check.exitValue() == 0) {
        return true;
      }
      check.destroyForcibly();
    } catch (IOException e) {
      // no python3 at all: the message below says what to install
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (module.equals("ipyparallel")) {
      System.err.println("bench: --vs-ipyparallel needs IPython-parallel and Dask for "
          + PYTHON + ", which cannot import ipyparallel.");
      System.err.println("bench: install them with (as root):  " + INSTALL_PEERS);
      System.err.println("bench: (or run scripts/bench without --vs-ipyparallel)");
    } else {
      System.err.println("bench: " + PYTHON + " cannot import " + module
          + ": comparing with IPython-parallel only (install, as root: " + INSTALL_PEERS + ")");
    }
    return false;
  }

  /**
   * Runs the anchor script (output under {@code workDir/anchors}), prints the comparison with
   * {@code figures}, and returns it for the JSON.
   */
  Map<String, Object> compare(Path workDir, BenchFigures figures, BenchCluster processes)
      throws Exception {
    var out = workDir.resolve("anchors");
    Files.createDirectories(out);
    var command = new ArrayList<>(List.of("bash", script.toString()));
    if (quick) {
      command.add("--quick");
    }
    var builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("ANCHORS_OUT", out.toString());
    builder.environment().put("NS", Integer.toString(engines));
    builder.environment().remove("TAG");
    if (!withDask) {
      builder.environment().put("PARTS", "startup ipp");
    }
    System.err.println("bench: running the peers' benchmark at N=" + engines + " (" + (quick
        ? "a few minutes" : "about 12 minutes") + "): " + String.join(" ", command)
        + "; output in " + out);
    var anchors = builder.start();
    processes.addHelper(anchors);
    anchors.getOutputStream().close();
    var reader = new Thread(() -> {
      try (var in = new BufferedReader(new InputStreamReader(anchors.getInputStream(),
              StandardCharsets.UTF_8));
          var file = new PrintWriter(Files.newBufferedWriter(out.resolve("run-anchors.out")))) {
        String line;
        while ((line = in.readLine()) != null) {
          file.println(line);
          if (line.startsWith("[")) {
            System.err.println("anchors: " + line);
          }
        }
      } catch (IOException e) {
        // the script ended; its exit is handled below
      }
    }, "jipython-bench-anchors");
    reader.setDaemon(true);
    reader.start();
    try {
      if (!anchors.waitFor(quick ? 15 : 45, TimeUnit.MINUTES)) {
        System.err.println("bench: the peers' benchmark took too long; stopping it");
      }
    } finally {
      processes.stopHelper(anchors);
      reader.join(5000);
    }
    var raw = out.resolve(quick ? "raw-quick" : "raw");
    var peers = PeerFigures.read(raw, engines);
    printComparison(figures, peers);
    var result = new LinkedHashMap<String, Object>();
    result.put("raw_dir", raw.toString());
    result.put("exit_code", anchors.isAlive() ? null : anchors.exitValue());
    result.put("ipyparallel", peers.ipyparallel());
    result.put("dask", peers.dask());
    result.put("ratio_vs_ipyparallel", ratios(figures, peers.ipyparallel()));
    result.put("ratio_vs_dask", ratios(figures, peers.dask()));
    result.put("ratio_meaning", "above 1: jipython is better (faster, or more per second)");
    return result;
  }

  private static Map<String, Double> ratios(BenchFigures figures, Map<String, Double> theirs) {
    var ratios = new LinkedHashMap<String, Double>();
    theirs.forEach((key, value) -> {
      var ours = figures.value(key);
      if (value != null && ours != null && ours > 0 && value > 0) {
        ratios.put(key, higherIsBetter(unitOf(key)) ? ours / value : value / ours);
      }
    });
    return ratios;
  }

  private static boolean higherIsBetter(String unit) {
    return unit.endsWith("/s");
  }

  private void printComparison(BenchFigures figures, PeerFigures peers) {
    System.out.println();
    System.out.printf("comparison, N=%d, same machine, same run%s; ratio above 1: jipython "
        + "better than ipyparallel%n", engines, quick ? " (quick counts)" : "");
    System.out.printf("%-24s %14s %14s %14s %8s%n", "key", "jipython", "ipyparallel", "dask",
        "ratio");
    var ratios = ratios(figures, peers.ipyparallel());
    for (var figure : figures.all()) {
      var ipp = peers.ipyparallel().get(figure.key());
      var dask = peers.dask().get(figure.key());
      if (ipp == null && dask == null && figure.value() == null) {
        continue;
      }
      var ratio = ratios.get(figure.key());
      System.out.printf("%-24s %14s %14s %14s %8s%n", figure.key(),
          figure.value() == null ? "missing" : cell(figure.value(), figure.unit()),
          cell(ipp, figure.unit()),
          cell(dask, figure.unit()), ratio == null ? "-" : format(ratio));
    }
    System.out.flush();
  }

  private static String cell(Double value, String unit) {
    return value == null ? "-" : format(value) + " " + unit;
  }

  /** The peers' figures for our N, as medians over the anchor script's repetitions. */
  record PeerFigures(Map<String, Double> ipyparallel, Map<String, Double> dask) {
    /** Our key, then where the anchor script keeps the same workload: result key and field. */
    private static final String[][] IPP = {
        {"execute_all_ms", "b_execute_all", "median_ms"},
        {"execute_all_ms_p99", "b_execute_all", "p99_ms"},
        {"execute_one_ms", "b_execute_one", "median_ms"},
        {"execute_one_ms_p99", "b_execute_one", "p99_ms"},
        {"task_roundtrip_ms", "b_lb_apply_roundtrip", "median_ms"},
        {"task_roundtrip_ms_p99", "b_lb_apply_roundtrip", "p99_ms"},
        {"tasks_per_s", "c_lb_apply_async_tasks", "tasks_per_s"},
        {"map_items_per_s", "c_lb_map_chunk1000", "items_per_s"},
        {"push_mb_s", "d_push_pull_bytes_10MB", "push_MBps_aggregate"},
        {"pull_mb_s", "d_push_pull_bytes_10MB", "pull_MBps_aggregate"},
        {"push_pull_mb_s", "d_push_pull_bytes_10MB", "roundtrip_MBps_aggregate"},
        {"scatter_gather_s", "e_scatter_gather_list_1M", "scatter_plus_gather_s"},
    };
    private static final String[][] DASK = {
        {"startup_s", "startup", "usable_s"},
        {"execute_all_ms", "run_all", "median_ms"},
        {"execute_all_ms_p99", "run_all", "p99_ms"},
        {"task_roundtrip_ms", "submit_roundtrip", "median_ms"},
        {"task_roundtrip_ms_p99", "submit_roundtrip", "p99_ms"},
        {"tasks_per_s", "map_5000", "tasks_per_s"},
    };

    static PeerFigures read(Path raw, int engines) throws IOException {
      var mapper = new ObjectMapper();
      var ipp = new LinkedHashMap<String, Double>();
      var dask = new LinkedHashMap<String, Double>();
      var startup = raw.resolve("ipp_startup.json");
      if (Files.exists(startup)) {
        var values = new ArrayList<Double>();
        for (var run : mapper.readTree(startup.toFile()).path("runs")) {
          if (run.path("variant").asText().equals("cli") && run.path("engines").asInt() == engines
              && run.path("usable_s").isNumber()) {
            values.add(run.path("usable_s").asDouble());
          }
        }
        putMedian(ipp, "startup_s", values);
      }
      var results = new ArrayList<JsonNode>();
      try (Stream<Path> files = Files.list(raw)) {
        for (var file : files.filter(f -> f.getFileName().toString()
            .matches("ipp_n" + engines + "_rep\\d+\\.json")).toList()) {
          results.add(mapper.readTree(file.toFile()).path("results"));
        }
      } catch (NoSuchFileException e) {
        // nothing ran: every peer figure is absent
      }
      for (var row : IPP) {
        putMedian(ipp, row[0], results.stream().map(r -> r.path(row[1]).path(row[2]))
            .filter(JsonNode::isNumber).map(JsonNode::asDouble).toList());
      }
      var daskFile = raw.resolve("dask.json");
      if (Files.exists(daskFile)) {
        var runs = new ArrayList<JsonNode>();
        mapper.readTree(daskFile.toFile()).path("runs").forEach(r -> {
          if (r.path("engines").asInt() == engines) {
            runs.add(r.path("results"));
          }
        });
        for (var row : DASK) {
          putMedian(dask, row[0], runs.stream().map(r -> r.path(row[1]).path(row[2]))
              .filter(JsonNode::isNumber).map(JsonNode::asDouble).toList());
        }
      }
      return new PeerFigures(ipp, dask);
    }

    private static void putMedian(Map<String, Double> into, String key, List<Double> values) {
      if (!values.isEmpty()) {
        into.put(key, median(values));
      }
    }
  }
}
