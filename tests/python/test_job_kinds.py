"""Job kinds declared once (workload/job_table): each kind's schema lists its
keys (`npusim params job.<kind>`), Python's job classes are checked by it,
the CLI builds the same job JSON as Python, and an unknown kind is refused
with the list of kinds."""
import json
import subprocess

import pytest

from conftest import ENGINE, needs_core, needs_engine
from test_cli import npusim_cmd

pytestmark = needs_core
KINDS = ("memory", "op", "remote", "collective", "noc")


def test_params_job_op_lists_every_key_with_unit_and_doc():
    import npusim
    schema = npusim._native.call("schema", "job.op")
    p = npusim_cmd("params", "job.op")
    assert p.returncode == 0, p.stderr
    rows = {line.split()[0]: line for line in p.stdout.splitlines()[1:]}
    for key, info in schema.items():
        row = rows[f"job.op.{key}"]  # every key, by its path
        assert info["doc"] and info["doc"] in row, key
        if info.get("unit"):
            assert f"  {info['unit']}  " in row, key
    # The op's shape keys say which op they belong to, with units where they have one.
    assert "[op: matmul]" in rows["job.op.m"] and "elements" in rows["job.op.m"]
    assert "required" in rows["job.op.m"] and "tokens" in rows["job.op.seq_kv"]
    assert "us" in rows["job.op.watchdog_us"].split()
    # Attention's batch: one behaviour, the schema's -- optional, default 1.
    assert schema["batch"]["default"] == 1 and not schema["batch"].get("required")


@pytest.mark.parametrize("kind", KINDS)
def test_params_of_every_job_kind(kind):
    p = npusim_cmd("params", f"job.{kind}")
    assert p.returncode == 0, p.stderr
    assert f"job.{kind}.kind" in p.stdout and f"job.{kind}.name" in p.stdout


def test_params_unknown_job_kind_lists_the_kinds():
    p = npusim_cmd("params", "job.nosuch")
    assert p.returncode == 2
    assert "unknown job kind 'nosuch'" in p.stderr and "job.op" in p.stderr and "job.collective" in p.stderr


def test_oprun_rejects_an_unknown_key_with_its_path():
    import npusim
    with pytest.raises(npusim.ConfigError, match=r"^job\.heads: not a key of op 'matmul'; its keys: m, n, k, "):
        npusim.OpRun("ascend_950pr", m=8, n=8, k=8, heads=4)
    with pytest.raises(npusim.ConfigError, match=r"^job\.tile: not a key of op 'attention'"):
        npusim.OpRun("ascend_950pr", op="attention", heads=4, head_dim=64, seq_q=1, seq_kv=64, tile=2)
    # Common keys are the schema's too: their values are checked by it.
    with pytest.raises(npusim.ConfigError, match=r"^job\.watchdog_us: expected a number"):
        npusim.OpRun("ascend_950pr", m=8, n=8, k=8, watchdog_us="soon")


def test_oprun_follows_the_schema_defaults():
    import npusim
    schema = npusim._native.call("schema", "job.op")
    j = npusim.OpRun("ascend_950pr", op="attention", heads=4, head_dim=64, seq_q=1, seq_kv=64)
    assert j["batch"] == schema["batch"]["default"] == 1 and j["causal"] is schema["causal"]["default"]
    assert j["dtype"] == schema["dtype"]["default"] and j["fidelity"] == schema["fidelity"]["default"]
    assert npusim.jobs.OP_DTYPES == tuple(schema["dtype"]["choices"])


@needs_engine
@pytest.mark.parametrize("flags, kwargs", [
    (["--op", "matmul", "--m", "64", "--n", "32", "--k", "16", "--batch", "2", "--trans-b", "--dtype", "fp8",
      "--fidelity", "fast"],
     dict(op="matmul", m=64, n=32, k=16, batch=2, trans_a=False, trans_b=True, dtype="fp8", fidelity="fast")),
    (["--op", "attention", "--batch", "1", "--heads", "8", "--kv-heads", "2", "--head-dim", "64", "--seq-q", "1",
      "--seq-kv", "256", "--no-causal", "--dtype", "bf16", "--fidelity", "cycle"],
     dict(op="attention", batch=1, heads=8, kv_heads=2, head_dim=64, seq_q=1, seq_kv=256, causal=False,
          dtype="bf16", fidelity="cycle")),
    (["--op", "elementwise", "--elements", "4096", "--kind", "mul", "--dtype", "bf16", "--fidelity", "fast"],
     dict(op="elementwise", elements=4096, kind="mul", dtype="bf16", fidelity="fast")),
])
def test_cli_and_python_build_the_same_op_job(flags, kwargs):
    import npusim
    p = subprocess.run([str(ENGINE), "op", "--chip", "ascend_950pr", "--name", "same", *flags, "--print-job"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == dict(npusim.OpRun("ascend_950pr", name="same", **kwargs))


@needs_engine
def test_cli_and_python_run_the_same_collective_job(tmp_path):
    import npusim
    # The command's flags are the job's keys ('-' for '_'): Python's job, spelled as flags, runs the same.
    job = dict(npusim.CollectiveRun("nvl72", op="allreduce", bytes="1M", ranks=8, algo="ring", name="same"))
    flags = [a for key, value in job.items() if key not in ("kind", "name")
             for a in ("--" + key.replace("_", "-"), str(value))]
    p = subprocess.run([str(ENGINE), "collective", *flags, "--json"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    cli = json.loads(p.stdout)
    py = npusim.run(job, out_dir=tmp_path / "run")
    assert {k: v for k, v in py.items() if k != "name"} == cli


@needs_engine
def test_job_of_unknown_kind_lists_the_kinds(tmp_path):
    path = tmp_path / "job.json"
    path.write_text(json.dumps({"kind": "trainig", "name": "x"}))
    p = subprocess.run([str(ENGINE), "job", str(path)], capture_output=True, text=True)
    assert p.returncode == 3, p.stderr
    assert "npusim: ConfigError: job.kind: unknown job kind 'trainig'; expected one of: memory, op, remote, " \
           "collective, noc" in p.stderr
    import npusim
    with pytest.raises(npusim.ConfigError, match=r"job\.kind: unknown job kind 'trainig'; expected one of: memory"):
        npusim.run({"kind": "trainig"}, out_dir=tmp_path / "run")
