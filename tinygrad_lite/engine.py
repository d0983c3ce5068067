"""The reverse sweep: replay the Wengert list backwards, one rule per record.

This is the whole of backpropagation:

1. Collect the records the outputs depend on, with a plain stack (no recursion), marking
   each one by giving it a pending adjoint.
2. Order them newest first: the Wengert list in reverse. Inputs are always created before
   the ops that use them, so every record's adjoint is complete before its rule runs. The
   order of collection is already one where no record is used twice; otherwise they are
   sorted by creation number.
3. For each record, feed its adjoint to its primitive's backward rule and *add* the result
   to each input's adjoint (a value used twice gets both contributions).

If something was changed in place since the oldest record collected was made, the sweep
starts again in a careful mode (:func:`_collect_at`, :func:`_run_rules_general`): each
record's inputs are taken as they were when it was made, and a rule whose saved values were
changed since raises PyTorch's error (see :mod:`tinygrad_lite._inplace`).
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import Any

from . import _inplace, _watch
from ._quiet import quiet_off, quiet_on
from ._tensor import Tensor, enable_grad, inputs
from .ops import FREED_MESSAGE, CopySlices

PENDING = object()  # marks a collected record whose adjoint has not arrived yet

_by_seq = attrgetter("_seq")


def sweep(roots: list[Tensor], seeds: list[Any], create_graph: bool = False,
          release: bool = True, keep: bool = True) -> tuple[list[Tensor], list[Tensor]]:
    """Backpropagate ``seeds`` (the adjoints of ``roots``) through the tape.

    Args:
        roots: the tensors to start from; they must require grad.
        seeds: their adjoints: raw values, or Tensors when ``create_graph``.
        create_graph: run the rules on Tensors, recording the backward pass.
        release: free each record's saved values after its rule ran (what PyTorch does
            unless ``retain_graph=True``).
        keep: leave each record's adjoint in ``_adj`` for the caller to read; otherwise
            only the leaves keep theirs.

    Returns:
        ``(records, leaves)``: the records reached, newest first, and the leaves reached.
        Their adjoints are in ``_adj`` (``PENDING`` if none arrived); the caller reads what
        it needs and then calls :func:`clear`.
    """
    records: list[Tensor] = []
    leaves: list[Tensor] = []
    stack = list(roots)
    pending = PENDING
    shared = False  # whether some record is an input of two others (or of two roots)
    while stack:  # 1. collect what the roots depend on
        x = stack.pop()
        while x._adj is None:  # mark x, then follow one of its inputs down a chain
            x._adj = pending
            if x._op is None:  # a leaf, or a constant: no rule adds to its adjoint
                leaves.append(x)
                break
            records.append(x)
            y = x._in2
            if y is not None:  # the second input, or a tuple of the second and later ones
                if type(y) is tuple:
                    stack.extend(y)
                elif y._adj is None:  # not marked yet (a shared weight is, after its first use)
                    stack.append(x._in)  # follow the second input first: mostly the newer
                    x = y
                    continue
                elif y._op is not None:
                    shared = True
            x = x._in
        else:  # x was marked before: reached a second time
            if x._op is not None:
                shared = True
    # 2. The order of the rules. Each record was collected after the record that uses it,
    # so where no record is used twice (a tree of records: leaves may be shared), that
    # order is already the Wengert list in reverse. Otherwise a record must wait for all
    # its users: sorting by creation number, newest first, does that. (Outside the common
    # case too: a node with several outputs then takes all their adjoints at its newest.)
    watched = _watch.registry or _watch.anomaly  # hooks or anomaly detection: per record
    ordered = shared or create_graph or bool(watched)
    if ordered:
        records.sort(key=_by_seq, reverse=True)
    careful = bool(records) and _inplace.changed > 0 and _inplace.changed >= (  # (0: none
        records[-1]._seq if ordered else min(map(_by_seq, records)))  # yet, no min to take;
    # equal: the oldest record is the latest in-place one, whose own change may have
    # changed another input it saved, sharing its storage: t1 = a.detach(); t1 /= a)
    if careful:  # an in-place change since the oldest record: collect again, carefully
        clear(records, leaves)
        records, leaves = _collect_at(roots)
        records.sort(key=_by_seq, reverse=True)
    for r, s in zip(roots, seeds):  # the roots' adjoints start as the seeds
        a = r._adj
        r._adj = s if a is PENDING else a + s
    token = quiet_on()  # inf and nan come quietly, as in PyTorch
    try:
        if not (careful or watched or create_graph):  # the common case: rules on raw values
            kept = None if release else [n._op for n in records]
            try:
                _run_rules(records, keep)
            finally:
                if kept is not None:  # retain_graph: the rules as they were, to run again
                    for n, rule in zip(records, kept):
                        n._op = rule
        elif create_graph:  # the rules run on Tensors, and what they do is recorded
            with enable_grad():
                _run_rules_general(records, True, release, keep, careful)
        else:
            _run_rules_general(records, False, release, keep, careful)
    except BaseException:
        clear(records, leaves)
        raise
    finally:
        quiet_off(token)
    return records, leaves


def _run_rules(records: list[Tensor], keep: bool) -> None:
    """Step 3 of :func:`sweep` in the common case: each record's rule on raw values, newest
    record first. Each record's rule is released once it ran (a second pass through it
    raises PyTorch's error, see ``ops.Rule``; the caller restores the rules for
    ``retain_graph``), and its adjoint dropped unless ``keep``."""
    pending = PENDING  # a local name: the fastest to read, once per record
    for n in records:  # 3. one rule per record
        g = n._adj
        if not keep:
            n._adj = None
        if g is pending:
            continue
        backward = n._op.backward  # a slot read: CPython 3.11 is slower at n._op.backward()
        x = n._in
        y = n._in2
        if y is None:  # one input: the common case, unrolled
            if x._rg:
                gx = backward(n._ctx, g, n._data, x._data)
                if gx is not None:
                    a = x._adj
                    x._adj = gx if a is pending else a + gx
        elif type(y) is not tuple:  # two inputs
            gx, gy = backward(n._ctx, g, n._data, x._data, y._data)
            if x._rg and gx is not None:
                a = x._adj
                x._adj = gx if a is pending else a + gx
            if y._rg and gy is not None:
                a = y._adj
                y._adj = gy if a is pending else a + gy
        else:  # three inputs or more
            ins = (x, *y)
            _add_adjoints(ins, backward(n._ctx, g, n._data, *[t._data for t in ins]))
        n._op = n._op.released


def _collect_at(roots: list[Tensor]) -> tuple[list[Tensor], list[Tensor]]:
    """Step 1 when tensors were changed in place: each record's inputs as they were when
    the record was made (:func:`~tinygrad_lite._inplace.at`)."""
    records: list[Tensor] = []
    leaves: list[Tensor] = []
    stack = list(roots)
    while stack:
        x = stack.pop()
        if x._adj is not None:
            continue
        x._adj = PENDING
        if x._op is None:
            leaves.append(x)
        else:
            records.append(x)
            stack.extend(_inplace.inputs_at(x))
    return records, leaves


def _run_rules_general(records: list[Tensor], create_graph: bool, release: bool,
                       keep: bool, careful: bool) -> None:
    """Step 3 of :func:`sweep` in every other case: the rules on Tensors
    (``create_graph``), tensor hooks registered or anomaly detection on (see
    :mod:`tinygrad_lite._watch`: a record's hooks run on its adjoint before its rule, and the
    rule's results are checked for nan). A node with several outputs runs its rule once,
    with the adjoints of all of them (:func:`_all_outputs`), as PyTorch's does.

    ``careful``: tensors were changed in place since the oldest record was made. Each rule
    then runs on its record's inputs as they were, after a check that the values it reads
    are unchanged (:func:`~tinygrad_lite._inplace.check_saved`)."""
    live: dict[int, Tensor] = {}  # snapshot id -> the tensor it is an earlier version of
    joined: set[int] = set()  # outputs whose adjoints went to their node's rule already
    hooked, anomaly = bool(_watch.registry), _watch.anomaly
    _watch.before.clear()
    for n in records:
        rule = n._op
        if id(n) in joined:  # an output of a node with several, whose rule ran (see there)
            if release:
                n._op = rule.released
            continue
        several = rule.primitive.backward_all
        if several is None:
            g = _adjoint(n, hooked, keep)
            if g is PENDING:
                continue
        else:  # one output of a node with several (unbind, split): its rule takes the
            g = _all_outputs(n, joined, hooked, keep)  # adjoints of all of them, once
            if g is None:
                continue
        if rule.freed:
            raise RuntimeError(FREED_MESSAGE)
        ins = held = inputs(n)
        if careful:
            ins = _inplace.inputs_at(n)
            for h, x in zip(held, ins):
                if x is not h:
                    live[id(x)] = live.get(id(h), h)
            if rule.inplace or rule.primitive is CopySlices:  # its first input: itself, earlier
                live[id(ins[0])] = live.get(id(n), n)
            _inplace.check_saved(n, held, ins, live)
        if create_graph:
            args = ins
            if rule.inplace and ins[0]._rg:  # what an in-place rule reads of its tensor
                args = (ins[0].clone(), *ins[1:])  # before (original_self): a recorded clone
            gs = (rule.primitive.backward(n._ctx, g, n, *args) if several is None
                  else several(n._ctx, g, *args))
        elif several is not None:
            gs = several(n._ctx, g, *[x._data for x in ins])
        else:
            gs = rule.backward(n._ctx, g, n._data, *[x._data for x in ins])
        gs = (gs,) if len(ins) == 1 else gs
        if anomaly:
            _watch.check_nan(n, gs)
        _add_adjoints(ins, gs)
        if release:
            n._op = rule.released


def _adjoint(n: Tensor, hooked: bool, keep: bool) -> Any:
    """The adjoint of record ``n`` for its rule, after its tensor hooks (see
    :mod:`tinygrad_lite._watch`); dropped from the record unless ``keep``."""
    g = n._adj
    if not keep:
        n._adj = None
    if g is not PENDING and hooked and id(n) in _watch.registry:
        g = _hooks([n], [g], keep)[0]
    return g


def _hooks(ts: list, gs: list, keep: bool) -> list:
    """The adjoints ``gs`` of records ``ts`` (one node's outputs) after their hooks; with
    ``keep``, each record keeps its hooked adjoint (what retain_grad and autograd.grad read,
    as PyTorch's) and :data:`_watch.before` the one before (what autograd.grad may return,
    see there)."""
    new = _watch.run_node_hooks(ts, gs)
    if keep:
        for t, a, b in zip(ts, gs, new):
            if a is not None:
                _watch.before[id(t)] = a
                t._adj = b
    return new


def _all_outputs(n: Tensor, joined: set[int], hooked: bool, keep: bool) -> list | None:
    """The adjoints of all the outputs of the node ``n`` is an output of (see
    :class:`~tinygrad_lite.ops.Outputs`), as PyTorch's node gets them: None for those none
    reached, their hooks run; None if none came. Each other output of this sweep is marked
    in ``joined``, so that its turn is skipped. ``n`` is the newest of them in the sweep
    (the records are in order), and every use of any of them is newer than all of them
    (they are made together), so their adjoints are complete."""
    outs = n._ctx[-1]
    members = [ref() for ref in outs.outputs]
    members[n._ctx[-2]] = n  # (n may be an earlier state of an output changed in place)
    gs = []
    for s in members:
        if (s is None or s._adj is None or s._op is None or not s._op.primitive.several
                or s._ctx[-1] is not outs):  # not in this sweep, or not that output any more
            gs.append(None)
            continue
        a = s._adj
        joined.add(id(s))
        gs.append(None if a is PENDING else a)
        if not keep:
            s._adj = None
    if all(g is None for g in gs):
        return None
    if hooked and any(s is not None and id(s) in _watch.registry for s in members):
        gs = _hooks(members, gs, keep)
    return gs


def _add_adjoints(ins: tuple[Tensor, ...], grads: Any) -> None:
    """Add each input's contribution to its adjoint (fan-out adds up)."""
    for x, gx in zip(ins, grads):
        if x._rg and gx is not None:
            a = x._adj
            x._adj = gx if a is PENDING else a + gx


def clear(records: Iterable[Tensor], leaves: Iterable[Tensor]) -> None:
    """Forget the adjoints a sweep left on its records."""
    for n in records:
        n._adj = None
    for n in leaves:
        n._adj = None
