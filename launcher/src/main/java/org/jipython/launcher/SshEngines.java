package org.jipython.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * The commands {@code ipcluster ssh} runs: engines on the hosts of a cluster file, each started
 * over ssh. Each engine's ssh session stays open while the engine runs, so its output reaches
 * ipcluster and its end is noticed; the remote shell prints the engine's pid first, and stopping
 * sends SIGTERM to exactly that pid on that host (the original killed every ipengine of the
 * user).
 */
public final class SshEngines {
  /** The first line a remote engine's session prints: this marker and the engine's pid. */
  public static final String PID_MARKER = "jipython-remote-pid ";
  /** Where a sent furl file goes, relative to the remote home (the original's place). */
  public static final String REMOTE_FURL = ".ipython/security/ipcontroller-engine.furl";

  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._@:%\\[\\]-]*");
  private static final Pattern PYTHON_ENGINES =
      Pattern.compile("(?m)^\\s*engines\\s*=\\s*\\{([^}]*)\\}");
  private static final Pattern PYTHON_ENTRY =
      Pattern.compile("\\s*(['\"])([^'\"]+)\\1\\s*:\\s*(\\d+)\\s*,?");
  private static final Pattern SEND_FURL =
      Pattern.compile("(?m)^\\s*send_furl\\s*=\\s*(True|False|true|false|1|0)\\s*(#.*)?$");

  /** A host and how many engines to start on it. */
  public record Host(String name, int engines) {
    /** Checks the name (no shell or ssh option characters) and the count. */
    public Host {
      if (name == null || !HOST.matcher(name).matches()) {
        throw new IllegalArgumentException("not a host name: '" + name + "'");
      }
      if (engines < 1) {
        throw new IllegalArgumentException("host " + name + ": engines must be at least 1, not "
            + engines);
      }
    }
  }

  /**
   * A cluster file: hosts with engine counts, and whether to copy the engine furl file to them.
   * Two forms are read. The original's Python form, {@code engines = {'host0': 2, 'host1': 4}}
   * with an optional {@code send_furl = True}, is recognised, not executed. The plain form has
   * one {@code host [count]} a line (count 1 by default), {@code #} comments, and the same
   * optional {@code send_furl} line.
   */
  public record ClusterFile(List<Host> hosts, boolean sendFurl) {
    public ClusterFile {
      hosts = List.copyOf(hosts);
      if (hosts.isEmpty()) {
        throw new IllegalArgumentException("the cluster file names no hosts");
      }
    }

    public static ClusterFile read(Path file) throws IOException {
      return parse(Files.readString(file));
    }

    /** @throws IllegalArgumentException naming the line or entry that is wrong */
    public static ClusterFile parse(String text) {
      var sendFurlMatch = SEND_FURL.matcher(text);
      boolean sendFurl = false;
      if (sendFurlMatch.find()) {
        var value = sendFurlMatch.group(1);
        sendFurl = value.equalsIgnoreCase("true") || value.equals("1");
      }
      var hosts = new ArrayList<Host>();
      var python = PYTHON_ENGINES.matcher(text);
      if (python.find()) {
        var body = python.group(1).trim();
        var entry = PYTHON_ENTRY.matcher(body);
        int at = 0;
        while (at < body.length()) {
          if (!entry.find(at) || entry.start() != at) {
            throw new IllegalArgumentException("cannot read the engines dict near: "
                + body.substring(at).strip());
          }
          hosts.add(new Host(entry.group(2), Integer.parseInt(entry.group(3))));
          at = entry.end();
        }
        return new ClusterFile(hosts, sendFurl);
      }
      int number = 0;
      for (var raw : text.split("\n")) {
        number++;
        var line = raw.replaceAll("#.*", "").trim();
        if (line.isEmpty() || SEND_FURL.matcher(raw).matches()) {
          continue;
        }
        var fields = line.split("\\s+");
        if (fields.length > 2) {
          throw new IllegalArgumentException("line " + number + ": expected 'host [count]'");
        }
        int count;
        try {
          count = fields.length == 2 ? Integer.parseInt(fields[1]) : 1;
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("line " + number + ": not a count: " + fields[1]);
        }
        try {
          hosts.add(new Host(fields[0], count));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("line " + number + ": " + e.getMessage());
        }
      }
      return new ClusterFile(hosts, sendFurl);
    }

    /** How many engines in all. */
    public int engines() {
      return hosts.stream().mapToInt(Host::engines).sum();
    }
  }

  private final List<String> ssh;
  private final List<String> scp;
  private final String remoteIpengine;
  private final Path localIpythonDir;
  private final Path localFurl;
  private final List<String> engineArgs;

  /**
   * @param ssh the ssh command and its options, such as {@code [ssh, -o, BatchMode=yes]}
   * @param scp the scp command and its options
   * @param remoteIpengine the path of {@code ipengine} on the remote hosts
   * @param localIpythonDir this side's IPython directory: without sending the furl file, remote
   *     engines use the same path, as on a shared file system (the original's assumption)
   * @param localFurl the engine furl file to send when the cluster file says so
   * @param engineArgs more ipengine options (--classpath, --wait)
   */
  public SshEngines(List<String> ssh, List<String> scp, String remoteIpengine,
      Path localIpythonDir, Path localFurl, List<String> engineArgs) {
    this.ssh = List.copyOf(ssh);
    this.scp = List.copyOf(scp);
    this.remoteIpengine = Objects.requireNonNull(remoteIpengine, "remoteIpengine");
    this.localIpythonDir = localIpythonDir.toAbsolutePath();
    this.localFurl = localFurl.toAbsolutePath();
    this.engineArgs = List.copyOf(engineArgs);
  }

  /** The commands that copy the engine furl file to {@code host}, privately, in order. */
  public List<List<String>> sendFurlCommands(String host) {
    var dir = REMOTE_FURL.substring(0, REMOTE_FURL.lastIndexOf('/'));
    var mkdir = new ArrayList<>(ssh);
    mkdir.add(host);
    mkdir.add("umask 077 && mkdir -p " + dir + " && chmod 700 " + dir);
    var copy = new ArrayList<>(scp);
    copy.add("-p");
    copy.add(localFurl.toString());
    copy.add(host + ":" + REMOTE_FURL);
    return List.of(mkdir, copy);
  }

  /** The command that runs one engine on {@code host} and prints its pid first. */
  public List<String> engineCommand(String host, boolean furlSent) {
    var remote = new StringBuilder("echo " + PID_MARKER + "$$; exec ");
    remote.append(quote(remoteIpengine));
    if (furlSent) {
      remote.append(" --furl-file ").append(quote(REMOTE_FURL));
    } else {
      remote.append(" --ipythondir ").append(quote(localIpythonDir.toString()));
    }
    for (var arg : engineArgs) {
      remote.append(' ').append(quote(arg));
    }
    var command = new ArrayList<>(ssh);
    command.add(host);
    command.add(remote.toString());
    return command;
  }

  /** The command that sends SIGTERM to the engine with this pid on {@code host}. */
  public List<String> stopCommand(String host, long pid) {
    var command = new ArrayList<>(ssh);
    command.add(host);
    command.add("kill -TERM " + pid);
    return command;
  }

  /** The remote pid a session's output line announces, if it is that line. */
  public static OptionalLong remotePid(String line) {
    var trimmed = line.trim();
    if (!trimmed.startsWith(PID_MARKER)) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(trimmed.substring(PID_MARKER.length()).trim()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** Quotes a word for a POSIX shell: single quotes, with embedded ones spelled out. */
  public static String quote(String word) {
    if (!word.isEmpty() && word.matches("[A-Za-z0-9_./:=@%+,-]+")) {
      return word;
    }
    return "'" + word.replace("'", "'\"'\"'") + "'";
  }
}
