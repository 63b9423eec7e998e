"""Functions as source text: how functions travel between clients and engines.

IPython 0.10 shipped a function's code object and built a new function around it on the
other side. Jython cannot marshal code objects, so jipython ships the function's *source*,
found the way ``inspect.getsource`` finds it: through ``linecache``, where the jipython
console (``<ipython-input-N>``) and ``scripts/jipython FILE`` keep what they run, and where
ordinary module files are read from. The other side compiles the source again with its own
namespace as the globals, which is what the original's rebinding did.

What stays as in the original:

* a closure raises ``ValueError("Sorry, cannot pickle code objects with closures")``;
* globals are rebound: a function pushed to an engine sees the engine's namespace;
* the function's name and docstring survive.

What differs:

* default argument values survive (the original lost them, quirk 19). They travel as
  values, pickled with the function, so ``def f(x, n=N)`` does not need ``N`` on the engine;
  defaults that cannot be pickled are evaluated again from the source on the other side;
* a function whose source cannot be found (a builtin, a function from a compiled module
  without its ``.py``, one made with ``exec``) cannot be sent; ``can`` says why.
"""

import linecache
import re
import types

CLOSURE_MESSAGE = "Sorry, cannot pickle code objects with closures"


class CannedFunction(object):
    """A function reduced to its source, ready to pickle; ``uncan`` rebuilds it.

    ``source`` is a ``def`` statement (dedented, without its decorators) or a lambda
    expression; ``origin`` names where the function was first defined; ``defaults`` is the
    tuple of default values, None, or a note that they must be evaluated from the source.
    """

    # engines look for this attribute before importing this module
    _jipython_canned = True

    def __init__(self, source, name, func_name, origin, defaults):
        self.source = source
        self.name = name
        self.func_name = func_name
        self.origin = origin
        self.defaults = defaults

    def is_lambda(self):
        return self.name == '<lambda>'

    def __repr__(self):
        return '<CannedFunction %s from %s>' % (self.func_name, self.origin)


class NotAFunction(object):
    """What push_function sends for a value that is not a function: an engine that unpickles
    it raises TypeError("function object expected") in ``uncan``, as the original engine did.
    """

    _jipython_canned = True


# In place of default values that cannot be pickled: the other side evaluates the source's.
_EVALUATE_DEFAULTS = 'evaluate the defaults of the source'
# Names uncan registered in linecache -> where their functions were first defined.
_origins = {}


def can(func, source=None):
    """The function ``func`` as a picklable ``CannedFunction``.

    ``source`` is the text of the unit that defined ``func`` when ``linecache`` does not know
    it (an engine passes the code of the execute that defined the function).

    Raises ValueError for a closure, a function whose source cannot be found, and a builtin;
    TypeError for anything that is not a function.
    """
    if not isinstance(func, types.FunctionType):
        if isinstance(func, (types.BuiltinFunctionType, types.BuiltinMethodType)) \
                or type(func).__name__ in ('reflectedfunction', 'method_descriptor'):
            name = getattr(func, '__name__', repr(func))
            raise ValueError(
                "cannot send %s: it is a builtin function, with no Python source to send; "
                "engines have the same builtins, so call it by name there (map and raw_map "
                "also take the name as a str, e.g. '%s')" % (name, name))
        raise TypeError("function object expected")
    if func.func_closure:
        raise ValueError(CLOSURE_MESSAGE)
    code = func.func_code
    if source is not None:
        lines = _split_lines(source)
    else:
        lines = linecache.getlines(code.co_filename, func.func_globals)
    lines = _decoded(lines)
    if not lines:
        raise ValueError(
            "cannot find the source of function %s: it was not defined in a file or in the "
            "jipython console (its code says it comes from %s), and jipython sends functions "
            "as source; define it in a file or in the console"
            % (func.__name__, code.co_filename))
    if code.co_name == '<lambda>':
        text = _lambda_source(code, lines)
    else:
        text = _def_source(code, lines)
    return CannedFunction(text, code.co_name, func.__name__, _origin(code.co_filename),
                          _portable_defaults(func.func_defaults))


def uncan(canned, namespace):
    """The function ``canned`` stands for, with ``namespace`` as its globals.

    Its source goes into ``linecache`` so that tracebacks show it and it can be canned again.
    Anything that is not a ``CannedFunction`` raises TypeError("function object expected").
    """
    if not isinstance(canned, CannedFunction):
        raise TypeError("function object expected")
    import ast
    filename = _register(canned)
    mode = 'eval' if canned.is_lambda() else 'exec'
    tree = ast.parse(canned.source, filename, mode)
    node = tree.body if canned.is_lambda() else tree.body[0]
    keep_defaults = isinstance(canned.defaults, tuple)
    if keep_defaults and node.args.defaults:
        # the values come with the function: their expressions must not run here
        node.args.defaults = [ast.copy_location(ast.Name('None', ast.Load()), d)
                              for d in node.args.defaults]
    code = compile(tree, filename, mode)
    scratch = {}
    if canned.is_lambda():
        func = eval(code, namespace, scratch)
    else:
        # the def binds its name in scratch, not in the namespace: pushing binds it
        exec code in namespace, scratch
        func = scratch[canned.name]
    if keep_defaults:
        func.func_defaults = canned.defaults
    func.__name__ = canned.func_name
    return func


# PEP 263: a comment on line 1 or 2 naming the source encoding.
_CODING = re.compile(r'^[ \t\f]*#.*?coding[:=][ \t]*([-_.a-zA-Z0-9]+)')


def _decoded(lines):
    """The source lines as unicode, so that non-ASCII literals mean on the other side what
    they meant here; a PEP 263 declaration is blanked (unicode source may not have one) and
    names the encoding, else UTF-8 (what the console reads), else Latin-1."""
    lines = list(lines)
    encoding = None
    for i, line in enumerate(lines[:2]):
        match = _CODING.match(line)
        if match:
            encoding = match.group(1)
            # the line stays, so line numbers do not move
            lines[i] = line[:0] + '#\n'
            break
    if all(isinstance(line, unicode) for line in lines):
        return lines
    text = ''.join(lines)
    for candidate in (encoding, 'utf-8', 'latin-1'):
        if candidate is None:
            continue
        try:
            return _split_lines(text.decode(candidate))
        except (UnicodeError, LookupError):
            continue
    return lines


def _split_lines(text):
    """Lines as the tokenizer counts them: ended by newline only (unicode's splitlines also
    splits at form feeds and other separators), the last one too, as linecache does."""
    parts = text.split('\n')
    lines = [part + '\n' for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1] + '\n')
    return lines


def _portable_defaults(defaults):
    if not defaults:
        return None
    import cPickle
    try:
        cPickle.dumps(defaults, 2)
    except Exception:
        return _EVALUATE_DEFAULTS
    return defaults


def _origin(filename):
    return _origins.get(filename, filename)


def _register(canned):
    """Puts the source in linecache under a name of its own; returns the name."""
    lines = [line + '\n' for line in canned.source.split('\n')]
    base = '<%s from %s>' % (canned.func_name, canned.origin)
    filename, n = base, 1
    while filename in linecache.cache and linecache.cache[filename][2] != lines:
        n += 1
        filename = '%s#%d' % (base, n)
    linecache.cache[filename] = (len(canned.source), None, lines, filename)
    _origins[filename] = canned.origin
    return filename


def _changed(code):
    return ValueError(
        "the source of %s no longer matches its code: %s line %d was changed since the "
        "function was defined; define the function again"
        % (code.co_name, code.co_filename, code.co_firstlineno))


def _tokens(lines, start):
    """Tokens of ``lines[start:]``, with rows counted from 1 at ``start``."""
    import tokenize
    rest = iter(lines[start:])
    return tokenize.generate_tokens(lambda: next(rest, ''))


def _def_source(code, lines):
    """The def statement of ``code``: from its ``def`` line (decorators dropped) to the end
    of its body, dedented."""
    import tokenize
    start = code.co_firstlineno - 1
    if not 0 <= start < len(lines):
        raise _changed(code)
    state = 'decorators'
    def_row = end_row = None
    depth = level = 0
    try:
        for kind, text, (srow, _), _, _ in _tokens(lines, start):
            if state == 'decorators':
                # co_firstlineno is the first decorator's line; the def keyword starts it
                if kind == tokenize.NAME and text == 'def':
                    def_row, state = srow, 'name'
            elif state == 'name':
                if text != code.co_name:
                    raise _changed(code)
                state = 'header'
            elif state == 'header':
                if kind == tokenize.OP and text in ('(', '[', '{'):
                    depth += 1
                elif kind == tokenize.OP and text in (')', ']', '}'):
                    depth -= 1
                elif kind == tokenize.OP and text == ':' and depth == 0:
                    state = 'colon'
            elif state == 'colon':
                # a body on the header's line ends at its NEWLINE; a block at its DEDENT
                if kind == tokenize.NEWLINE:
                    state = 'block'
                elif kind != tokenize.COMMENT:
                    state = 'line'
            elif state == 'line':
                if kind == tokenize.NEWLINE:
                    end_row = srow
                    break
            elif kind == tokenize.INDENT:
                level += 1
            elif kind == tokenize.DEDENT:
                level -= 1
                if level <= 0:
                    break
            elif kind == tokenize.NEWLINE:
                end_row = srow
            elif kind == tokenize.ENDMARKER:
                break
    except (tokenize.TokenError, IndentationError, SyntaxError):
        raise _changed(code)
    if def_row is None or end_row is None:
        raise _changed(code)
    return _dedent(lines[start + def_row - 1:start + end_row])


def _dedent(block):
    """Removes the def line's indentation from every line that has it (string contents that
    are less indented stay as they are)."""
    first = block[0]
    margin = first[:len(first) - len(first.lstrip(' \t'))]
    out = []
    for line in block:
        out.append(line[len(margin):] if line.startswith(margin) else line)
    return ''.join(out).rstrip() + '\n'


def _lambda_source(code, lines):
    """The text of the lambda expression ``code`` was compiled from.

    The lambdas on the code's first line are found with ``ast``; the one with the code's
    argument names is cut out of the tokens of its statement and checked by compiling it.
    Several lambdas with the same arguments on one line are told apart by their compiled
    flags if they can be; lambdas that are the same text need no telling apart.
    """
    import ast
    try:
        tree = ast.parse(''.join(lines))
    except SyntaxError:
        raise _changed(code)
    row = code.co_firstlineno
    found = []
    _find_lambdas(tree, None, row, found)
    if not found:
        raise _changed(code)
    # the same lambda is the n-th one on its line for ast (by column) and for tokenize
    columns = sorted(node.col_offset for _, node in found)
    first_row = min(statement.lineno for statement, _ in found)
    expected = _argument_names(code)
    candidates = []
    for statement, node in found:
        if not _same_arguments(_lambda_arguments(node), expected):
            continue
        text = _lambda_text(lines, first_row, row, columns.index(node.col_offset))
        if text is not None and text not in candidates:
            candidates.append(text)
    candidates = [text for text in candidates if _same_code(text, code, strict=False)]
    if len(candidates) > 1:
        candidates = [text for text in candidates if _same_code(text, code, strict=True)]
    if not candidates:
        raise _changed(code)
    if len(candidates) > 1:
        raise ValueError(
            "cannot tell which of the %d lambdas on line %d of %s this is: jipython sends "
            "functions as source; put each lambda on a line of its own, or use def"
            % (len(candidates), row, code.co_filename))
    return candidates[0]


def _find_lambdas(node, statement, row, found):
    """Collects (innermost statement, node) for each lambda that starts on ``row``."""
    import ast
    if isinstance(node, ast.stmt):
        statement = node
    if isinstance(node, ast.Lambda) and node.lineno == row:
        found.append((statement, node))
    for child in ast.iter_child_nodes(node):
        _find_lambdas(child, statement, row, found)


def _argument_names(code):
    count = code.co_argcount
    if code.co_flags & 0x04:    # *args
        count += 1
    if code.co_flags & 0x08:    # **kwargs
        count += 1
    return list(code.co_varnames[:count])


def _lambda_arguments(node):
    """The argument names of a lambda node; a tuple argument matches any name."""
    import ast
    args = node.args
    names = [arg.id if isinstance(arg, ast.Name) else None for arg in args.args]
    if args.vararg:
        names.append(args.vararg)
    if args.kwarg:
        names.append(args.kwarg)
    return names


def _same_arguments(names, expected):
    if len(names) != len(expected):
        return False
    for name, other in zip(names, expected):
        if name is not None and name != other:
            return False
    return True


def _same_code(text, code, strict):
    """Whether ``text`` compiles to a lambda like ``code``: with the same local names, and
    if ``strict`` the same flags (compiler flags of the defining unit can differ)."""
    try:
        other = eval(compile(text, '<check>', 'eval')).func_code
    except Exception:
        return False
    if other.co_varnames != code.co_varnames:
        return False
    return not strict or (other.co_nlocals == code.co_nlocals
                          and other.co_flags == code.co_flags)


def _lambda_text(lines, first_row, row, order):
    """The text of lambda number ``order`` on ``row``, tokenized from ``first_row``, where its
    statement starts.

    The lambda ends where its body can go on no further: before a comma, closing bracket,
    ``for`` or ``:`` of the enclosing expression, before ``;`` or at the end of the statement.
    """
    import tokenize
    start = first_row - 1
    target = row - first_row + 1
    seen = 0
    begin = last = None
    depth = colons = 0
    ignored = (tokenize.COMMENT, tokenize.NL)
    try:
        for kind, text, (srow, scol), end, _ in _tokens(lines, start):
            if begin is None:
                if kind == tokenize.NAME and text == 'lambda' and srow == target:
                    if seen == order:
                        begin, last, colons = (srow, scol), end, 1
                    seen += 1
                continue
            if kind in (tokenize.NEWLINE, tokenize.ENDMARKER):
                return _cut(lines, start, begin, last)
            if kind in ignored:
                continue
            if depth == 0:
                if text in (')', ']', '}', ';'):
                    return _cut(lines, start, begin, last)
                if text in (',', 'for') and colons == 0:
                    return _cut(lines, start, begin, last)
                if text == ':' and kind == tokenize.OP:
                    if colons == 0:
                        return _cut(lines, start, begin, last)
                    colons -= 1
                elif text == 'lambda' and kind == tokenize.NAME:
                    colons += 1
            if kind == tokenize.OP and text in ('(', '[', '{'):
                depth += 1
            elif kind == tokenize.OP and text in (')', ']', '}'):
                depth -= 1
            last = end
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return None


def _cut(lines, start, begin, end):
    """The text between two token positions (rows counted from 1 at ``start``)."""
    (brow, bcol), (erow, ecol) = begin, end
    if brow == erow:
        return lines[start + brow - 1][bcol:ecol]
    parts = [lines[start + brow - 1][bcol:]]
    parts.extend(lines[start + brow:start + erow - 1])
    parts.append(lines[start + erow - 1][:ecol])
    # inside brackets the continuation lines need no indentation or backslashes; the closing
    # bracket goes on a line of its own in case the last line ends in a comment
    return '(' + ''.join(parts) + '\n)'
