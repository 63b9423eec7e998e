package org.jipython.runtime.engine;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.regex.Pattern;
import org.python.antlr.base.mod;
import org.python.core.CompileMode;
import org.python.core.CompilerFlags;
import org.python.core.ParserFacade;
import org.python.core.Py;
import org.python.core.PyCode;
import org.python.core.PyException;
import org.python.core.PyFile;
import org.python.core.PyFrame;
import org.python.core.PyFunction;
import org.python.core.PyObject;
import org.python.core.PyObjectDerived;
import org.python.core.PyString;
import org.python.core.PyStringMap;
import org.python.core.PySystemState;
import org.python.core.PyTableCode;
import org.python.core.ThreadState;
import org.python.core.imp;
import org.python.util.PythonInterpreter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An engine's Python interpreter: one Jython interpreter with a persistent user namespace and
 * its own {@code sys}, so several of them in one JVM do not see each other's modules, {@code sys}
 * attributes, builtins or globals.
 *
 * <p>{@link #execute} follows IPython's engine: output is captured per call, the value of a
 * top-level expression statement is kept as its {@code repr()} instead of being printed, and an
 * exception raised by the code comes back as data in the result. Compiled code is cached per
 * source text, so repeating a command costs microseconds instead of a compilation.
 *
 * <p>Isolation stops at modules Jython implements in Java ({@code math}, {@code time},
 * {@code cPickle}, ...): one Java class backs them in the whole JVM, so {@code math.pi = 3.0} is
 * seen by every interpreter. Modules written in Python are loaded once per interpreter.
 *
 * <p>Not thread-safe: call it from one thread only (the engine runs it on a dedicated thread).
 * Jython keeps the current interpreter state per thread, and every call here makes this
 * interpreter's state current on the calling thread.
 */
public final class EngineInterpreter implements AutoCloseable {
  /** The file name compiled code reports in tracebacks. */
  static final String SOURCE_NAME = "<string>";
  /** How many distinct sources keep their compiled code. */
  static final int CODE_CACHE_ENTRIES = 512;
  /** How many source characters the code cache may hold in all. */
  static final long CODE_CACHE_CHARS = 4L << 20;
  /** How many execute results stay available to {@link #result(int)}. */
  static final int HISTORY_SIZE = 1000;

  /**
   * The names IPython's engine kept out of {@code keys()}, plus {@code __doc__} and
   * {@code __package__}, which Jython's {@code __main__} module adds and the original namespace
   * did not have.
   */
  private static final Set<String> HIDDEN_NAMES = Set.of("__name__", "_ih", "_oh",
      "__builtins__", "In", "Out", "_", "__", "___", "__IP", "input", "raw_input", "__doc__",
      "__package__");
  /** PEP 263: a comment on line 1 or 2 naming the source encoding. */
  private static final Pattern CODING_DECLARATION =
      Pattern.compile("^[ \\t\\f]*#.*?coding[:=][ \\t]*[-_.a-zA-Z0-9]+");
  /** The class attribute that marks a function canned by {@code ipython1.kernel.codeutil}. */
  private static final String CANNED_MARK = "_jipython_canned";
  /** The module that turns functions into source and back. */
  private static final String CODEUTIL_MODULE = "ipython1.kernel.codeutil";
  /** What Jython's {@code InteractiveInterpreter.interrupt} throws into running code. */
  private static final String JYTHON_INTERRUPT_MESSAGE = "Python interrupt";

  private static final Logger log = LoggerFactory.getLogger(EngineInterpreter.class);
  /**
   * {@code PyTableCode.funcs}: the compiled unit a code object belongs to. Jython keeps no
   * source with code; this ties a function defined by {@link #execute} to the source that
   * defined it. Null if this Jython hides it, and then such functions cannot be pulled.
   */
  private static final Field FUNCTION_TABLE = functionTableField();
  private static boolean jythonInitialized;

  private final Map<String, Object> initialNames;
  private final CodeCache codeCache = new CodeCache();
  /** Source of each unit compiled by execute, while functions or the cache still use it. */
  private final Map<Object, String> sourcesByUnit = new WeakHashMap<>();
  private final Map<Integer, ExecuteResult> history = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Integer, ExecuteResult> eldest) {
      return size() > HISTORY_SIZE;
    }
  };
  private Session session;
  private int executionCount;
  private int compilations;
  private boolean closed;

  /**
   * Initializes the Jython runtime once per JVM; later calls do nothing. The first interpreter
   * costs about 1.3 s with {@code site} imported and about 0.5 s without; without it each later
   * interpreter also costs milliseconds instead of about 70 ms. The standard library stays
   * importable either way.
   *
   * @param importSite whether every new interpreter imports Python's {@code site} module
   */
  public static synchronized void initializeJython(boolean importSite) {
    if (jythonInitialized) {
      return;
    }
    var props = new Properties();
    props.setProperty("python.import.site", Boolean.toString(importSite));
    // under LANG=C Jython would pick ASCII for the console
    props.setProperty("python.console.encoding", "UTF-8");
    props.setProperty("python.cachedir.skip", "true");
    PythonInterpreter.initialize(System.getProperties(), props, new String[0]);
    jythonInitialized = true;
  }

  /**
   * Creates an interpreter whose namespace holds {@code __name__ = '__main__'},
   * {@code __builtins__} and the given names. Initializes Jython without {@code site} if
   * {@link #initializeJython} was not called before.
   *
   * @param initialNames names to bind, converted with {@code Py.java2py}; a null value becomes
   *     {@code None}. The engine passes {@code id} and {@code mpi}. {@link #reset()} binds the
   *     same values again.
   */
  public EngineInterpreter(Map<String, Object> initialNames) {
    initializeJython(false);
    // LinkedHashMap because Map.copyOf refuses the null values that stand for None
    this.initialNames =
        Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(initialNames)));
    this.session = new Session(this.initialNames);
  }

  /**
   * Runs Python source in the persistent namespace. Never throws for anything the code does:
   * syntax errors, exceptions, {@code sys.exit()} and interrupts come back as
   * {@link ExecuteResult#error()}, with the output printed before them, and the interpreter
   * stays usable.
   *
   * <p>An interrupt of the calling thread is meant for the code that runs: it raises
   * {@code KeyboardInterrupt} in a blocking call such as {@code time.sleep}, and this method
   * clears the thread's interrupt flag before it returns so the next execute is not hit by it.
   *
   * @param source Python 2 source, one or more statements
   * @return the result, numbered by this interpreter's execution counter
   * @throws IllegalStateException if the interpreter was closed
   */
  public ExecuteResult execute(String source) {
    Objects.requireNonNull(source, "source");
    ensureOpen();
    int number = ++executionCount;
    Session current = session;
    StackMark mark = current.enter();
    current.startCapture();
    RemoteError error = null;
    String displayRepr = null;
    try {
      current.interpreter.exec(compile(source));
    } catch (Throwable t) {
      mark.restore();
      error = current.toRemoteError(t);
    }
    try {
      // repr at the end, not in the hook: a loop displaying a million values stays cheap
      displayRepr = current.displayTrap.takeRepr();
    } catch (Throwable t) {
      mark.restore();
      if (error == null) {
        error = current.toRemoteError(t);
      }
    }
    var result = new ExecuteResult(number, source, current.stdout.take(), current.stderr.take(),
        displayRepr, error);
    history.put(number, result);
    Thread.interrupted();
    return result;
  }

  /**
   * Unpickles a value and binds it in the namespace. A function canned by
   * {@code ipython1.kernel.codeutil} (push_function) is compiled again from its source, with the
   * namespace as its globals.
   *
   * @param name the name to bind
   * @param pickle a pickle, protocol 2 or lower, as raw bytes
   * @throws PythonException if unpickling raised
   * @throws IllegalStateException if the interpreter was closed
   */
  public void push(String name, byte[] pickle) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(pickle, "pickle");
    ensureOpen();
    Session current = session;
    StackMark mark = current.enter();
    try {
      // a Python 2 str holds bytes as chars 0-255: latin-1 maps them one to one
      var data = new PyString(new String(pickle, StandardCharsets.ISO_8859_1));
      PyObject value = current.pickleFunction("loads").__call__(data);
      // a class attribute, looked up on the type: no user __getattr__ runs for plain values
      if (value instanceof PyObjectDerived && value.getType().lookup(CANNED_MARK) != null) {
        // push_function: the function travelled as source; its globals are this namespace
        value = current.codeutil("uncan").__call__(value, current.namespace);
      }
      current.namespace.__setitem__(name, value);
    } catch (RuntimeException | Error e) {
      mark.restore();
      throw new PythonException(current.toRemoteError(e));
    }
  }

  /**
   * Pickles the value bound to a name, with {@code cPickle.dumps(value, 2)}. A function is
   * pickled canned, as its source ({@code ipython1.kernel.codeutil.can}): functions defined by
   * {@link #execute} or pushed with push_function can be pulled.
   *
   * @param name the name to look up in the namespace
   * @return the pickle's raw bytes
   * @throws PythonException {@code NameError} ({@code name x is not defined}) if the name is not
   *     bound, or the error canning or pickling raised
   * @throws IllegalStateException if the interpreter was closed
   */
  public byte[] pull(String name) {
    Objects.requireNonNull(name, "name");
    ensureOpen();
    Session current = session;
    StackMark mark = current.enter();
    PyObject value = current.namespace.__finditem__(name);
    if (value == null) {
      // the original engine's wording: no quotes around the name
      String message = "name " + name + " is not defined";
      throw new PythonException(new RemoteError("NameError", message,
          "NameError: " + message + "\n"));
    }
    try {
      if (value instanceof PyFunction function) {
        // functions travel as source; pull_function compiles them again on the client
        value = current.codeutil("can").__call__(function, sourceOf(function));
      }
      var pickle = current.pickleFunction("dumps").__call__(value, Py.newInteger(2));
      return ((PyString) pickle).toBytes();
    } catch (RuntimeException | Error e) {
      mark.restore();
      throw new PythonException(current.toRemoteError(e));
    }
  }

  /**
   * The names bound in the namespace, sorted, without {@code __builtins__}, {@code __name__},
   * {@code __doc__}, {@code __package__} and the history names IPython's engine hid. {@code id}
   * and {@code mpi} are listed.
   *
   * @throws IllegalStateException if the interpreter was closed
   */
  public List<String> keys() {
    ensureOpen();
    var names = new ArrayList<String>();
    for (PyObject key : session.namespace.keys().asIterable()) {
      // globals() accepts any key; only strings can be names
      if (key instanceof PyString && !HIDDEN_NAMES.contains(key.toString())) {
        names.add(key.toString());
      }
    }
    Collections.sort(names);
    return names;
  }

  /**
   * Throws away the namespace, {@code sys} and imported modules, and starts again with the
   * initial names. The execution counter restarts at 1 and the kept results are dropped.
   *
   * @throws IllegalStateException if the interpreter was closed
   */
  public void reset() {
    ensureOpen();
    session.close();
    session = new Session(initialNames);
    executionCount = 0;
    history.clear();
  }

  /** The number of the last execute: 0 for a fresh or reset interpreter. */
  public int executionCount() {
    return executionCount;
  }

  /**
   * The result of an earlier execute, failed ones included, as long as it is among the last
   * {@value #HISTORY_SIZE}.
   *
   * @param number the execute's number
   */
  public Optional<ExecuteResult> result(int number) {
    return Optional.ofNullable(history.get(number));
  }

  /**
   * Runs Python's exit functions and releases the interpreter. Later calls do nothing; every
   * other method then throws {@link IllegalStateException}.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    session.close();
    history.clear();
  }

  /** How many sources were compiled, for tests of the code cache. */
  int compilations() {
    return compilations;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("the engine interpreter was closed");
    }
  }

  /**
   * Compiles the whole source at once, in 'single' mode so that top-level expression
   * statements go through {@code sys.displayhook}; Jython, like CPython, leaves expression
   * statements inside functions and classes alone. Fresh compiler flags each time, so a
   * {@code from __future__} import affects only its own source, and a code object holds no
   * reference to a namespace, so cached code stays valid after {@link #reset()}.
   */
  private PyCode compile(String source) {
    PyCode code = codeCache.get(source);
    if (code == null) {
      var flags = new CompilerFlags();
      // through a Reader: the String overloads drop characters above U+00FF
      mod tree = ParserFacade.parse(new StringReader(withoutCodingDeclaration(source)),
          CompileMode.exec, SOURCE_NAME, flags);
      code = Py.compile_flags(tree, SOURCE_NAME, CompileMode.single, flags);
      compilations++;
      codeCache.put(source, code);
      Object unit = compiledUnit(code);
      if (unit != null) {
        sourcesByUnit.put(unit, source);
      }
    }
    return code;
  }

  /** The source of the execute that defined {@code function}, or None if not one of ours. */
  private PyObject sourceOf(PyFunction function) {
    Object unit = compiledUnit(function.__code__);
    String source = unit == null ? null : sourcesByUnit.get(unit);
    return source == null ? Py.None : Py.newUnicode(source);
  }

  private static Object compiledUnit(PyCode code) {
    if (FUNCTION_TABLE == null || !(code instanceof PyTableCode)) {
      return null;
    }
    try {
      return FUNCTION_TABLE.get(code);
    } catch (IllegalAccessException e) {
      return null;
    }
  }

  private static Field functionTableField() {
    try {
      Field field = PyTableCode.class.getDeclaredField("funcs");
      field.setAccessible(true);
      return field;
    } catch (ReflectiveOperationException | RuntimeException e) {
      log.info("functions defined by execute cannot be pulled with this Jython: {}",
          e.toString());
      return null;
    }
  }

  /**
   * Blanks a PEP 263 coding comment: the source is already decoded text, and Jython, like
   * CPython, refuses an encoding declaration in a unicode source.
   */
  static String withoutCodingDeclaration(String source) {
    if (!source.contains("coding")) {
      return source;
    }
    int start = 0;
    for (int line = 0; line < 2 && start <= source.length(); line++) {
      int end = source.indexOf('\n', start);
      if (end < 0) {
        end = source.length();
      }
      if (CODING_DECLARATION.matcher(source.substring(start, end)).lookingAt()) {
        // keep the line itself so that line numbers in tracebacks do not move
        return source.substring(0, start) + "#" + source.substring(end);
      }
      start = end + 1;
    }
    return source;
  }

  /** One interpreter state: what {@link #reset()} throws away. */
  private static final class Session {
    final PySystemState sys;
    final PythonInterpreter interpreter;
    final PyStringMap namespace = new PyStringMap();
    final Capture stdout = new Capture("<stdout>");
    final Capture stderr = new Capture("<stderr>");
    final DisplayTrap displayTrap = new DisplayTrap();
    private final Map<String, PyObject> pickleFunctions = new LinkedHashMap<>();
    private final Map<String, PyObject> codeutilFunctions = new LinkedHashMap<>();
    private PyObject formatException;

    Session(Map<String, Object> initialNames) {
      sys = new PySystemState();
      // every PySystemState shares one builtins dict: a copy keeps `__builtin__.x = 1` local
      sys.setBuiltins(PySystemState.getDefaultBuiltins().invoke("copy"));
      // an engine has no console: raw_input() must fail rather than wait on the process's stdin
      sys.stdin = new PyFile(new ByteArrayInputStream(new byte[0]), "<stdin>", "r", -1, false);
      interpreter = new PythonInterpreter(namespace, sys);
      for (var entry : initialNames.entrySet()) {
        Object value = entry.getValue();
        namespace.__setitem__(entry.getKey(), value == null ? Py.None : Py.java2py(value));
      }
    }

    /**
     * Makes this state the current one of the calling thread, as Jython looks it up there, and
     * marks where the thread's Python stack stands.
     */
    StackMark enter() {
      Py.setSystemState(sys);
      return StackMark.here();
    }

    /** Points sys.stdout, sys.stderr and sys.displayhook at this call's traps. */
    void startCapture() {
      // set on every call: user code may have replaced or closed them during the previous one
      sys.stdout = stdout.start();
      sys.stderr = stderr.start();
      sys.__setattr__("displayhook", displayTrap);
      displayTrap.clear();
    }

    PyObject pickleFunction(String name) {
      return pickleFunctions.computeIfAbsent(name,
          n -> imp.importName("cPickle", true).__getattr__(n));
    }

    /** A function of ipython1.kernel.codeutil, imported on first use. */
    PyObject codeutil(String name) {
      return codeutilFunctions.computeIfAbsent(name,
          n -> imp.importName(CODEUTIL_MODULE, false).__getattr__(n));
    }

    /** The Python view of any throwable escaping user code, with its traceback as Python prints. */
    RemoteError toRemoteError(Throwable thrown) {
      PyException e = thrown instanceof PyException pe ? pe : Py.JavaError(thrown);
      if (thrown instanceof Error && JYTHON_INTERRUPT_MESSAGE.equals(thrown.getMessage())) {
        var interrupt = new PyException(Py.KeyboardInterrupt);
        interrupt.traceback = e.traceback;
        e = interrupt;
      }
      try {
        e.normalize();
      } catch (RuntimeException ignored) {
        // the raw type and value still describe it
      }
      String typeName = typeName(e.type);
      return new RemoteError(typeName, text(e.value, typeName), traceback(e));
    }

    private static String typeName(PyObject type) {
      PyObject name = type.__findattr__("__name__");
      return name != null ? name.toString() : type.toString();
    }

    /** {@code str(value)}, or what Python prints when that raises too. */
    private static String text(PyObject value, String typeName) {
      if (value == null) {
        return "";
      }
      try {
        return value.__str__().toString();
      } catch (RuntimeException e) {
        return "<unprintable " + typeName + " object>";
      }
    }

    private String traceback(PyException e) {
      try {
        if (formatException == null) {
          formatException = imp.importName("traceback", true).__getattr__("format_exception");
        }
        PyObject tb = e.traceback != null ? e.traceback : Py.None;
        return Py.EmptyString.join(formatException.__call__(e.type, e.value, tb)).toString();
      } catch (RuntimeException formatFailed) {
        // Jython's own rendering prints Java frames as well, but says what happened
        return e.toString();
      }
    }

    void close() {
      enter();
      try {
        interpreter.close();
      } catch (RuntimeException e) {
        log.warn("closing a Python interpreter failed; its resources may leak", e);
      }
    }
  }

  /**
   * Where the calling thread's Python stack stood before user code ran. A Java error thrown
   * while Jython leaves a frame (its interrupt hook throws one from every trace event, including
   * the one for building the PyException) skips the frame pops: without {@link #restore()} the
   * thread keeps a dead frame, trace hook included, and the next exception built on this thread
   * throws the interrupt again.
   */
  private record StackMark(ThreadState thread, PyFrame frame, PyException exception, int depth) {
    static StackMark here() {
      ThreadState ts = Py.getThreadState();
      return new StackMark(ts, ts.frame, ts.exception, ts.call_depth);
    }

    void restore() {
      thread.frame = frame;
      thread.exception = exception;
      thread.call_depth = depth;
    }
  }

  /** One captured stream: bytes, so that both unicode and UTF-8 encoded str come out right. */
  private static final class Capture {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final String name;
    private PyFile file;

    Capture(String name) {
      this.name = name;
    }

    PyFile start() {
      if (file == null || file.getClosed()) {
        file = new PyFile(bytes, name, "w", -1, false);
        // Python 2 code reads sys.stdout.encoding, and print encodes unicode with it
        file.encoding = "utf-8";
      }
      flushQuietly();
      bytes.reset();
      return file;
    }

    String take() {
      flushQuietly();
      return bytes.size() == 0 ? "" : bytes.toString(StandardCharsets.UTF_8);
    }

    private void flushQuietly() {
      if (!file.getClosed()) {
        try {
          file.flush();
        } catch (PyException e) {
          // what was buffered is lost; what reached the stream is still reported
        }
      }
    }
  }

  /** Stands in for sys.displayhook: keeps the last displayed value instead of printing it. */
  private static final class DisplayTrap extends PyObject {
    private PyObject last;

    @Override
    public PyObject __call__(PyObject value) {
      // like Python's displayhook, None shows nothing and does not replace the last value
      if (value != Py.None) {
        last = value;
      }
      return Py.None;
    }

    void clear() {
      last = null;
    }

    String takeRepr() {
      PyObject value = last;
      last = null;
      return value == null ? null : value.__repr__().toString();
    }
  }

  /** Compiled code per source, least recently used out first, bounded in count and in chars. */
  private static final class CodeCache {
    private final LinkedHashMap<String, PyCode> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long chars;

    PyCode get(String source) {
      return entries.get(source);
    }

    void put(String source, PyCode code) {
      if (source.length() > CODE_CACHE_CHARS) {
        return;
      }
      if (entries.put(source, code) == null) {
        chars += source.length();
      }
      Iterator<Map.Entry<String, PyCode>> eldestFirst = entries.entrySet().iterator();
      while ((entries.size() > CODE_CACHE_ENTRIES || chars > CODE_CACHE_CHARS)
          && eldestFirst.hasNext()) {
        chars -= eldestFirst.next().getKey().length();
        eldestFirst.remove();
      }
    }
  }
}
