"""What Brian2GeNN 1.7 refuses, checked before code generation so the error names the object."""

from __future__ import annotations

from brian2 import NeuronGroup, Synapses, defaultclock

__all__ = ["genn_violations", "check_genn_constraints"]

def genn_violations(objects) -> list[str]:
    """Everything in ``objects`` (and the objects they contain) that Brian2GeNN 1.7 refuses.

    Checked without Brian2GeNN installed, from the rules in ``docs/devices.md`` and
    Brian2GeNN's own checks: a clock other than ``defaultclock`` (run_regularly operations may
    have a period that is a whole multiple of dt), a ``run_regularly`` outside the ``start`` slot
    or whose name lacks ``_run_regularly_`` (Brian2GeNN finds them by name and silently drops
    the others), network operations, linked variables, custom events and pathways, more than
    one summed variable per Synapses or one next to an ``on_pre`` write, TimedArrays read
    outside ``run_regularly``, subexpressions in synaptic statements, pre-synaptic variables
    read in ``on_pre``, more than one post-synaptic variable written.

    Returns
    -------
    list of str
        One line per violation, ``"<object>: <rule>"``; empty if the network is expressible.
    """
    from brian2 import NetworkOperation, TimedArray
    from brian2.utils.stringtools import get_identifiers

    found = []
    dt = float(defaultclock.dt)

    def timed_arrays(group, names):
        ns = getattr(group, "namespace", None) or {}
        return sorted(n for n in names if isinstance(ns.get(n), TimedArray))

    def subexpressions(group):
        eqs = getattr(group, "equations", None)
        return set(eqs.subexpr_names) if eqs is not None else set()

    for obj in objects:
        for o in [obj, *getattr(obj, "contained_objects", [])]:
            kind = type(o).__name__
            if isinstance(o, NetworkOperation):
                found.append(f"{o.name}: network_operation (runs Python every step)")
                continue
            if kind == "CodeRunner":  # a run_regularly operation
                if o.when != "start":
                    found.append(f"{o.name}: run_regularly in the '{o.when}' slot, not 'start'")
                if "_run_regularly_" not in o.name:
                    found.append(f"{o.name}: run_regularly name lacks '_run_regularly_' "
                                 "(Brian2GeNN would drop it)")
                steps = float(o.clock.dt) / dt
                if abs(steps - round(steps)) > 1e-6 or steps < 1 - 1e-6:
                    found.append(f"{o.name}: run_regularly period is not a multiple of dt")
            elif (o.clock.name != "defaultclock" and kind != "StateMonitor"
                  and (o is obj or o.clock is not obj.clock)):  # once per object and clock
                found.append(f"{o.name}: runs on clock {o.clock.name}, not defaultclock")
            if getattr(o, "_linked_variables", None):
                found.append(f"{o.name}: linked variables {sorted(o._linked_variables)}")
            if isinstance(o, NeuronGroup):
                custom = sorted(set(o.events) - {"spike"})
                if custom:
                    found.append(f"{o.name}: custom events {custom}")
            if kind == "EventMonitor" and getattr(o, "event", "spike") != "spike":
                found.append(f"{o.name}: monitors the custom event {o.event!r}")
        if isinstance(obj, NeuronGroup):
            names = set(obj.equations.identifiers)
            for code in [getattr(t, "abstract_code", "") or ""
                         for t in obj.contained_objects if type(t).__name__ != "CodeRunner"]:
                names |= get_identifiers(code)
            for ta in timed_arrays(obj, names):
                found.append(f"{obj.name}: TimedArray {ta!r} read outside run_regularly")
        if isinstance(obj, Synapses):
            summed = [o for o in obj.contained_objects if "_summed_variable_" in o.name]
            if len(summed) > 1:
                found.append(f"{obj.name}: {len(summed)} summed variables (GeNN allows one)")
            names = set(obj.equations.identifiers)
            if obj.equations.subexpr_names:
                found.append(f"{obj.name}: subexpressions {sorted(obj.equations.subexpr_names)}")
            post_writes = set()
            for pathway in obj._pathways:
                if pathway.prepost not in ("pre", "post") or pathway.event != "spike":
                    found.append(f"{obj.name}: pathway {pathway.objname!r} on event "
                                 f"{pathway.event!r}")
                code_names = get_identifiers(pathway.code)
                names |= code_names
                if pathway.prepost == "pre":
                    pre_reads = sorted(n for n in code_names if n.endswith("_pre"))
                    if pre_reads:
                        found.append(f"{obj.name}: on_pre reads pre-synaptic {pre_reads}")
                    for line in pathway.code.splitlines():
                        lhs = line.split("=")[0].strip(" +-*/")
                        if "=" in line and lhs.endswith("_post"):
                            post_writes.add(lhs)
            if len(post_writes) > 1:
                found.append(f"{obj.name}: on_pre writes {sorted(post_writes)}")
            if summed and post_writes:
                found.append(f"{obj.name}: a summed variable and an on_pre write to the target")
            used_subexpr = sorted(n for n in names
                                  if (n.endswith("_pre") and n[:-4] in subexpressions(obj.source))
                                  or (n.endswith("_post")
                                      and n[:-5] in subexpressions(obj.target)))
            if used_subexpr:
                found.append(f"{obj.name}: subexpressions in synaptic statements {used_subexpr}")
            ns_names = names | {n[:-4] for n in names if n.endswith("_pre")}
            for ta in timed_arrays(obj, ns_names):
                found.append(f"{obj.name}: TimedArray {ta!r} read outside run_regularly")
    return list(dict.fromkeys(found))

def check_genn_constraints(objects) -> None:
    """Raise if :func:`genn_violations` finds anything.

    Raises
    ------
    RuntimeError
        Listing every violation, one per line.
    """
    found = genn_violations(objects)
    if found:
        raise RuntimeError("not expressible for Brian2GeNN:\n  " + "\n  ".join(found))
