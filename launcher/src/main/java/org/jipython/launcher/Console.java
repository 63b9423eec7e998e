package org.jipython.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.python.core.Py;
import org.python.core.PyException;
import org.python.core.PyObject;
import org.python.core.PyStringMap;
import org.python.core.PySystemState;
import org.python.util.PythonInterpreter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code jipython}: the interactive console, a Jython REPL with IPython's {@code In [n]:} /
 * {@code Out[n]:} prompts and the client module importable. With a file it runs the file; with
 * standard input that is not a terminal it reads the session from it and echoes each input
 * after its prompt, so a piped session prints as it would have looked typed.
 */
@Command(name = "console", mixinStandardHelpOptions = true,
    description = "The jipython console; with FILE, run that file instead.")
final class Console implements Callable<Integer> {

  @Mixin Ipythondir ipythondir;

  @Parameters(arity = "0..1", paramLabel = "FILE", description = "A Python file to run.")
  Path file;

  @Override
  public Integer call() throws java.io.IOException {
    var folder = ipythondir.open();
    Logs.init("jipython", folder.logDir(), null);
    if (ipythondir.dir != null) {
      System.setProperty("jipython.ipythondir", ipythondir.dir.toAbsolutePath().toString());
    }
    if (file != null && !Files.isReadable(file)) {
      System.err.println("jipython: cannot read " + file);
      return 2;
    }
    var props = new Properties();
    props.setProperty("python.import.site", "false");
    props.setProperty("python.console.encoding", "UTF-8");
    props.setProperty("python.cachedir.skip", "true");
    PythonInterpreter.initialize(System.getProperties(), props, new String[] {""});
    int status;
    try (var interp = new PythonInterpreter(new PyStringMap(), new PySystemState())) {
      interp.set("_jipython_file", file == null ? Py.None : Py.newUnicode(file.toString()));
      interp.set("_jipython_tty", System.console() != null);
      interp.exec("import jipython_console\n"
          + "_jipython_status = jipython_console.main(_jipython_file, _jipython_tty)\n");
      PyObject result = interp.get("_jipython_status");
      status = result == null || result == Py.None ? 0 : result.asInt();
    } catch (PyException e) {
      System.err.println(e);
      status = 1;
    }
    System.out.flush();
    return status;
  }
}
