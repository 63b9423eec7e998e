package org.jipython.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jipython.actors.client.MultiEngineClient;
import org.jipython.testkit.Home;
import org.jipython.testkit.LocalCluster;
import org.jipython.testkit.Processes;
import org.junit.jupiter.api.Test;

/**
 * {@code ipcluster ssh} end to end, with stand-ins for ssh and scp that run the remote command
 * on this machine in a "remote home" folder (there is no ssh server here). What runs is exactly
 * what ipcluster would run remotely: the furl file sent with scp, the engines started in the
 * foreground of their sessions, stopped by their pids.
 */
class SshModeTest {
  private static final String FAKE_SSH = """
      #!/bin/sh
      # stand-in for ssh: skip the options, note the host, run the command in $FAKE_HOME
      while [ $# -gt 1 ]; do
        case "$1" in
          -o) shift 2 ;;
          -*) shift ;;
          *) host=$1; shift; break ;;
        esac
      done
      echo "$host $1" >> "$FAKE_HOME/sessions.log"
      cd "$FAKE_HOME" && exec sh -c "$1"
      """;
  private static final String FAKE_SCP = """
      #!/bin/sh
      # stand-in for scp: copies SOURCE to HOST:DEST as $FAKE_HOME/DEST, keeping the mode
      while [ $# -gt 2 ]; do
        case "$1" in
          -o) shift 2 ;;
          -*) shift ;;
          *) break ;;
        esac
      done
      dest=${2#*:}
      cp -p "$1" "$FAKE_HOME/$dest"
      """;

  @Test
  void enginesFromAClusterFileStartOverSshWithTheSentFurlFileAndStopByPid() throws Exception {
    var work = Files.createTempDirectory("jipython-ssh-mode-");
    var fakeHome = Files.createDirectories(work.resolve("remote-home"));
    var ssh = executable(work.resolve("fake-ssh"), FAKE_SSH, fakeHome);
    var scp = executable(work.resolve("fake-scp"), FAKE_SCP, fakeHome);
    var clusterFile = work.resolve("clusterfile.py");
    Files.writeString(clusterFile, """
        send_furl = True
        engines = {'nodeA': 1, 'nodeB': 1}
        """);

    var cluster = LocalCluster.start(2, "ssh", "--clusterfile", clusterFile.toString(), "--ssh", ssh.toString(), "--scp",
        scp.toString(), "--remote-ipengine", Home.script("ipengine").toString());
    List<ProcessHandle> everything;
    try (var mec = MultiEngineClient.connect(cluster.furl("ipcontroller-mec.furl"))) {
      assertEquals(List.of(0, 1), mec.getIds().toCompletableFuture().get(60, TimeUnit.SECONDS));
      everything = Processes.tree(cluster.ipclusterProcess());
    } catch (Throwable t) {
      cluster.stop();
      throw t;
    }
    var sent = fakeHome.resolve(".ipython/security/ipcontroller-engine.furl");
    assertEquals(Files.readString(cluster.furl("ipcontroller-engine.furl")),
        Files.readString(sent));
    assertEquals(PosixFilePermissions.fromString("rw-------"),
        Files.getPosixFilePermissions(sent));
    assertFalse(Files.getPosixFilePermissions(sent.getParent())
        .contains(PosixFilePermission.OTHERS_READ));
    var sessions = Files.readString(fakeHome.resolve("sessions.log"));
    assertTrue(sessions.contains("nodeA echo jipython-remote-pid $$; exec "), sessions);
    assertTrue(sessions.contains("nodeB echo jipython-remote-pid $$; exec "), sessions);

    assertEquals(List.of(), cluster.stop(), "processes that had to be SIGKILLed");
    for (var p : everything) {
      assertFalse(p.isAlive(), "pid " + p.pid() + " survived ipcluster");
    }
    var stops = Files.readString(fakeHome.resolve("sessions.log")).lines()
        .filter(l -> l.contains(" kill -TERM ")).count();
    assertEquals(2, stops, Files.readString(fakeHome.resolve("sessions.log")));
  }

  private static Path executable(Path file, String text, Path fakeHome) throws Exception {
    Files.writeString(file, text.replace("#!/bin/sh\n", "#!/bin/sh\nFAKE_HOME='" + fakeHome
        + "'\n"));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    return file;
  }
}
