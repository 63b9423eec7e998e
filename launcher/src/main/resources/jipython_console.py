"""The jipython console: IPython-style prompts over Jython's compiler.

Every cell's source is kept (in linecache, under ``<ipython-input-N>``), so functions defined
interactively have source that can be found and shipped to engines.
"""

import codeop
import linecache
import sys
import traceback

BANNER = ("jipython 0.1.0: interactive parallel computing on the JVM (Jython %s)\n"
          "Start: from ipython1.kernel import client; mec = client.MultiEngineClient()\n"
          % sys.version.split()[0])


class Console(object):

    def __init__(self):
        self.autopx = False
        self.number = 1
        # the user's namespace is a real __main__ module, so classes and functions defined in
        # the console pickle by reference and pulled functions rebind to it
        import imp
        main = imp.new_module('__main__')
        main.__builtins__ = __builtins__
        sys.modules['__main__'] = main
        self.namespace = main.__dict__
        self.compiler = codeop.CommandCompiler()

    # -- output ------------------------------------------------------------------------

    def displayhook(self, value):
        if value is None:
            return
        self.namespace['_'] = value
        text = repr(value)
        if '\n' in text:
            sys.stdout.write('Out[%d]:\n%s\n' % (self.number, text))
        else:
            sys.stdout.write('Out[%d]: %s\n' % (self.number, text))

    def show_exception(self, user_files):
        etype, value, tb = sys.exc_info()
        frames = [f for f in traceback.extract_tb(tb) if f[0] in user_files]
        lines = []
        if frames:
            lines.append('Traceback (most recent call last):\n')
            lines.extend(traceback.format_list(frames))
        lines.extend(traceback.format_exception_only(etype, value))
        sys.stdout.write(''.join(lines))

    # -- running -----------------------------------------------------------------------

    def remember(self, filename, source):
        lines = [line + '\n' for line in source.split('\n')]
        linecache.cache[filename] = (len(source), None, lines, filename)

    def run_cell(self, source):
        """Compiles and runs one complete cell; returns False when input is incomplete."""
        filename = '<ipython-input-%d>' % self.number
        if isinstance(source, str):
            try:
                # typed text is UTF-8: a non-ASCII literal must mean the same here and on the engines
                source = source.decode('utf-8')
            except UnicodeError:
                pass
        stripped = source.strip()
        if stripped.startswith('%') or (self.autopx and stripped == 'autopx'):
            self.run_magic(stripped.lstrip('%'))
            self.number += 1
            return True
        try:
            code = self.compiler(source, filename, 'single')
        except (SyntaxError, OverflowError, ValueError):
            self.show_exception(())
            self.number += 1
            return True
        if code is None:
            return False
        self.remember(filename, source)
        if self.autopx:
            self.run_parallel(source)
        else:
            self.execute(code, (filename,))
        self.number += 1
        return True

    # -- magics ------------------------------------------------------------------------

    def run_magic(self, line):
        name, _, arg = line.partition(' ')
        from ipython1.kernel import magic
        try:
            if name == 'px':
                self.displayhook(magic.px(arg))
            elif name == 'result':
                self.displayhook(magic.result(arg))
            elif name == 'autopx':
                self.toggle_autopx(magic)
            else:
                sys.stdout.write('ERROR: Magic function `%s` not found.\n' % name)
        except SystemExit:
            raise
        except:
            self.show_exception(())

    def toggle_autopx(self, magic):
        if self.autopx:
            self.autopx = False
            sys.stdout.write('Auto Parallel Disabled\n')
        elif magic.active() is None:
            sys.stdout.write('No active RemoteController found, '
                             'use RemoteController.activate().\n')
        else:
            self.autopx = True
            sys.stdout.write('Auto Parallel Enabled\nType %autopx to disable\n')

    def run_parallel(self, source):
        from ipython1.kernel import magic
        try:
            result = magic.active().execute(source)
            sys.stdout.write(repr(result) + '\n')
        except SystemExit:
            raise
        except:
            self.show_exception(())

    def execute(self, code, user_files):
        saved = sys.displayhook
        sys.displayhook = self.displayhook
        try:
            exec code in self.namespace
        except SystemExit:
            raise
        except:
            self.show_exception(user_files)
        finally:
            sys.displayhook = saved
            sys.stdout.flush()

    def interact(self, read, echo):
        buffer = []
        while True:
            prompt = 'In [%d]: ' % self.number if not buffer else '   ...: '
            try:
                line = read(prompt)
            except EOFError:
                if buffer:
                    self.run_cell('\n'.join(buffer) + '\n')
                if not echo:
                    sys.stdout.write('\n')
                return
            except KeyboardInterrupt:
                sys.stdout.write('\nKeyboardInterrupt\n')
                buffer = []
                continue
            if echo:
                sys.stdout.write(prompt + line + '\n')
            if not buffer and not line.strip():
                continue
            buffer.append(line)
            if self.run_cell('\n'.join(buffer)):
                buffer = []


def _read_piped(prompt):
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip('\r\n')


def main(path, tty):
    console = Console()
    try:
        if path is not None:
            source = open(path).read()
            console.namespace['__file__'] = path
            console.remember(path, source)
            try:
                code = compile(source, path, 'exec')
            except SyntaxError:
                console.show_exception(())
                return 1
            saved = sys.displayhook
            try:
                exec code in console.namespace
            except SystemExit, e:
                return e.code if isinstance(e.code, int) else 0
            except:
                console.show_exception((path,))
                return 1
            finally:
                sys.displayhook = saved
            return 0
        if tty:
            sys.stdout.write(BANNER)
            console.interact(raw_input, False)
        else:
            console.interact(_read_piped, True)
        return 0
    except SystemExit, e:
        return e.code if isinstance(e.code, int) else 0
    finally:
        try:
            from ipython1.kernel.multiengineclient import close_all
            close_all()
        except Exception:
            pass
        sys.stdout.flush()
