"""Scatter, gather, map and friends for the MultiEngineClient (mixed into it).

Everything here is built on the client's ``push``, ``pull``, ``execute`` and ``get_ids``, as
in IPython 0.10. Functions travel as source (see ``ipython1.kernel.codeutil``).
"""

import sys
import types

from ipython1.kernel import codeutil
from ipython1.kernel import error
from ipython1.kernel import map as _map

# What raw_map runs on each engine. An engine whose piece is empty returns an empty piece
# (the original evaluated map(f) there and failed with TypeError: quirk 3, fixed).
_MAP_SOURCE = ('_ipython_map_seq_result = '
               'map(%s, *zip(*_ipython_map_seq)) if _ipython_map_seq else []')


class _Started(object):
    def __repr__(self):
        return 'STARTED'

# Passed as ``block`` by scatter and gather: the call is started and its ``collect(block)``
# returned, so that several calls make one result (kept by the client, not the controller).
STARTED = _Started()


class ParallelMixin(object):
    """Methods built on push, pull and execute; see ipython1.kernel.multiengineclient."""

    # -- functions ----------------------------------------------------------------------

    def push_function(self, namespace, targets=None, block=None):
        """Binds each function of the dict ``namespace`` on each target.

        The functions travel as source and are compiled again with the engine's namespace as
        their globals, so every global they use must be on the engines. A closure, or a
        function whose source cannot be found, raises ValueError here and nothing is sent;
        a value that is not a function makes the engines raise TypeError.
        """
        if not isinstance(namespace, dict):
            raise TypeError("namespace must be a dict")
        canned = {}
        for key, value in namespace.items():
            if not isinstance(value, types.FunctionType):
                # the engines refuse it, as the original's did, and bind none of the others
                canned = {key: codeutil.NotAFunction()}
                break
        else:
            for key, value in namespace.items():
                canned[key] = codeutil.can(value)
        try:
            # block=False: engine errors keep the label 'push'
            return self.push(canned, targets=targets, block=block)
        except error.CompositeError, e:
            raise _relabelled(e, 'push_function')

    def pull_function(self, keys, targets=None, block=None):
        """The functions named by ``keys`` on each target, with the shape rules of ``pull``.

        Each comes back as a function compiled here, with the caller's globals; a value that
        is not a function comes back as it is.
        """
        namespace = sys._getframe(1).f_globals
        several_keys = isinstance(keys, (list, tuple)) and len(keys) > 1

        def uncanned(values):
            if several_keys:
                return [[_uncanned(v, namespace) for v in entry] for entry in values]
            return [_uncanned(entry, namespace) for entry in values]
        try:
            # block=False: engine errors keep the label 'pull'
            return _then(self.pull(keys, targets=targets, block=block), uncanned)
        except error.CompositeError, e:
            raise _relabelled(e, 'pull_function')

    # -- pull, transposed ---------------------------------------------------------------

    def zip_pull(self, keys, targets=None, block=None):
        """``pull`` with the result transposed: one tuple per key across the engines.

        With one key it gives the list of values, with an int target that engine's entry.
        As in the original (quirk 5), "several targets" means ``len(targets) > 1``, so
        ``'all'`` always counts as several and ``[5]`` as one.
        """
        if targets is None:
            targets = self.targets
        several_targets = isinstance(targets, (str, list, tuple)) and len(targets) > 1
        several_keys = isinstance(keys, (list, tuple)) and len(keys) > 1

        def transposed(values):
            if several_targets:
                return zip(*values) if several_keys else values
            if isinstance(targets, (int, long)):
                return values[0]
            return values
        return _then(self.pull(keys, targets=targets, block=block), transposed)

    # -- scatter and gather -------------------------------------------------------------

    def scatter(self, key, seq, dist='b', flatten=False, targets=None, block=None):
        """Cuts ``seq`` into one contiguous piece per target and binds it to ``key`` there.

        The first ``len(seq) % n`` engines get one item more. With ``flatten=True`` a piece
        of exactly one item is bound as the item itself. Returns ``[None] * n`` (or a
        PendingResult of it, kept by this client); with no engines it does nothing and
        returns ``[]`` (quirk 20, kept).
        """
        block = self._find_block(block)
        engines = self._engine_ids(targets)
        if not engines:
            return [] if block else self._local_pending(lambda block: [])
        distribution = _map.distribution(dist)
        n = len(engines)
        pushes = []
        # every piece is sent before any is waited for, as the original did
        for index, engine_id in enumerate(engines):
            piece = distribution.getPartition(seq, index, n)
            if flatten and len(piece) == 1:
                piece = piece[0]
            push = self.push({key: piece}, targets=engine_id, block=STARTED)
            pushes.append(_refusal_as_failure(push, engine_id, 'push'))

        def collect(block):
            _collected(pushes, block, [], 'scatter')
            return [None] * n
        return collect(True) if block else self._local_pending(collect)

    def gather(self, key, dist='b', targets=None, block=None):
        """Pulls ``key`` from each target, in target order, and joins the pieces.

        The first piece decides how: lists and tuples are flattened one level into a list,
        arrays concatenated, anything else returned as the list of pieces. With
        ``block=False``, a PendingResult of the joined value, kept by this client.
        """
        block = self._find_block(block)
        engines = self._engine_ids(targets)
        # with no engines, 'all' lets the controller say so (NoEnginesRegistered)
        pull_targets = engines or (self.targets if targets is None else targets)
        distribution = _map.distribution(dist)
        pull = self.pull(key, targets=pull_targets, block=STARTED)

        def collect(block):
            return distribution.joinPartitions(_collected([pull], block, [], 'gather')[0])
        return collect(True) if block else self._local_pending(collect)

    # -- map ----------------------------------------------------------------------------

    def raw_map(self, func, seqs, dist='b', targets=None, block=None):
        """A parallel ``map(func, *seqs)``: the argument tuples are scattered, each engine
        maps its piece, and the results are gathered in input order.

        ``func`` is a function (pushed as ``_ipython_map_func``) or the name, as a str, of a
        callable that exists on the engines. ``_ipython_map_seq`` and
        ``_ipython_map_seq_result`` stay on the engines afterwards.
        """
        if not isinstance(seqs, (list, tuple)):
            raise TypeError("seqs must be a list or tuple of sequences")
        if not seqs:
            raise TypeError("raw_map needs at least one sequence")
        lengths = [len(s) for s in seqs]
        if min(lengths) != max(lengths):
            raise ValueError('all sequences must have equal length')
        if isinstance(func, types.FunctionType):
            func_name = '_ipython_map_func'
        elif isinstance(func, str):
            func_name = func
        else:
            raise TypeError("func must be a function or str")
        self._find_block(block)
        # resolved once, so that every step runs on the same engines
        engines = self._engine_ids(targets) or (self.targets if targets is None else targets)
        if func_name == '_ipython_map_func':
            self.push_function(dict(_ipython_map_func=func), targets=engines, block=True)
        self.scatter('_ipython_map_seq', zip(*seqs), dist, targets=engines, block=True)
        self.execute(_MAP_SOURCE % func_name, targets=engines, block=True)
        return self.gather('_ipython_map_seq_result', dist, targets=engines, block=block)

    def map(self, func, *sequences):
        """``map(func, *sequences)`` on all the engines (quirk 2: ``mec.targets`` is not
        used), blocking as ``mec.block`` says."""
        return self.mapper().map(func, *sequences)

    def mapper(self, dist='b', targets='all', block=None):
        """A ``MultiEngineMapper`` with these settings; None means the client's attribute at
        the time of the call."""
        return MultiEngineMapper(self, dist, targets, block)

    def parallel(self, dist='b', targets=None, block=None):
        """A decorator: ``@mec.parallel()`` turns ``f`` into ``g(*sequences)``, a parallel
        ``map(f, *sequences)``. Targets and block are fixed when the decorator is applied."""
        if targets is None:
            targets = self.targets
        if block is None:
            block = self.block
        mapper = self.mapper(dist, targets, block)

        def parallel_function(func):
            def call_function(*sequences):
                return mapper.map(func, *sequences)
            return call_function
        return parallel_function

    # -- helpers ------------------------------------------------------------------------

    def _engine_ids(self, targets):
        """The target ids resolved on the client, as the original's scatter and gather did."""
        if targets is None:
            targets = self.targets
        if isinstance(targets, bool) or not isinstance(targets, (str, int, long, list, tuple)):
            raise ValueError("targets must be a str, list, tuple or int")
        ids = self.get_ids()
        if isinstance(targets, (int, long)):
            engines = [targets]
        elif targets == 'all':
            engines = ids
        elif isinstance(targets, str):
            raise error.InvalidEngineID("engine with id %r does not exist" % (targets,))
        else:
            engines = list(targets)
        for t in engines:
            if isinstance(t, bool) or t not in ids:
                raise error.InvalidEngineID("engine with id %r does not exist" % (t,))
        return [int(t) for t in engines]


class MultiEngineMapper(object):
    """A ``map`` bound to a client and settings: ``mec.mapper(targets=[0, 1]).map(f, s)``."""

    def __init__(self, multiengine, dist='b', targets='all', block=None):
        self.multiengine = multiengine
        self.dist = dist
        self.targets = targets
        self.block = block

    def map(self, func, *sequences):
        """``map(func, *sequences)`` in parallel; ``func`` is a function or a str."""
        if not sequences:
            raise TypeError("map() needs at least one sequence")
        max_len = max(len(s) for s in sequences)
        for s in sequences:
            if len(s) != max_len:
                raise ValueError('all sequences must have equal length')
        assert isinstance(func, (str, types.FunctionType)), "func must be a function or str"
        return self.multiengine.raw_map(func, sequences, dist=self.dist, targets=self.targets,
                                        block=self.block)


def _then(result, transform):
    """``transform(result)``; for a PendingResult (block=False), applied to its value."""
    if hasattr(result, 'add_callback'):
        result.add_callback(transform)
        return result
    return transform(result)


def _collected(calls, block, failures, method):
    """The values of these started calls (``collect(block)`` functions), in order. Their
    engine errors, with ``failures``, make one CompositeError for ``method``;
    ResultNotCompleted while one still runs (without ``block``)."""
    failures = list(failures)
    values, running = [], False
    for collect in calls:
        try:
            values.append(collect(block))
        except error.ResultNotCompleted:
            running = True
        except error.CompositeError, e:
            failures.extend(e.elist)
    if running:
        raise error.ResultNotCompleted("the %s is still running" % (method,))
    if failures:
        raise error.CompositeError(
            "one or more exceptions from call to method: %s" % method, failures)
    return values


def _refusal_as_failure(collect, engine_id, method):
    """``collect``, with a refusal of the whole call (e.g. the engine left after get_ids)
    turned into that engine's failure."""
    def collect_one(block):
        try:
            return collect(block)
        except (error.CompositeError, error.ResultNotCompleted):
            raise
        except error.KernelError, e:
            raise error.CompositeError(
                "one or more exceptions from call to method: %s" % method,
                [_engine_failure(e, engine_id, method)])
    return collect_one


def _uncanned(value, namespace):
    if isinstance(value, codeutil.CannedFunction):
        return codeutil.uncan(value, namespace)
    return value


def _relabelled(composite, method):
    """The same engine errors, as raised by ``method`` (the name the original used)."""
    for _, ev, _ in composite.elist:
        info = getattr(ev, '_ipython_engine_info', None)
        if isinstance(info, dict):
            info['method'] = method
    return error.CompositeError(
        "one or more exceptions from call to method: %s" % method, composite.elist)


def _engine_failure(exception, engine_id, method):
    exception._ipython_engine_info = {'engineid': engine_id, 'method': method, 'args': []}
    return (type(exception), exception, None)
