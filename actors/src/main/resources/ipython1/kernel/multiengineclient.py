"""The blocking MultiEngineClient of IPython 0.10, over jipython's Java client."""

import os
import sys
import cPickle as pickle
import types

from java.time import Duration
from java.util import ArrayList, LinkedHashMap
from java.util.concurrent import ExecutionException

from org.jipython.actors.client import MultiEngineClient as _JavaMultiEngineClient
from org.jipython.actors.client import PyBridge as _bridge
from org.jipython.actors.client import Targets as _Targets
from org.jipython.actors.protocol import EngineOp as _Op
from org.jipython.runtime.error import JipythonException as _JipythonException

from ipython1.kernel import codeutil
from ipython1.kernel import error
from ipython1.kernel import newserialized
from ipython1.kernel.parallel import ParallelMixin, STARTED


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
            raise getattr(error, name, error.KernelError)(_s(cause.getMessage()))
        raise error.KernelError(str(cause))


def _s(text):
    """A Java string as Python 2 code expects it: str when it is ASCII, else unicode."""
    if text is None:
        return None
    try:
        return str(text)
    except UnicodeError:
        return unicode(text)


def _message(result):
    """The original's execute message dict from a Java ExecuteResult."""
    source = _s(result.input())
    msg = {'number': result.number(), 'input': {'raw': source, 'translated': source}}
    if result.stdout():
        msg['stdout'] = _s(result.stdout())
    if result.stderr():
        msg['stderr'] = _s(result.stderr())
    if result.displayRepr() is not None:
        display = _s(result.displayRepr())
        msg['display'] = {'pprint': display, 'repr': display}
    return msg


def _unpickle(data):
    value = pickle.loads(_bridge.toStr(data))
    if isinstance(value, codeutil.CannedFunction):
        import __main__
        value = codeutil.uncan(value, __main__.__dict__)
    return value


def _result_list(replies):
    result = ResultList()
    for reply in replies:
        msg = _message(reply.execute())
        msg['id'] = reply.engineId()
        result.append(msg)
    return result


def _nones(replies):
    return [None] * len(replies)


def _name_list(keys):
    if isinstance(keys, basestring):
        keys = [keys]
    if not isinstance(keys, (list, tuple)):
        raise TypeError("keys must be a str, or a list or tuple of str")
    names = ArrayList()
    for k in keys:
        if not isinstance(k, basestring):
            raise TypeError("keys must be str, not %r" % (k,))
        names.add(k)
    return names


def _failure(engine_id, method, failure):
    """A (type, value, traceback) triple for CompositeError from a Java Failure."""
    remote = failure.remote()
    if remote is not None:
        et, ev = error.make_exception(_s(remote.typeName()), _s(remote.message()))
        tb = _s(remote.traceback())
    else:
        et, ev = error.make_exception(_s(failure.pythonTypeName()), _s(failure.message()))
        tb = None
    ev._ipython_engine_info = {'engineid': engine_id, 'method': method, 'args': []}
    if tb:
        ev._ipython_traceback_text = tb
    return (et, ev, None)


class PendingResult(object):
    """The result of a call made with ``block=False``, kept by the controller until collected.

    ``get_result(default=None, block=True)`` collects it (once on the controller; this object
    keeps a copy, and an exception is raised again on every later call); ``r`` is
    ``get_result(block=True)``; ``add_callback(f, *args, **kwargs)`` chains transformations
    applied when the result is first collected.
    """

    def __init__(self, client, result_id, transform=None):
        self.client = client
        self.result_id = result_id
        self.called = False
        self.raised = False
        self.callbacks = []
        self._result = None
        if transform is not None:
            self.callbacks.append((transform, (), {}))

    def get_result(self, default=None, block=True):
        if self.called:
            if self.raised:
                raise self._result[0], self._result[1], self._result[2]
            return self._result
        try:
            result = self.client.get_pending_deferred(self.result_id, block)
        except error.ResultNotCompleted:
            return default
        except:
            self._fail()
            raise
        try:
            for f, args, kwargs in self.callbacks:
                result = f(result, *args, **kwargs)
        except:
            self._fail()
            raise
        self.called = True
        self._result = result
        return result

    def _fail(self):
        self.called = True
        self.raised = True
        self._result = sys.exc_info()

    def _get_r(self):
        return self.get_result(block=True)

    r = property(_get_r)

    def add_callback(self, f, *args, **kwargs):
        self.callbacks.append((f, args, kwargs))

    def __repr__(self):
        return '<PendingResult %s%s>' % (self.result_id[:8], ' (collected)' if self.called else '')


class _Replies(object):
    """The raw per-engine replies of a call, before its method's transformation."""

    def __init__(self, replies):
        self.replies = replies


class MultiEngineClient(ParallelMixin):
    """Explicit, per-engine access to the controller's engines (blocking by default).

    ``block`` and ``targets`` are the defaults of every call; ``targets`` is ``'all'``, an
    engine id, or a list of ids, and results come back as a list in target order.
    """

    def __init__(self, java_client):
        self._java = java_client
        self.block = True
        self.targets = 'all'
        # pending results of composite operations: id -> collect(block)
        self._local = {}
        self._local_count = 0

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

    def _run(self, op, method, targets, block, transform):
        """Runs ``op``; returns ``transform(replies)``, or a PendingResult of it. With
        ``block=STARTED`` (scatter and gather use it) it returns ``collect(block)``, which
        gives that value, or raises ResultNotCompleted while the call runs (not ``block``)."""
        java_targets = self._find_targets(targets)

        def check(replies):
            failures = [_failure(r.engineId(), method, r.failure())
                        for r in replies if not r.ok()]
            if failures:
                raise error.CompositeError(
                    "one or more exceptions from call to method: %s" % method, failures)
            return transform(replies)

        if block is STARTED:
            # nothing is kept on the controller: the reply comes straight here
            future = self._java.submit(op, java_targets).toCompletableFuture()

            def collect(block):
                if not block and not future.isDone():
                    raise error.ResultNotCompleted("the %s is still running" % (method,))
                return check(_wait(future))
            return collect
        block = self._find_block(block)
        if block:
            return check(_wait(self._java.submit(op, java_targets)))
        pending_id = _wait(self._java.submitPending(op, java_targets))
        return PendingResult(self, pending_id, lambda r: check(r.replies))

    def get_pending_deferred(self, deferred_id, block):
        """The value of a pending result kept here, or the raw replies of one kept by the
        controller (used by PendingResult)."""
        collect = self._local.get(deferred_id)
        if collect is None:
            return _Replies(_wait(self._java.getPendingResult(deferred_id, block)))
        try:
            value = collect(block)
        except error.ResultNotCompleted:
            raise
        except:
            del self._local[deferred_id]
            raise
        del self._local[deferred_id]
        return value

    def _local_pending(self, collect):
        """A PendingResult for an operation made of several calls (scatter, gather), kept by
        this client as in the original. ``collect(block)`` gives its value, or raises
        ResultNotCompleted when ``block`` is False and a part is still running."""
        self._local_count += 1
        result_id = 'local-%d' % self._local_count
        self._local[result_id] = collect
        return PendingResult(self, result_id)

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
        return self._run(_Op.Execute(lines), 'execute', targets, block, _result_list)

    def push(self, namespace, targets=None, block=None):
        """Binds each name of the dict ``namespace`` to its value on each target."""
        if not isinstance(namespace, dict):
            raise TypeError("namespace must be a dict")
        pickles = LinkedHashMap()
        for key, value in namespace.items():
            if not isinstance(key, basestring):
                raise TypeError("keys of a pushed namespace must be str, not %r" % (key,))
            if isinstance(value, types.FunctionType):
                # functions travel as source; the engine rebinds them to its namespace
                value = codeutil.can(value)
            try:
                data = pickle.dumps(value, 2)
            except Exception, e:
                raise error.SerializationError("cannot pickle the value of %s: %s" % (key, e))
            pickles.put(key, _bridge.toBytes(data))
        return self._run(_Op.Push(pickles), 'push', targets, block, _nones)

    def pull(self, keys, targets=None, block=None):
        """The values of ``keys`` (a name, or a list of names) on each target."""
        return self._pull(keys, 'pull', _unpickle, targets, block)

    def push_serialized(self, namespace, targets=None, block=None):
        """Binds each name of the dict ``namespace`` to the value of its Serialized (see
        ``ipython1.kernel.newserialized``) on each target; the pickles travel as they are."""
        if not isinstance(namespace, dict):
            raise TypeError("namespace must be a dict")
        pickles = LinkedHashMap()
        for key, value in namespace.items():
            if not isinstance(key, basestring):
                raise TypeError("keys of a pushed namespace must be str, not %r" % (key,))
            newserialized.check(value, key)
            pickles.put(key, _bridge.toBytes(value.getData()))
        return self._run(_Op.Push(pickles), 'push_serialized', targets, block, _nones)

    def pull_serialized(self, keys, targets=None, block=None):
        """As ``pull``, but each value comes as a Serialized holding its pickle, not unpickled
        here: ``push_serialized`` sends it on as it is."""
        return self._pull(keys, 'pull_serialized',
                          lambda data: newserialized.Serialized(_bridge.toStr(data)),
                          targets, block)

    def _pull(self, keys, method, convert, targets, block):
        """Pulls ``keys``, each value through ``convert``, with ``pull``'s shape rules."""
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

        def values(replies):
            out = []
            for reply in replies:
                got = [convert(v) for v in reply.values()]
                out.append(got[0] if single else got)
            return out
        return self._run(_Op.Pull(java_names), method, targets, block, values)

    def keys(self, targets=None, block=None):
        """The names in each target's namespace."""
        return self._run(_Op.Keys(), 'keys', targets, block,
                         lambda replies: [[_s(n) for n in r.names()] for r in replies])

    def run(self, filename, targets=None, block=None):
        """Runs a local file's source on each target. A syntax error is raised here, at once,
        and nothing is sent. Returns a plain list of message dicts (as the original)."""
        source = open(filename).read()
        compile(source, filename, 'exec')
        return self._run(_Op.Execute(source), 'execute', targets, block,
                         lambda replies: list(_result_list(replies)))

    def get_result(self, i=None, targets=None, block=None):
        """The message dict of execute number ``i`` (default: the latest) on each target.
        Unlike the original (which always asked every engine), ``targets`` is honoured."""
        if i is not None and not isinstance(i, (int, long)):
            raise TypeError("i must be an int or None")
        return self._run(_Op.GetResult(i), 'get_result', targets, block, _result_list)

    def reset(self, targets=None, block=None):
        """Clears each target's namespace, queue, history and properties; numbering restarts."""
        return self._run(_Op.Reset(), 'reset', targets, block, _nones)

    def kill(self, controller=False, targets=None, block=None):
        """Stops the target engines' processes; with ``controller=True`` every engine and then
        the controller (2 s later), whatever ``targets`` says."""
        if controller:
            _wait(self._java.stopController(Duration.ofSeconds(2)))
            return None
        return self._run(_Op.Kill(), 'kill', targets, block, _nones)

    def clear_queue(self, targets=None, block=None):
        """Fails every waiting command on each target with QueueCleared (not the running one)."""
        return self._run(_Op.ClearQueue(), 'clear_queue', targets, block, _nones)

    def queue_status(self, targets=None, block=None):
        """``[(id, {'queue': [waiting...], 'pending': running or 'None'}), ...]``."""
        def status(replies):
            out = []
            for r in replies:
                q = r.queue()
                pending = _s(q.pending()) if q.pending() is not None else 'None'
                out.append((r.engineId(), {'queue': [_s(w) for w in q.waiting()],
                                           'pending': pending}))
            return out
        return self._run(_Op.QueueStatus(), 'queue_status', targets, block, status)

    # -- engine properties (kept by the controller; the scheduler sees changes at once) ----

    def set_properties(self, properties, targets=None, block=None):
        if not isinstance(properties, dict):
            raise TypeError("properties must be a dict")
        values = LinkedHashMap()
        for key, value in properties.items():
            try:
                values.put(key, _bridge.toBytes(pickle.dumps(value, 2)))
            except Exception, e:
                raise error.InvalidProperty("can't be a value: %r (%s)" % (value, e))
        return self._run(_Op.SetProperties(values), 'set_properties', targets, block, _nones)

    def get_properties(self, keys=None, targets=None, block=None):
        names = None if keys is None else _name_list(keys)

        def dicts(replies):
            return [dict(zip([_s(n) for n in r.names()], [pickle.loads(_bridge.toStr(v))
                                              for v in r.values()])) for r in replies]
        return self._run(_Op.GetProperties(names), 'get_properties', targets, block, dicts)

    def has_properties(self, keys, targets=None, block=None):
        wanted = list(_name_list(keys))

        def bools(replies):
            return [[k in set(r.names()) for k in wanted] for r in replies]
        return self._run(_Op.HasProperties(_name_list(keys)), 'has_properties', targets, block,
                         bools)

    def del_properties(self, keys, targets=None, block=None):
        return self._run(_Op.DelProperties(_name_list(keys)), 'del_properties', targets, block,
                         _nones)

    def clear_properties(self, targets=None, block=None):
        return self._run(_Op.ClearProperties(), 'clear_properties', targets, block, _nones)

    # -- pending results ---------------------------------------------------------------

    def barrier(self, pendingResults):
        """Waits for every PendingResult; their exceptions are kept for ``.r`` to raise."""
        prs = list(pendingResults)
        for pr in prs:
            if not isinstance(pr, PendingResult):
                raise error.NotAPendingResult("not a PendingResult: %r" % (pr,))
        for pr in sorted(prs, key=lambda p: p.result_id):
            try:
                pr.get_result(block=True)
            except Exception:
                pass

    def flush(self):
        """Drops every pending result on the controller (every client's), and this client's
        pending scatters and gathers."""
        self._local.clear()
        _wait(self._java.flush())

    clear_pending_results = flush

    def benchmark(self, push_size=10000):
        """Latency of ``execute('pass')`` on engine 0 and on all engines (msec, best of 3
        repeats of 10 calls), and push throughput of ``push_size`` floats (MB/sec)."""
        import time
        ids = self.get_ids()
        if not ids:
            raise error.NoEnginesRegistered("There are no engines registered.")

        def best(f, repeats=3, calls=10):
            times = []
            for _ in range(repeats):
                t0 = time.time()
                for _ in range(calls):
                    f()
                times.append((time.time() - t0) / calls)
            return min(times)
        single = best(lambda: self.execute('pass', targets=ids[0], block=True))
        every = best(lambda: self.execute('pass', targets='all', block=True))
        data = [float(i) for i in range(push_size)]
        size_mb = len(pickle.dumps(data, 2)) / 1e6
        push_one = best(lambda: self.push({'_ipython_benchmark': data}, targets=ids[0],
                                          block=True), calls=3)
        push_all = best(lambda: self.push({'_ipython_benchmark': data}, targets='all',
                                          block=True), calls=3)
        return {'single_engine_latency': (single * 1000, 'msec'),
                'all_engine_latency': (every * 1000, 'msec'),
                'single_engine_push': (size_mb / push_one, 'MB/sec'),
                'all_engine_push': (size_mb * len(ids) / push_all, 'MB/sec')}

    def activate(self):
        """Makes this client the one the console's %px, %result and %autopx use."""
        from ipython1.kernel import magic
        magic.activate(self)

    def __setitem__(self, key, value):
        self.push({key: value})

    def __getitem__(self, key):
        if not isinstance(key, basestring):
            raise TypeError("__getitem__ only takes strs")
        return self.pull(key)

    def __repr__(self):
        return '<MultiEngineClient targets=%r block=%r>' % (self.targets, self.block)

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


def _cached_client(clients, furl_or_file, default_name, connect, wrap):
    """The client for the furl file ``furl_or_file`` (default: ``default_name`` in
    $IPYTHONDIR/security) from ``clients``, or a new one: ``wrap(connect(path))``."""
    path = _furl_path(furl_or_file, default_name)
    key = str(path.toAbsolutePath())
    client = clients.get(key)
    if client is None:
        try:
            java = connect(path)
        except _JipythonException, e:
            raise error.ConnectionError(e.getMessage())
        except Exception, e:
            raise error.ConnectionError(str(e))
        client = wrap(java)
        clients[key] = client
    return client


def _close_clients(clients):
    for client in clients.values():
        try:
            client.close()
        except Exception:
            pass
    clients.clear()


def get_multiengine_client(furl_or_file=''):
    """A MultiEngineClient for the controller named by ``furl_or_file`` (default: the mec
    furl file in $IPYTHONDIR/security). Clients are cached per furl file."""
    return _cached_client(_clients, furl_or_file, 'ipcontroller-mec.furl',
                          _JavaMultiEngineClient.connect, MultiEngineClient)


def close_all():
    """Closes every client this process opened."""
    _close_clients(_clients)
