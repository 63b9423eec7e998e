package org.jipython.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.jipython.launcher.SshEngines;
import org.jipython.launcher.SshEngines.ClusterFile;
import org.jipython.launcher.SshEngines.Host;
import org.junit.jupiter.api.Test;

/**
 * The cluster file and the ssh command lines of {@code ipcluster ssh}. There is no ssh server
 * here, so these check what would run on the remote hosts, not a remote run.
 */
class SshEnginesTest {
  private final SshEngines engines = new SshEngines(List.of("ssh", "-o", "BatchMode=yes"),
      List.of("scp", "-q"), "/opt/jipython/scripts/ipengine", Path.of("/home/me/.ipython"),
      Path.of("/home/me/.ipython/security/ipcontroller-engine.furl"),
      List.of("--classpath", "/opt/libs/my lib.jar", "--wait", "120"));

  @Test
  void theOriginalsPythonClusterFileIsRead() {
    var file = ClusterFile.parse("""
        # a cluster file as IPython 0.10 documented it
        send_furl = True
        engines = { 'host1.example.com' : 2,
                    "host2.example.com": 5 ,
                    'host3' : 1 }
        """);

    assertEquals(List.of(new Host("host1.example.com", 2), new Host("host2.example.com", 5),
        new Host("host3", 1)), file.hosts());
    assertTrue(file.sendFurl());
    assertEquals(8, file.engines());
  }

  @Test
  void thePlainClusterFileHasOneHostALine() {
    var file = ClusterFile.parse("""
        node0 4   # four engines
        me@node1

        node2 2
        """);

    assertEquals(List.of(new Host("node0", 4), new Host("me@node1", 1), new Host("node2", 2)),
        file.hosts());
    assertFalse(file.sendFurl());
  }

  @Test
  void aWrongClusterFileIsRefusedNamingTheLine() {
    var badCount = assertThrows(IllegalArgumentException.class,
        () -> ClusterFile.parse("node0 4\nnode1 many\n"));
    assertEquals("line 2: not a count: many", badCount.getMessage());
    var option = assertThrows(IllegalArgumentException.class,
        () -> ClusterFile.parse("-oProxyCommand=evil 1\n"));
    assertTrue(option.getMessage().startsWith("line 1: not a host name"), option.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ClusterFile.parse("# nothing\n"));
    assertThrows(IllegalArgumentException.class,
        () -> ClusterFile.parse("engines = {'a': 2, b: 3}"));
  }

  @Test
  void anEngineRunsInTheForegroundOfItsSshSessionAndPrintsItsPidFirst() {
    assertEquals(List.of("ssh", "-o", "BatchMode=yes", "node0",
        "echo jipython-remote-pid $$; exec /opt/jipython/scripts/ipengine"
            + " --ipythondir /home/me/.ipython --classpath '/opt/libs/my lib.jar' --wait 120"),
        engines.engineCommand("node0", false));
    assertEquals("echo jipython-remote-pid $$; exec /opt/jipython/scripts/ipengine"
            + " --furl-file .ipython/security/ipcontroller-engine.furl"
            + " --classpath '/opt/libs/my lib.jar' --wait 120",
        engines.engineCommand("node0", true).get(4));
  }

  @Test
  void theFurlFileIsSentPrivatelyToTheOriginalsPlace() {
    assertEquals(List.of(
        List.of("ssh", "-o", "BatchMode=yes", "node1",
            "umask 077 && mkdir -p .ipython/security && chmod 700 .ipython/security"),
        List.of("scp", "-q", "-p", "/home/me/.ipython/security/ipcontroller-engine.furl",
            "node1:.ipython/security/ipcontroller-engine.furl")),
        engines.sendFurlCommands("node1"));
  }

  @Test
  void stoppingSignalsExactlyTheEnginesPid() {
    assertEquals(OptionalLong.of(4242), SshEngines.remotePid("jipython-remote-pid 4242"));
    assertEquals(OptionalLong.empty(), SshEngines.remotePid("ipengine: registered as engine 0"));
    assertEquals(List.of("ssh", "-o", "BatchMode=yes", "node0", "kill -TERM 4242"),
        engines.stopCommand("node0", 4242));
  }

  @Test
  void wordsAreQuotedForTheRemoteShell() {
    assertEquals("plain/path-1.jar", SshEngines.quote("plain/path-1.jar"));
    assertEquals("'a b'", SshEngines.quote("a b"));
    assertEquals("'it'\"'\"'s'", SshEngines.quote("it's"));
    assertEquals("'$(rm -rf ~)'", SshEngines.quote("$(rm -rf ~)"));
    assertEquals("''", SshEngines.quote(""));
  }
}
