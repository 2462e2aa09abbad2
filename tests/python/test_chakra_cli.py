"""`npusim chakra export|import`: an opgraph trace through Chakra ET files
comes back byte for byte; bad arguments and bad files exit with the usage (2)
and config (3) codes and say why."""
import subprocess
import pytest

from conftest import ENGINE, REPO, needs_engine

SAMPLE = REPO / "traces" / "samples" / "opgraph_tp8_layer.jsonl"


def chakra(*args):
    return subprocess.run([str(ENGINE), "chakra", *args], capture_output=True, text=True, timeout=120)


def canonical(path):
    return [line for line in path.read_text().splitlines() if not line.startswith("#")]


@needs_engine
def test_export_then_import_gives_the_same_trace(tmp_path):
    r = chakra("export", "--trace", str(SAMPLE), "--out", str(tmp_path / "tp8"))
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.glob("tp8.*.et")) == [f"tp8.{i}.et" for i in range(8)]
    r = chakra("import", "--trace", str(tmp_path / "tp8"), "--out", str(tmp_path / "back.jsonl"))
    assert r.returncode == 0, r.stderr
    assert canonical(tmp_path / "back.jsonl") == canonical(SAMPLE)


@needs_engine
def test_the_user_cli_forwards_chakra(tmp_path):
    from test_cli import npusim_cmd
    r = npusim_cmd("chakra", "export", "--trace", str(SAMPLE), "--out", str(tmp_path / "t"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "t.7.et").exists()


@needs_engine
@pytest.mark.parametrize("args, code, needle", [
    ([], 2, "expected export or import"),
    (["frob"], 2, "expected export or import, got 'frob'"),
    (["export", "--out", "x"], 2, "--trace is required"),
    (["import", "--trace", "x"], 2, "--out is required"),
    (["import", "--trace", "x", "--bogus"], 2, "unknown argument '--bogus'"),
    (["import", "--trace", "/nonexistent/p", "--out", "x.jsonl"], 3, "expected /nonexistent/p.0.et"),
])
def test_bad_arguments(args, code, needle):
    r = chakra(*args)
    assert r.returncode == code
    assert needle in r.stderr


@needs_engine
def test_a_truncated_file_is_a_config_error(tmp_path):
    assert chakra("export", "--trace", str(SAMPLE), "--out", str(tmp_path / "tp8")).returncode == 0
    f = tmp_path / "tp8.3.et"
    f.write_bytes(f.read_bytes()[:-7])
    r = chakra("import", "--trace", str(tmp_path / "tp8"), "--out", str(tmp_path / "x.jsonl"))
    assert r.returncode == 3
    assert f"{f}: byte " in r.stderr and "truncated file" in r.stderr
