package org.jipython.runtime.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.python.core.Py;
import org.python.core.ThreadState;
import org.python.util.InteractiveInterpreter;

class EngineInterpreterTest {
  private EngineInterpreter engine;

  @BeforeEach
  void createEngine() {
    engine = new EngineInterpreter(engineNames(3));
  }

  @AfterEach
  void closeEngine() {
    engine.close();
  }

  private static Map<String, Object> engineNames(Integer id) {
    var names = new HashMap<String, Object>();
    names.put("id", id);
    names.put("mpi", null);
    return names;
  }

  private ExecuteResult ok(String source) {
    var result = engine.execute(source);
    assertTrue(result.ok(), () -> "unexpected error: " + result.error());
    return result;
  }

  @Test
  void printStatementOutputIsCapturedPerExecuteAndNumberedFromOne() {
    var first = ok("print \"Hello World\"");
    assertEquals(1, first.number());
    assertEquals("print \"Hello World\"", first.input());
    assertEquals("Hello World\n", first.stdout());
    assertEquals("", first.stderr());
    assertNull(first.displayRepr());
    assertNull(first.error());

    var second = ok("print 'a', 1");
    assertEquals(2, second.number());
    assertEquals("a 1\n", second.stdout());
    assertEquals(2, engine.executionCount());
  }

  @Test
  void failedExecutesAreNumberedToo() {
    assertEquals(1, engine.execute("1/0").number());
    assertEquals(2, engine.execute("x = ").number());
    assertEquals(3, ok("a = 1").number());
    assertEquals(3, engine.executionCount());
  }

  @Test
  void zeroDivisionComesBackAsDataAndTheInterpreterKeepsWorking() {
    var result = engine.execute("1/0");

    assertFalse(result.ok());
    var error = result.error();
    assertEquals("ZeroDivisionError", error.typeName());
    assertEquals("integer division or modulo by zero", error.message());
    assertEquals("ZeroDivisionError: integer division or modulo by zero", error.oneLine());
    assertEquals("Traceback (most recent call last):\n"
        + "  File \"<string>\", line 1, in <module>\n"
        + "ZeroDivisionError: integer division or modulo by zero\n", error.traceback());
    assertEquals("2\n", ok("print 1 + 1").stdout());
  }

  @Test
  void syntaxErrorComesBackAsData() {
    var result = engine.execute("x = ");

    assertEquals("SyntaxError", result.error().typeName());
    assertTrue(result.error().traceback().endsWith("\n"), result.error().traceback());
    assertTrue(result.error().traceback().contains("SyntaxError: "), result.error().traceback());
    assertEquals("", result.stdout());
    assertEquals("ok\n", ok("print 'ok'").stdout());
  }

  @Test
  void outputPrintedBeforeAnExceptionIsKept() {
    var result = engine.execute("print 'before'\n1/0\nprint 'after'");

    assertEquals("before\n", result.stdout());
    assertEquals("ZeroDivisionError", result.error().typeName());
    assertTrue(result.error().traceback().contains("line 2, in <module>"));
  }

  @Test
  void stderrIsCapturedApartFromStdout() {
    var result = ok("import sys; print >>sys.stderr, \"oops\"; print 'out'");

    assertEquals("oops\n", result.stderr());
    assertEquals("out\n", result.stdout());
    assertEquals("", ok("pass").stderr());
  }

  @Test
  void aTrailingExpressionIsDisplayedAsItsRepr() {
    assertEquals("5", ok("a = 5\na").displayRepr());
    assertNull(ok("None").displayRepr());
    assertEquals("'x'", ok("'x'").displayRepr());
    assertEquals("2", ok("1\n2").displayRepr());
    assertEquals("2", ok("for i in range(3): i").displayRepr());
    assertNull(ok("a = 6").displayRepr());
    assertEquals("", ok("[1, 2]").stdout());
  }

  @Test
  void expressionsInsideFunctionsAreNotDisplayed() {
    assertNull(ok("def f():\n  99\nf()").displayRepr());
    assertEquals("7", ok("def g():\n  99\n  return 7\ng()").displayRepr());
  }

  @Test
  void theNamespacePersistsAcrossExecutes() {
    ok("x = 40\ndef plus2(n): return n + 2");

    assertEquals("42\n", ok("print plus2(x)").stdout());
  }

  @Test
  void futurePrintFunctionDoesNotStickToLaterExecutes() {
    var printFunction = ok("from __future__ import print_function\n"
        + "print('a', 'b', sep='-', end='')");
    assertEquals("a-b", printFunction.stdout());

    assertEquals("x\n", ok("print \"x\"").stdout());
  }

  @Test
  void unicodeSourceCharactersSurvive() {
    ok("s = u'\u2713'");

    assertEquals("1\n", ok("print len(s)").stdout());
    assertEquals("\u2713\n", ok("print s").stdout());
    assertEquals("u'\\u2713'", ok("s").displayRepr());
    assertEquals("utf-8\n", ok("import sys; print sys.stdout.encoding").stdout());
  }

  @Test
  void aCodingDeclarationIsIgnoredBecauseTheSourceIsAlreadyText() {
    var result = ok("# -*- coding: utf-8 -*-\nprint len(u'\u2713')\n1/0 if False else None");

    assertEquals("1\n", result.stdout());
    assertEquals("#\nx = 1", EngineInterpreter.withoutCodingDeclaration("# coding=latin-1\nx = 1"));
    assertEquals("x = 'coding: utf-8'",
        EngineInterpreter.withoutCodingDeclaration("x = 'coding: utf-8'"));
  }

  @Test
  void aPulledPickleCanBePushedIntoAnotherInterpreter() {
    try (var other = new EngineInterpreter(engineNames(4))) {
      other.execute("data = [1, 'two', {'three': 3.0}, (4, None), u'\u2713']");
      byte[] pickle = other.pull("data");
      assertEquals((byte) 0x80, pickle[0]);
      assertEquals(2, pickle[1]);

      engine.push("copy", pickle);

      assertEquals("True\n",
          ok("print copy == [1, 'two', {'three': 3.0}, (4, None), u'\u2713']").stdout());
      other.push("back", engine.pull("copy"));
      assertEquals("True\n", other.execute("print back == data").stdout());
      assertArrayEquals(pickle, engine.pull("copy"));
    }
  }

  @Test
  void pullingAMissingNameRaisesNameError() {
    var thrown = assertThrows(PythonException.class, () -> engine.pull("x"));

    assertEquals("NameError", thrown.error().typeName());
    assertEquals("name x is not defined", thrown.error().message());
  }

  @Test
  void pullingAnUnpicklableValueRaisesThePythonError() {
    ok("class Bad(object):\n"
        + "  def __reduce__(self): raise TypeError(\"can't pickle Bad objects\")\n"
        + "bad = Bad()");

    var thrown = assertThrows(PythonException.class, () -> engine.pull("bad"));

    assertEquals("TypeError", thrown.error().typeName());
    assertEquals("can't pickle Bad objects", thrown.error().message());
    assertTrue(thrown.error().traceback().endsWith("TypeError: can't pickle Bad objects\n"));
  }

  @Test
  void pushingBytesThatAreNoPickleRaisesThePythonError() {
    var thrown = assertThrows(PythonException.class,
        () -> engine.push("x", new byte[] {1, 2, 3}));

    assertEquals("UnpicklingError", thrown.error().typeName());
    assertTrue(engine.execute("x").error().oneLine().startsWith("NameError"));
  }

  @Test
  void keysListsUserNamesWithIdAndMpiButNotBuiltins() {
    ok("x = 1\ndef f(): pass\nimport math");

    assertEquals(List.of("f", "id", "math", "mpi", "x"), engine.keys());
    assertEquals("3 None\n", ok("print id, mpi").stdout());
  }

  @Test
  void resetRestartsTheCounterAndForgetsUserNamesButKeepsId() {
    ok("x = 1");
    ok("import sys; sys.marker = 1");

    engine.reset();

    assertEquals(0, engine.executionCount());
    assertEquals(List.of("id", "mpi"), engine.keys());
    assertTrue(engine.result(1).isEmpty());
    var result = ok("import sys; print id, hasattr(sys, 'marker')");
    assertEquals(1, result.number());
    assertEquals("3 False\n", result.stdout());
  }

  @Test
  void twoInterpretersInOneJvmAreIsolated() {
    try (var other = new EngineInterpreter(engineNames(4))) {
      ok("import sys; sys.foo = 1\nimport string; string.foo = 1\nshared = 1\n"
          + "import __builtin__; __builtin__.everywhere = 1");

      var seen = other.execute("import sys, string\n"
          + "print hasattr(sys, 'foo'), hasattr(string, 'foo'), 'shared' in globals(), id\n"
          + "everywhere");

      assertEquals("False False False 4\n", seen.stdout());
      assertEquals("NameError", seen.error().typeName());
      assertEquals("1 3\n", ok("print sys.foo, everywhere + 2").stdout());
    }
    assertEquals("1\n", ok("print sys.foo").stdout());
  }

  @Test
  void sysExitComesBackAsSystemExitAndTheInterpreterStaysUsable() {
    var result = engine.execute("import sys; sys.exit(3)");

    assertEquals("SystemExit", result.error().typeName());
    assertEquals("3", result.error().message());
    assertEquals("ok\n", ok("print 'ok'").stdout());
  }

  @Test
  void rawInputFailsInsteadOfWaitingForAConsole() {
    assertEquals("EOFError", engine.execute("raw_input()").error().typeName());
  }

  @Test
  void anInterruptOfTheCallingThreadStopsOnlyTheRunningExecute() {
    Thread.currentThread().interrupt();

    var interrupted = engine.execute("import time; time.sleep(30)");

    assertEquals("KeyboardInterrupt", interrupted.error().typeName());
    assertFalse(Thread.currentThread().isInterrupted());
    assertEquals("slept\n", ok("time.sleep(0.001); print 'slept'").stdout());
  }

  @Test
  void jythonsInterruptStopsALoopAsKeyboardInterruptAndTheInterpreterStaysUsable()
      throws InterruptedException {
    var started = new CountDownLatch(1);
    var names = engineNames(5);
    names.put("started", started);
    try (var looping = new EngineInterpreter(names)) {
      var threadState = new AtomicReference<ThreadState>();
      var result = new AtomicReference<ExecuteResult>();
      var runner = new Thread(() -> {
        threadState.set(Py.getThreadState());
        result.set(looping.execute("started.countDown()\nwhile True: pass"));
        result.set(looping.execute("print 'alive'"));
      });
      runner.start();
      assertTrue(started.await(30, TimeUnit.SECONDS));

      new InteractiveInterpreter().interrupt(threadState.get());
      runner.join(30_000);

      assertFalse(runner.isAlive());
      assertEquals("alive\n", result.get().stdout());
      assertEquals("KeyboardInterrupt",
          looping.result(1).orElseThrow().error().typeName());
    }
  }

  @Test
  void repeatingTheSameSourceUsesTheCompiledCode() {
    ok("a = 1");
    int compilations = engine.compilations();

    ok("a = 1");
    ok("a = 1");
    assertEquals(compilations, engine.compilations());

    ok("a = 2");
    assertEquals(compilations + 1, engine.compilations());
  }

  @Test
  void cachedCodeRunsInTheNamespaceThatExistsAfterReset() {
    ok("b = 1\nprint b");
    int compilations = engine.compilations();
    engine.reset();

    assertEquals(List.of("id", "mpi"), engine.keys());
    assertEquals("1\n", ok("b = 1\nprint b").stdout());
    assertEquals(List.of("b", "id", "mpi"), engine.keys());
    assertEquals(compilations, engine.compilations());
  }

  @Test
  void standardLibraryModulesImportWithoutSite() {
    var result = ok("import time, os, math, cPickle, traceback, re, json\n"
        + "print math.sqrt(16), json.dumps([1]), bool(os.getcwd()), time.time() > 0");

    assertEquals("4.0 [1] True True\n", result.stdout());
  }

  @Test
  void resultsStayAvailableByNumberIncludingFailedOnes() {
    ok("print 1");
    engine.execute("1/0");

    assertEquals("1\n", engine.result(1).orElseThrow().stdout());
    assertEquals("ZeroDivisionError", engine.result(2).orElseThrow().error().typeName());
    assertTrue(engine.result(3).isEmpty());
  }

  @Test
  void aClosedInterpreterRefusesWork() {
    engine.close();

    assertThrows(IllegalStateException.class, () -> engine.execute("1"));
    assertThrows(IllegalStateException.class, () -> engine.pull("id"));
    engine.close();
  }
}
