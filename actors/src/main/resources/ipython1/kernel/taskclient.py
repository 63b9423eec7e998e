"""The Task interface of IPython 0.10 (load-balanced tasks), over jipython's Java client.

    from ipython1.kernel import client
    tc = client.TaskClient()
    tc.run(client.StringTask('b = a*2', push=dict(a=21), pull='b'))      # -> 0, the task id
    tc.get_task_result(0, block=True).ns.b                               # -> 42
    tc.map(lambda x: x*x, range(5))                                      # -> [0, 1, 4, 9, 16]

Functions (MapTask functions, ``depend``) travel as source, as everywhere in jipython (see
``ipython1.kernel.codeutil``); the controller never unpickles anything.
"""

import atexit
import time
import types
import weakref
import cPickle as pickle

from java.util import ArrayList, LinkedHashMap
from java.util.concurrent import ExecutionException

from org.jipython.actors.client import PyBridge as _bridge
from org.jipython.actors.client import TaskClient as _JavaTaskClient
from org.jipython.actors.client import TaskException as _TaskException
from org.jipython.actors.controller import TaskSpec as _TaskSpec
from org.jipython.runtime.error import JipythonException as _JipythonException

from ipython1.kernel import codeutil
from ipython1.kernel import error

_TIME_FORMAT = '%Y/%m/%d %H:%M:%S'

# the names a MapTask uses on the engine; they stay there after the task, as in the original.
# The function travels as its canned pickle (a str, so the engine's push does not rebuild it
# for every task); ipython1.kernel.taskengine rebuilds it once per engine.
_CANNED = '_ipython_task_canned'
_FUNCTION = '_ipython_task_function'
_ARGS = '_ipython_task_args'
_KWARGS = '_ipython_task_kwargs'
_RESULT = '_ipython_task_result'
_CALL = ("%s = __import__('ipython1.kernel.taskengine', None, None, ['function'])"
         ".function(globals(), %s)\n"
         "%s = %s(*%s, **%s)") % (_FUNCTION, _CANNED, _RESULT, _FUNCTION, _ARGS, _KWARGS)
# canned functions by function, as canning reads and tokenizes the source
_canned_functions = weakref.WeakKeyDictionary()


# -- tasks -------------------------------------------------------------------------------------

class BaseTask(object):
    """What every task has: ``clear_before``, ``clear_after``, ``retries``,
    ``recovery_task``, ``depend``, and ``taskid`` once the controller numbered it.

    ``depend(properties) -> bool`` decides which engines may run the task: it is sent as
    source and evaluated on an idle engine against that engine's properties
    (``mec.set_properties``), with the engine's namespace as its globals; if it raises, that
    counts as False. The verdict is kept for as long as the engine's properties stay the same.
    """

    def __init__(self, clear_before=False, clear_after=False, retries=0,
                 recovery_task=None, depend=None):
        if isinstance(retries, bool) or not isinstance(retries, (int, long)):
            raise TypeError("retries must be an int, not %r" % (retries,))
        if recovery_task is not None and not isinstance(recovery_task, BaseTask):
            raise TypeError("recovery_task must be a task (StringTask or MapTask), not %r"
                            % (recovery_task,))
        if depend is not None and not isinstance(depend, types.FunctionType):
            raise TypeError("depend must be a function taking the engine's properties, not %r"
                            % (depend,))
        self.clear_before = clear_before
        self.clear_after = clear_after
        self.retries = retries
        self.recovery_task = recovery_task
        self.depend = depend
        self.taskid = None

    def _spec(self, canned):
        """The task as it travels; ``canned`` caches pickled functions by identity."""
        recovery = None
        if self.recovery_task is not None:
            recovery = self.recovery_task._spec(canned)
        depend = None
        if self.depend is not None:
            depend = _bridge.toBytes(_canned_pickle(self.depend, canned, 'the depend function'))
        push = LinkedHashMap()
        for key, data in self._push(canned):
            push.put(key, _bridge.toBytes(data))
        pull = ArrayList()
        for name in self._pull():
            pull.add(name)
        return _TaskSpec(self._kind(), push, self._expression(), pull,
                         bool(self.clear_before), bool(self.clear_after), int(self.retries),
                         recovery, depend)


class StringTask(BaseTask):
    """Python source to run on whichever engine is free, with values pushed before it and
    names pulled after it; its result is a ``TaskResult``.

    On the engine, each a separate command of its queue: ``reset`` if ``clear_before``,
    ``push(push)``, ``execute(expression)``, ``pull(pull)``, ``reset`` if ``clear_after``.
    """

    def __init__(self, expression, pull=None, push=None, clear_before=False,
                 clear_after=False, retries=0, recovery_task=None, depend=None):
        if not isinstance(expression, str):
            raise TypeError("a task expression must be a str")
        if pull is None:
            pull = ()
        elif isinstance(pull, str):
            pull = (pull,)
        elif not isinstance(pull, (list, tuple)):
            raise TypeError("pull must be None, a str, or a list or tuple of str")
        for name in pull:
            if not isinstance(name, basestring):
                raise TypeError("pulled names must be str, not %r" % (name,))
        if push is None:
            push = {}
        elif not isinstance(push, dict):
            raise TypeError("push must be None or a dict")
        for key in push:
            if not isinstance(key, basestring):
                raise TypeError("keys of push must be str, not %r" % (key,))
        BaseTask.__init__(self, clear_before, clear_after, retries, recovery_task, depend)
        self.expression = expression
        self.pull = pull
        self.push = push

    def _kind(self):
        return _TaskSpec.Kind.STRING

    def _expression(self):
        return self.expression

    def _pull(self):
        return self.pull

    def _push(self, canned):
        return [(key, _dumps(value, 'the value of %s' % key))
                for key, value in self.push.items()]


class MapTask(BaseTask):
    """A function called with ``args`` and ``kwargs`` on whichever engine is free; its result
    is the function's return value, and a failure raises the remote exception."""

    def __init__(self, function, args=None, kwargs=None, clear_before=False,
                 clear_after=False, retries=0, recovery_task=None, depend=None):
        if not isinstance(function, types.FunctionType):
            raise TypeError('a task function must be a FunctionType')
        if args is None:
            args = ()
        elif not isinstance(args, (list, tuple)):
            raise TypeError("args must be a list or tuple")
        if kwargs is None:
            kwargs = {}
        elif not isinstance(kwargs, dict):
            raise TypeError("kwargs must be a dict")
        BaseTask.__init__(self, clear_before, clear_after, retries, recovery_task, depend)
        self.function = function
        self.args = args
        self.kwargs = kwargs

    def _kind(self):
        return _TaskSpec.Kind.MAP

    def _expression(self):
        return _CALL

    def _pull(self):
        return (_RESULT,)

    def _push(self, canned):
        function = _canned_pickle(self.function, canned, 'the task function')
        return [(_CANNED, _dumps(function, 'the task function')),
                (_ARGS, _dumps(tuple(self.args), 'the task arguments')),
                (_KWARGS, _dumps(self.kwargs, 'the task keyword arguments'))]


def _dumps(value, what):
    try:
        return pickle.dumps(value, 2)
    except Exception, e:
        raise error.SerializationError("cannot pickle %s: %s" % (what, e))


def _canned_pickle(func, canned, what):
    """The pickled CannedFunction of ``func``; ``canned`` keeps them for one call."""
    key = id(func)
    entry = canned.get(key)
    if entry is None or entry[0] is not func:
        data = None
        try:
            data = _canned_functions.get(func)
        except TypeError:
            pass
        if data is None:
            data = _dumps(codeutil.can(func), what)
            try:
                _canned_functions[func] = data
            except TypeError:
                pass
        entry = (func, data)
        canned[key] = entry
    return entry[1]


# -- results -----------------------------------------------------------------------------------

class Failure(object):
    """A task's remote failure, with the parts of the original's (Twisted) Failure people
    used: ``type``, ``value``, ``raiseException()``, ``getTraceback()``,
    ``getErrorMessage()``, ``printTraceback()``."""

    def __init__(self, exc_type, value, traceback_text):
        self.type = exc_type
        self.value = value
        self.traceback_text = traceback_text

    def raiseException(self):
        raise self.type, self.value

    raise_exception = raiseException

    def getTraceback(self):
        return self.traceback_text or '%s: %s\n' % (self.type.__name__, self.value)

    def getErrorMessage(self):
        return str(self.value)

    def printTraceback(self):
        print self.getTraceback()

    def __repr__(self):
        return '<Failure %s: %s>' % (self.type.__name__, self.value)


class ResultNS(object):
    """The pulled names of a TaskResult as attributes: ``ns.a``, also ``ns['a']``."""

    def __init__(self, dikt):
        for k, v in dikt.iteritems():
            setattr(self, k, v)

    def __repr__(self):
        d = {}
        for k in dir(self):
            if k[:2] != '__' and k[-2:] != '__':
                d[k] = getattr(self, k)
        return "NS" + repr(d)

    def __getitem__(self, key):
        return getattr(self, key)


class TaskResult(object):
    """The result of a StringTask: ``results`` (dict of the pulled names), ``ns``, ``keys``,
    ``failure`` (None on success), ``taskid``, ``engineid``, ``submitted`` and ``completed``
    (``%Y/%m/%d %H:%M:%S``; ``submitted`` is when the task started on the engine), and
    ``duration`` in seconds."""

    taskid = None

    def __init__(self, results, engineid):
        self.engineid = engineid
        if isinstance(results, Failure):
            self.failure = results
            self.results = {}
        else:
            self.results = results
            self.failure = None
        self._ns = ResultNS(self.results)
        self.keys = self.results.keys()
        self.submitted = None
        self.completed = None
        self.duration = None

    def _get_ns(self):
        if self.failure is not None:
            return self.failure.raiseException()
        return self._ns

    def _set_ns(self, v):
        raise Exception("the ns attribute cannot be changed")

    ns = property(_get_ns, _set_ns)

    def __repr__(self):
        if self.failure is not None:
            contents = self.failure
        else:
            contents = self.results
        return "TaskResult[ID:%r]:%r" % (self.taskid, contents)

    def __getitem__(self, key):
        if self.failure is not None:
            self.raise_exception()
        return self.results[key]

    def raise_exception(self):
        """Re-raises the remote exception, if there is one."""
        if self.failure is not None:
            self.failure.raiseException()


class _QueueStatus(dict):
    """queue_status's dict, printed in the original's order."""

    _ORDER = ('scheduled', 'pending', 'succeeded', 'failed')

    def __repr__(self):
        if sorted(self.keys()) != sorted(self._ORDER):
            return dict.__repr__(self)
        return '{%s}' % ', '.join('%r: %r' % (k, self[k]) for k in self._ORDER)


def _exception(failure, engine_id=None):
    """The Python exception for a Java Failure, carrying the remote traceback."""
    remote = failure.remote()
    name = remote.typeName() if remote is not None else failure.pythonTypeName()
    et, ev = error.make_exception(_str(name or 'KernelError'), _str(failure.message()))
    if remote is not None and remote.traceback():
        ev._ipython_traceback_text = remote.traceback()
    if engine_id is not None:
        ev._ipython_engine_info = {'engineid': engine_id, 'method': 'execute', 'args': []}
    return et, ev


def _str(text):
    """A Java string as a Python str when it is ASCII (as the original's messages were)."""
    try:
        return str(text)
    except UnicodeError:
        return text


def _failure(failure, engine_id):
    et, ev = _exception(failure, engine_id)
    return Failure(et, ev, getattr(ev, '_ipython_traceback_text', None))


def _stamp(millis):
    return time.strftime(_TIME_FORMAT, time.localtime(millis / 1000.0))


def _wait(stage):
    """Waits for a Java CompletionStage, raising the Python exception for a refusal."""
    try:
        return stage.toCompletableFuture().get()
    except ExecutionException, e:
        cause = e.getCause()
        if isinstance(cause, _TaskException):
            et, ev = _exception(cause.failure())
            raise et, ev
        if isinstance(cause, _JipythonException):
            name = cause.kind().pythonName() or 'KernelError'
            raise getattr(error, name, error.KernelError)(cause.getMessage())
        raise error.KernelError(str(cause))


def _check_id(taskid):
    if isinstance(taskid, bool) or not isinstance(taskid, (int, long)):
        raise TypeError("an integer task id expected: %r" % (taskid,))
    return long(taskid)


# -- the client --------------------------------------------------------------------------------

class TaskClient(object):
    """Load-balanced tasks on the controller's engines (blocking), as IPython 0.10's."""

    def __init__(self, java_client):
        self._java = java_client

    def run(self, task, block=False):
        """Submits ``task``; returns its id (from 0), or its result with ``block=True``."""
        if not isinstance(task, BaseTask):
            raise TypeError("a task (StringTask or MapTask) expected, not %r" % (task,))
        if block:
            # one round trip: the controller answers when the task is over
            outcome = _wait(self._java.submitAndAwait(task._spec({})))
            task.taskid = int(outcome.taskId())
            return self._result(outcome)
        taskid = int(_wait(self._java.submit(task._spec({}))))
        task.taskid = taskid
        return taskid

    def get_task_result(self, taskid, block=False):
        """The result of a finished task: a TaskResult for a StringTask, the return value for
        a MapTask. None while it runs, unless ``block``, which waits. An aborted or timed-out
        task, and a failed MapTask, raise."""
        outcome = _wait(self._java.outcome(_check_id(taskid), bool(block)))
        if outcome is None:
            return None
        return self._result(outcome)

    def _result(self, outcome):
        engine_id = outcome.engineId()
        engine_id = None if engine_id is None else int(engine_id)
        if outcome.abortedOrTimedOut():
            et, ev = _exception(outcome.failure())
            raise et, ev
        if outcome.kind() == _TaskSpec.Kind.MAP:
            if not outcome.ok():
                et, ev = _exception(outcome.failure(), engine_id)
                raise et, ev
            return pickle.loads(_bridge.toStr(outcome.values().get(0)))
        if outcome.ok():
            results = {}
            for name, data in zip(outcome.names(), outcome.values()):
                results[str(name)] = pickle.loads(_bridge.toStr(data))
            result = TaskResult(results, engine_id)
        else:
            result = TaskResult(_failure(outcome.failure(), engine_id), engine_id)
        result.taskid = int(outcome.taskId())
        started, completed = outcome.startedMillis(), outcome.completedMillis()
        result.submitted = _stamp(started)
        result.completed = _stamp(completed)
        result.duration = (completed - started) / 1000.0
        return result

    def abort(self, taskid):
        """Aborts a task: a queued one at once, a running one when it completes (its result
        is then TaskAborted). A finished or already aborted task raises IndexError."""
        _wait(self._java.abort(_check_id(taskid)))

    def barrier(self, taskids):
        """Waits until every listed task (an int is fine) has finished; errors are ignored."""
        if isinstance(taskids, (int, long)) and not isinstance(taskids, bool):
            taskids = [taskids]
        ids = ArrayList()
        for taskid in taskids:
            if isinstance(taskid, (int, long)) and not isinstance(taskid, bool):
                ids.add(int(taskid))
        _wait(self._java.barrier(ids))

    def spin(self):
        """Kicks the scheduler; dependencies are evaluated again."""
        _wait(self._java.spin())

    def queue_status(self, verbose=False):
        """``{'scheduled': n, 'pending': n, 'succeeded': n, 'failed': n}``; with ``verbose``
        lists of task ids. Only StringTask results count as succeeded or failed."""
        status = _wait(self._java.queueStatus(bool(verbose)))
        if verbose:
            return _QueueStatus(
                scheduled=[int(i) for i in status.scheduledIds()],
                pending=[int(i) for i in status.pendingIds()],
                succeeded=[int(i) for i in status.succeededIds()],
                failed=[int(i) for i in status.failedIds()])
        return _QueueStatus(scheduled=status.scheduled(), pending=status.pending(),
                            succeeded=status.succeeded(), failed=status.failed())

    def clear(self, taskids=None):
        """Drops the results of finished tasks (all of them, or the given ids); returns how
        many. Ids that are not finished tasks raise KeyError (the others are dropped)."""
        if taskids is None:
            return int(_wait(self._java.clear()))
        if isinstance(taskids, (int, long)) and not isinstance(taskids, bool):
            taskids = [taskids]
        ids = ArrayList()
        for taskid in taskids:
            ids.add(int(_check_id(taskid)))
        return int(_wait(self._java.clear(ids)))

    def map(self, func, *sequences):
        """``func`` over the sequences, one load-balanced task per element; the results in
        order. The first failure in order is raised."""
        return self.mapper().map(func, *sequences)

    def mapper(self, clear_before=False, clear_after=False, retries=0, recovery_task=None,
               depend=None, block=True):
        """A mapper whose tasks carry these options."""
        return SynchronousTaskMapper(self, clear_before=clear_before, clear_after=clear_after,
                                     retries=retries, recovery_task=recovery_task,
                                     depend=depend, block=block)

    def parallel(self, clear_before=False, clear_after=False, retries=0, recovery_task=None,
                 depend=None, block=True):
        """A decorator: ``@tc.parallel()`` makes ``f(*seqs)`` a load-balanced map of ``f``."""
        mapper = self.mapper(clear_before, clear_after, retries, recovery_task, depend, block)

        def decorator(func):
            def call(*sequences):
                return mapper.map(func, *sequences)
            call.__name__ = getattr(func, '__name__', 'call')
            call.__doc__ = getattr(func, '__doc__', None)
            return call
        return decorator

    def close(self):
        """Disconnects from the controller."""
        self._java.close()


class SynchronousTaskMapper(object):
    """Maps a function with one MapTask per element (no chunking), as the original."""

    def __init__(self, task_client, clear_before=False, clear_after=False, retries=0,
                 recovery_task=None, depend=None, block=True):
        self.task_client = task_client
        self.clear_before = clear_before
        self.clear_after = clear_after
        self.retries = retries
        self.recovery_task = recovery_task
        self.depend = depend
        self.block = block

    def map(self, func, *sequences):
        """One MapTask per element of ``zip(*sequences)``: the results in order with
        ``block`` (the first failure raised), else the task ids."""
        if not sequences:
            raise TypeError("map() requires at least one sequence")
        lengths = [len(s) for s in sequences]
        if min(lengths) != max(lengths):
            raise ValueError('all sequences must have equal length')
        java = self.task_client._java
        canned = {}
        submitted = []
        for args in zip(*sequences):
            task = MapTask(func, args, clear_before=self.clear_before,
                           clear_after=self.clear_after, retries=self.retries,
                           recovery_task=self.recovery_task, depend=self.depend)
            submitted.append(java.submit(task._spec(canned)))
        taskids = [int(_wait(stage)) for stage in submitted]
        if not self.block:
            return taskids
        # every result is asked for at once; they come back as the tasks finish
        outcomes = [java.outcome(long(taskid), True) for taskid in taskids]
        outcomes = [_wait(stage) for stage in outcomes]
        return [self.task_client._result(outcome) for outcome in outcomes]


_clients = {}


def get_task_client(furl_or_file=''):
    """A TaskClient for the controller named by ``furl_or_file`` (default: the tc furl file
    in $IPYTHONDIR/security). Clients are cached per furl file."""
    from ipython1.kernel.multiengineclient import _cached_client
    return _cached_client(_clients, furl_or_file, 'ipcontroller-tc.furl',
                          _JavaTaskClient.connect, TaskClient)


def close_all():
    """Closes every TaskClient this process opened."""
    from ipython1.kernel.multiengineclient import _close_clients
    _close_clients(_clients)


atexit.register(close_all)
