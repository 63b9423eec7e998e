package org.jipython.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.jipython.runtime.security.Furl;
import org.jipython.runtime.security.FurlFile;
import org.jipython.testkit.Home;
import org.jipython.testkit.NetworkNamespaces;
import org.jipython.testkit.Spawned;
import org.junit.jupiter.api.Test;

/**
 * Three hosts on one LAN, made of network namespaces with addresses that exist only inside them:
 * the controller listens on every interface of one and advertises its LAN address; an engine on
 * the second uses a copy of the engine furl file, an engine on the third a furl file naming the
 * wrong place, corrected with --controller-ip and --controller-port; a client on the third runs
 * code on both. Nothing can fall back to 127.0.0.1: each namespace has its own loopback.
 */
class RemoteHostsTest {
  private static final Duration START = Duration.ofSeconds(240);

  @Test
  void enginesOnOtherHostsFindTheControllerAtTheAddressItAdvertises() throws Exception {
    var unavailable = NetworkNamespaces.unavailable();
    assumeTrue(unavailable.isEmpty(), () -> "skipped: the kernel refuses network namespaces "
        + "here, so the three-host test cannot run: " + unavailable.orElse(""));
    var hosts = new LinkedHashMap<String, String>();
    hosts.put("host0", "10.200.0.1");
    hosts.put("host1", "10.200.0.2");
    hosts.put("host2", "10.200.0.3");
    var work = Files.createTempDirectory("jipython-remote-hosts-");
    var started = new ArrayList<Spawned>();
    NetworkNamespaces made;
    try {
      made = NetworkNamespaces.lan("jipy" + ProcessHandle.current().pid(), hosts);
    } catch (java.io.IOException e) {
      // namespaces can be made, but not the veth pairs or the bridge between them
      assumeTrue(false, "skipped: the kernel refuses the virtual network for the three-host "
          + "test: " + e.getMessage());
      return;
    }
    try (var lan = made) {
      var controllerDir = work.resolve("host0");
      var controller = Spawned.start(lan.exec("host0",
          List.of(Home.script("ipcontroller").toString(), "--ip", "0.0.0.0")),
          Map.of("IPYTHONDIR", controllerDir.toString()));
      started.add(controller);
      var advertised = controller.awaitLine(l -> l.contains("ipcontroller: engines connect to "),
          START);
      controller.awaitLine(l -> l.endsWith("ipcontroller: ready"), START);
      var engineFurl = FurlFile.read(controllerDir.resolve("security/ipcontroller-engine.furl"));
      assertEquals("10.200.0.1", engineFurl.furl().host(), advertised);
      assertEquals("10.200.0.1",
          FurlFile.read(controllerDir.resolve("security/ipcontroller-mec.furl")).furl().host());

      // host1: the engine furl file copied to its default place
      var host1Dir = work.resolve("host1");
      copyPrivately(controllerDir.resolve("security/ipcontroller-engine.furl"),
          host1Dir.resolve("security/ipcontroller-engine.furl"));
      var engine1 = Spawned.start(lan.exec("host1",
          List.of(Home.script("ipengine").toString())), Map.of("IPYTHONDIR", host1Dir.toString()));
      started.add(engine1);

      // host2: a furl file naming 127.0.0.1:1, put right by --controller-ip/--controller-port
      var host2Dir = work.resolve("host2");
      var wrongPlace = host2Dir.resolve("engine-elsewhere.furl");
      Files.createDirectories(host2Dir);
      var f = engineFurl.furl();
      new FurlFile(new Furl(f.fingerprint(), "127.0.0.1", 1, f.interfaceName(), f.token()),
          engineFurl.identity()).write(wrongPlace);
      var engine2 = Spawned.start(lan.exec("host2",
          List.of(Home.script("ipengine").toString(), "--furl-file", wrongPlace.toString(),
              "--controller-ip", "10.200.0.1", "--controller-port", Integer.toString(f.port()))),
          Map.of("IPYTHONDIR", host2Dir.toString()));
      started.add(engine2);

      engine1.awaitLine(l -> l.contains("ipengine: registered as engine "), START);
      engine2.awaitLine(l -> l.contains("ipengine: registered as engine "), START);

      var controllerLog = readLogs(controllerDir);
      var info = Pattern.compile("Engine Info: \\d+ (10\\.200\\.0\\.\\d+) ");
      var engineHosts = info.matcher(controllerLog).results().map(m -> m.group(1)).sorted()
          .toList();
      assertEquals(List.of("10.200.0.2", "10.200.0.3"), engineHosts, controllerLog);

      // a client on host2 with a copy of the MultiEngine furl file
      var clientDir = work.resolve("client");
      copyPrivately(controllerDir.resolve("security/ipcontroller-mec.furl"),
          clientDir.resolve("security/ipcontroller-mec.furl"));
      var console = runConsole(lan.exec("host2", List.of(Home.script("jipython").toString())),
          clientDir, work.resolve("session.py"), """
              from ipython1.kernel import client
              mec = client.MultiEngineClient()
              print sorted(mec.get_ids())
              mec.execute('import socket; n = 6 * 7')
              print 'answers', mec.pull('n')
              """);
      assertTrue(console.contains("[0, 1]"), console);
      assertTrue(console.contains("answers [42, 42]"), console);
    } finally {
      var killed = new ArrayList<ProcessHandle>();
      for (int i = started.size() - 1; i >= 0; i--) {
        killed.addAll(started.get(i).stop(Duration.ofSeconds(20)));
      }
      assertEquals(List.of(), killed, "processes that ignored SIGTERM");
    }
  }

  private static void copyPrivately(Path from, Path to) throws Exception {
    Files.createDirectories(to.getParent(),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
  }

  private static String readLogs(Path ipythonDir) throws Exception {
    var text = new StringBuilder();
    try (var files = Files.list(ipythonDir.resolve("log"))) {
      for (var file : files.sorted().toList()) {
        text.append(Files.readString(file));
      }
    }
    return text.toString();
  }

  private static String runConsole(List<String> command, Path ipythonDir, Path sessionFile,
      String session) throws Exception {
    Files.writeString(sessionFile, session);
    var builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectInput(sessionFile.toFile());
    builder.environment().put("IPYTHONDIR", ipythonDir.toString());
    var process = builder.start();
    var output = new StringBuilder();
    var reader = new Thread(() -> {
      try (var in = process.getInputStream()) {
        output.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      } catch (java.io.IOException e) {
        // ended
      }
    });
    reader.start();
    if (!process.waitFor(START.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      reader.join(5000);
      throw new AssertionError("the console did not finish:\n" + output);
    }
    reader.join(5000);
    assertEquals(0, process.exitValue(), output.toString());
    return output.toString();
  }
}
