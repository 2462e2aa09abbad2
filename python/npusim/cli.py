"""The `npusim` command.

    npusim run config.py [args...]    run a Python config script (like gem5.opt config.py)
    npusim mem --config ... --trace ...   the engine's memory CLI (exec'd as is)
    npusim op --chip ... --op matmul --m M --n N --k K --dtype ...   one operator on a chip (the engine's CLI)
    npusim study memory|fabric|roadmap [--out DIR] [--quick]
    npusim presets                    memory presets with peak bandwidth and source
    npusim params memory              every parameter with unit, default and doc
    npusim params job.op              every key of a job kind (job.memory, job.op, job.remote, ...)
"""
import argparse
import os
import runpy
import sys

STUDIES = {"memory": "npusim.studies.memory_compare", "fabric": "npusim.studies.fabric",
           "roadmap": "npusim.studies.roadmap", "noc": "npusim.studies.noc"}


def cmd_run(args):
    script = args.script
    if not os.path.isfile(script):
        print(f"npusim run: {script}: no such file", file=sys.stderr)
        return 2
    sys.argv = [script, *args.args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    runpy.run_path(script, run_name="__main__")
    return 0


ENGINE_COMMANDS = ("mem", "collective", "core", "op", "noc", "remote", "replay", "chakra")


def cmd_engine(command, argv):
    # The engine's CLI is the one of record; replace this process with it so
    # arguments, output, and exit codes are exactly the engine's.
    from .engine import engine_env, find_engine
    engine = find_engine()
    os.execve(engine, [engine, command, *argv], engine_env())


def cmd_study(args):
    import importlib
    return importlib.import_module(STUDIES[args.study]).main(args.args)


def cmd_presets(args):
    from . import memory
    rows = []
    for name in memory.presets():
        cfg = memory.preset(name)
        rows.append((name, cfg.standard, f"{cfg.peak_bandwidth_gbps:.1f}",
                     cfg.source + (" [estimate]" if cfg.is_estimate and "estimate" not in cfg.source.lower() else "")))
    header = ("preset", "standard", "peak GB/s", "source")
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(3)]
    for r in [header] + rows:
        print(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}")
    # The chips: peak per format (dense TFLOPS; int8 in TOPS) and memory bandwidth.
    from .configs import chips
    dtypes = ("bf16", "fp8", "hif8", "mxfp8", "mxfp4", "int8")
    print()
    print(f"{'chip':<14} {'cores':>5} {'GHz':>6} " + " ".join(f"{d:>7}" for d in dtypes) + f" {'HBM GB/s':>9}")
    for chip in chips.all():
        c = chip.compute
        peaks = " ".join(f"{c.peak_tflops(d):>7.0f}" for d in dtypes)
        print(f"{chip.name:<14} {c.cube_cores:>5} {c.clock_ghz:>6.3f} {peaks} {chip.hbm.peak_bandwidth_gbps:>9.0f}")
    return 0


def cmd_link_media():
    # The presets are data in noc/link_model.cpp; printed with their sources.
    from . import _native
    media = _native.call("link_media")
    print(f"{'medium':<12} {'serdes_ns':>9} {'fec_ns':>6} {'module_ns':>9} {'ns_per_m':>8} {'reach_m':>7} "
          f"{'latency_ns':>10}  doc")
    for name, m in media.items():
        print(f"{name:<12} {m['serdes_ns']:>9g} {m['fec_ns']:>6g} {m['module_ns']:>9g} {m['ns_per_m']:>8g} "
              f"{m['reach_m']:>7g} {m['latency_ns']:>10g}  {m['doc']}")
    print("\nsources (V vendor, P paper, R report, E our estimate):")
    for name, m in media.items():
        print(f"  {name}: {m['source']}")
    print("\nlatency_ns = serdes + fec + module + ns_per_m x reach, added to each link's own latency per traversal; "
          "choose with packet_fabric link.preset or a topology link's \"medium\"")
    return 0


def _param_rows(schema, prefix=""):
    """(path, default, unit, doc) of every parameter, depth first. A key
    without a default shows "required" or "-" (derived when absent); a key
    that applies to some values of another says so in its doc."""
    rows = []
    for key, info in schema.items():
        path = f"{prefix}.{key}" if prefix else key
        if info["type"] == "group":
            rows += _param_rows(info["params"], path)
            continue
        default = info.get("default")
        shown = "required" if info.get("required") else ("-" if default is None else repr(default))
        doc = info.get("doc", "")
        for sel, values in info.get("when", {}).items():
            doc += f" [{sel}: {', '.join(values)}]"
        rows.append((path, shown, info.get("unit", ""), doc))
    return rows


def cmd_params(args):
    # Every kind's parameters come from its C++ declaration (one schema).
    from . import _native
    if args.kind == "link_media":
        return cmd_link_media()
    rows = _param_rows(_native.call("schema", args.kind), args.kind)
    w = [max(len(r[i]) for r in rows + [("parameter", "default", "unit")]) for i in range(3)]
    print(f"{'parameter':<{w[0]}}  {'default':<{w[1]}}  {'unit':<{w[2]}}  doc")
    for r in rows:
        print(f"{r[0]:<{w[0]}}  {r[1]:<{w[1]}}  {r[2]:<{w[2]}}  {r[3]}")
    return 0


CONFIG_KINDS = ("memory", "chip", "core", "pattern", "packet_fabric", "traffic", "tlm_fabric", "system", "collective",
                "link_media", "scale_out")


def _params_kind(text):
    """A config kind, or job.<kind> for a job kind the engine declares."""
    if text in CONFIG_KINDS:
        return text
    if text.startswith("job."):
        from . import _native
        kinds = _native.call("job_kinds")
        if text[4:] in kinds:
            return text
        raise argparse.ArgumentTypeError(f"unknown job kind {text[4:]!r}; expected one of: "
                                         + ", ".join(f"job.{k}" for k in kinds))
    raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {', '.join(CONFIG_KINDS)} "
                                     "or job.<kind>)")


def parser():
    p = argparse.ArgumentParser(prog="npusim", description="gem5-style NPU and HBM simulator")
    from . import __version__
    p.add_argument("--version", action="version", version=f"npusim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="command")

    r = sub.add_parser("run", help="run a Python config script: npusim run config.py [args...]")
    r.add_argument("script")
    r.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    r.set_defaults(func=cmd_run)

    # Listed for --help; main() hands `mem` to the engine before parsing.
    sub.add_parser("mem", help="memory-only simulation (the engine's CLI; npusim mem --help)", add_help=False)
    sub.add_parser("core", help="replay a core instruction trace on one AI core (npusim core --help)",
                   add_help=False)
    sub.add_parser("collective", help="a collective on a system, flow or packet level (npusim collective --help)",
                   add_help=False)
    sub.add_parser("noc", help="synthetic traffic on the packet-level fabric: latency, throughput, load sweeps "
                               "(npusim noc --help)", add_help=False)
    sub.add_parser("remote", help="NPUs load from / store to each other's memory through the packet fabric (TLM): "
                                  "latency, per-NPU bandwidth (npusim remote --help)", add_help=False)
    sub.add_parser("chakra", help="convert operator graphs to and from Chakra execution traces (ASTRA-sim's "
                                  "format): npusim chakra export|import --trace T --out O", add_help=False)
    sub.add_parser("op", help="one operator (matmul, attention, elementwise) on a chip: TFLOPS, "
                              "utilization, bound (npusim op --help)", add_help=False)
    sub.add_parser("replay", help="operator graphs (opgraph .jsonl) on a system's chips and fabric: makespan, "
                                  "per-rank overlap, critical path (npusim replay --help)", add_help=False)

    s = sub.add_parser("study", help="a scripted study: npusim study memory|fabric|roadmap [--out DIR] [--quick]")
    s.add_argument("study", choices=sorted(STUDIES))
    s.add_argument("args", nargs=argparse.REMAINDER, help="options of the study (see --help after its name)")
    s.set_defaults(func=cmd_study)

    pr = sub.add_parser("presets", help="list memory presets with peak bandwidth and source")
    pr.set_defaults(func=cmd_presets)

    pa = sub.add_parser("params", help="list every parameter of a config kind with unit, default, doc")
    pa.add_argument("kind", type=_params_kind, help=f"{', '.join(CONFIG_KINDS)}, or job.<kind> (job.op, "
                                                    "job.memory, ...): a job's keys")
    pa.set_defaults(func=cmd_params)
    return p


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in ENGINE_COMMANDS:
        return cmd_engine(argv[0], argv[1:])
    args = parser().parse_args(argv)
    from .errors import NpusimError
    try:
        return args.func(args) or 0
    except NpusimError as e:
        print(f"npusim: {type(e).__name__}: {e}", file=sys.stderr)
        from .errors import EXIT_CODES
        return next((code for code, cls in EXIT_CODES.items() if isinstance(e, cls)), 10)
    except ImportError as e:
        print(f"npusim: {e}", file=sys.stderr)
        return 10


if __name__ == "__main__":
    sys.exit(main())
