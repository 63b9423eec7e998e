"""The blocking MultiEngineClient of IPython 0.10, over jipython's Java client."""

import os
import sys
import cPickle as pickle

from java.util import ArrayList, LinkedHashMap
from java.util.concurrent import ExecutionException

from org.jipython.actors.client import MultiEngineClient as _JavaMultiEngineClient
from org.jipython.actors.client import PyBridge as _bridge
from org.jipython.actors.client import Targets as _Targets
from org.jipython.actors.protocol import EngineOp as _Op
from org.jipython.runtime.error import JipythonException as _JipythonException

from ipython1.kernel import error
from ipython1.kernel.parallel import ParallelMixin


def _colors():
    if sys.platform == 'win32':
        return '', '', '', ''
    try:
        tty = sys.stdout.isatty()
    except Exception:
        tty = False
    if not tty or os.environ.get('TERM') == 'dumb':
        return '', '', '', ''
    return '\x1b[0;32m', '\x1b[0;34m', '\x1b[0;31m', '\x1b[0m'


class ResultList(list):
    """The results of ``execute`` and ``get_result``, one message dict per engine.

    Printed as in IPython 0.10 (colours only on a terminal)::

        <Results List>
        [0] In [1]: print a
        [0] Out[1]: 5
    """

    def __repr__(self):
        green, blue, red, normal = _colors()
        output = ["<Results List>\n"]
        for cmd in self:
            if isinstance(cmd, BaseException):
                output.append('%r\n' % (cmd,))
                continue
            target = cmd.get('id', None)
            number = cmd.get('number', None)
            stdin = cmd.get('input', {}).get('translated', 'No Input')
            stdout = cmd.get('stdout', None)
            stderr = cmd.get('stderr', None)
            output.append("%s[%i]%s In [%i]:%s %s\n"
                          % (green, target, blue, number, normal, stdin))
            if stdout:
                output.append("%s[%i]%s Out[%i]:%s %s\n"
                              % (green, target, red, number, normal, stdout))
            if stderr:
                output.append("%s[%i]%s Err[%i]:\n%s %s"
                              % (green, target, red, number, normal, stderr))
        return ''.join(output)


def _wait(stage):
    """Waits for a Java CompletionStage, raising Python exceptions for refusals."""
    try:
        return stage.toCompletableFuture().get()
    except ExecutionException, e:
        cause = e.getCause()
        if isinstance(cause, _JipythonException):
            name = cause.kind().pythonName() or 'KernelError'
            raise getattr(error, name, error.KernelError)(cause.getMessage())
        raise error.KernelError(str(cause))


def _message(result):
    """The original's execute message dict from a Java ExecuteResult."""
    msg = {'number': result.number(),
           'input': {'raw': result.input(), 'translated': result.input()}}
    if result.stdout():
        msg['stdout'] = result.stdout()
    if result.stderr():
        msg['stderr'] = result.stderr()
    if result.displayRepr() is not None:
        msg['display'] = {'pprint': result.displayRepr(), 'repr': result.displayRepr()}
    return msg


def _failure(engine_id, method, failure):
    """A (type, value, traceback) triple for CompositeError from a Java Failure."""
    remote = failure.remote()
    if remote is not None:
        et, ev = error.make_exception(remote.typeName(), remote.message())
        tb = remote.traceback()
    else:
        et, ev = error.make_exception(failure.pythonTypeName(), failure.message())
        tb = None
    ev._ipython_engine_info = {'engineid': engine_id, 'method': method, 'args': []}
    if tb:
        ev._ipython_traceback_text = tb
    return (et, ev, None)


class MultiEngineClient(ParallelMixin):
    """Explicit, per-engine access to the controller's engines (blocking by default).

    ``block`` and ``targets`` are the defaults of every call; ``targets`` is ``'all'``, an
    engine id, or a list of ids, and results come back as a list in target order.
    """

    def __init__(self, java_client):
        self._java = java_client
        self.block = True
        self.targets = 'all'

    # -- argument checks, as the original -------------------------------------------------

    def _find_block(self, block):
        if block is None:
            block = self.block
        if block not in (True, False):
            raise ValueError("block must be True or False")
        return block

    def _find_targets(self, targets):
        if targets is None:
            targets = self.targets
        if isinstance(targets, bool) or not isinstance(targets, (str, int, long, list, tuple)):
            raise ValueError("targets must be a str, list, tuple or int")
        if isinstance(targets, str):
            if targets == 'all':
                return _Targets.all()
            raise error.InvalidEngineID("Engine with id %s is not registered" % targets)
        if isinstance(targets, (int, long)):
            targets = [targets]
        ids = ArrayList()
        for t in targets:
            if isinstance(t, bool) or not isinstance(t, (int, long)):
                raise error.InvalidEngineID("Engine with id %r is not registered" % (t,))
            ids.add(int(t))
        return _Targets.of(ids)

    def _run(self, op, method, targets, block):
        self._find_block(block)
        replies = _wait(self._java.submit(op, self._find_targets(targets)))
        failures = [_failure(r.engineId(), method, r.failure()) for r in replies if not r.ok()]
        if failures:
            raise error.CompositeError(
                "one or more exceptions from call to method: %s" % method, failures)
        return replies

    # -- the interface ------------------------------------------------------------------

    def get_ids(self):
        """The ids of the engines registered now."""
        return [int(i) for i in _wait(self._java.getIds())]

    def __len__(self):
        return len(self.get_ids())

    def execute(self, lines, targets=None, block=None):
        """Runs ``lines`` on each target; returns a ResultList of message dicts."""
        if not isinstance(lines, basestring):
            raise TypeError("lines must be a string")
        result = ResultList()
        for reply in self._run(_Op.Execute(lines), 'execute', targets, block):
            msg = _message(reply.execute())
            msg['id'] = reply.engineId()
            result.append(msg)
        return result

    def push(self, namespace, targets=None, block=None):
        """Binds each name of the dict ``namespace`` to its value on each target."""
        if not isinstance(namespace, dict):
            raise TypeError("namespace must be a dict")
        pickles = LinkedHashMap()
        for key, value in namespace.items():
            if not isinstance(key, basestring):
                raise TypeError("keys of a pushed namespace must be str, not %r" % (key,))
            try:
                data = pickle.dumps(value, 2)
            except Exception, e:
                raise error.SerializationError("cannot pickle the value of %s: %s" % (key, e))
            pickles.put(key, _bridge.toBytes(data))
        replies = self._run(_Op.Push(pickles), 'push', targets, block)
        return [None] * len(replies)

    def pull(self, keys, targets=None, block=None):
        """The values of ``keys`` (a name, or a list of names) on each target."""
        if isinstance(keys, basestring):
            names, single = [keys], True
        elif isinstance(keys, (list, tuple)):
            for k in keys:
                if not isinstance(k, basestring):
                    raise TypeError("keys must be str, not %r" % (k,))
            names, single = list(keys), len(keys) == 1
        else:
            raise TypeError("keys must be a str, or a list or tuple of str")
        java_names = ArrayList()
        for name in names:
            java_names.add(name)
        values = []
        for reply in self._run(_Op.Pull(java_names), 'pull', targets, block):
            got = [pickle.loads(_bridge.toStr(v)) for v in reply.values()]
            values.append(got[0] if single else got)
        return values

    def keys(self, targets=None, block=None):
        """The names in each target's namespace."""
        return [list(r.names()) for r in self._run(_Op.Keys(), 'keys', targets, block)]

    def __setitem__(self, key, value):
        self.push({key: value})

    def __getitem__(self, key):
        if not isinstance(key, basestring):
            raise TypeError("__getitem__ only takes strs")
        return self.pull(key)

    def close(self):
        """Disconnects from the controller."""
        self._java.close()


_clients = {}


def _default_furl(name):
    base = os.environ.get('IPYTHONDIR') or os.path.join(os.path.expanduser('~'), '.ipython')
    from java.lang import System
    override = System.getProperty('jipython.ipythondir')
    if override:
        base = override
    return os.path.join(base, 'security', name)


def _furl_path(furl_or_file, default_name):
    from java.nio.file import Paths
    if furl_or_file in (None, ''):
        return Paths.get(_default_furl(default_name))
    if isinstance(furl_or_file, basestring) and os.path.isfile(furl_or_file):
        return Paths.get(furl_or_file)
    raise ValueError("not a furl or a file containing a furl: %s" % (furl_or_file,))


def get_multiengine_client(furl_or_file=''):
    """A MultiEngineClient for the controller named by ``furl_or_file`` (default: the mec
    furl file in $IPYTHONDIR/security). Clients are cached per furl file."""
    path = _furl_path(furl_or_file, 'ipcontroller-mec.furl')
    key = str(path.toAbsolutePath())
    client = _clients.get(key)
    if client is None:
        try:
            java = _JavaMultiEngineClient.connect(path)
        except _JipythonException, e:
            raise error.ConnectionError(e.getMessage())
        except Exception, e:
            raise error.ConnectionError(str(e))
        client = MultiEngineClient(java)
        _clients[key] = client
    return client


def close_all():
    """Closes every client this process opened."""
    for client in _clients.values():
        try:
            client.close()
        except Exception:
            pass
    _clients.clear()
