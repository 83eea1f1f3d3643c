"""The embviz command: every sub-command end to end on small real files, plus its exit codes."""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import embviz
from embviz import cli
from embviz.coords import read_coordinates as load_coordinates


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def npz(blobs, tmp_path):
    return embviz.save(blobs, tmp_path / "blobs.npz")[0]


@pytest.mark.parametrize("command", ["project", "train", "evaluate", "convert", "info", "serve"])
def test_every_command_explains_itself(capsys, command):
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: embviz {command}" in out and "example" in out


def test_usage_errors_exit_2_and_data_errors_exit_1_with_one_line(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        cli.main(["project", "x.npy"])  # no -o
    assert exc.value.code == 2
    assert "required: -o/--output" in capsys.readouterr().err
    code, _, err = run(capsys, "project", tmp_path / "missing.npy", "-o", tmp_path / "c.parquet")
    assert code == 1 and err == f"embviz: error: {tmp_path / 'missing.npy'}: no such file\n"
    code, _, err = run(capsys, "info", tmp_path)  # a folder with no vectors in it
    assert code == 1 and err.startswith("embviz: error: ") and err.count("\n") == 1


def test_project_small_equals_the_package_projection(capsys, npz, blobs, tmp_path):
    out = tmp_path / "coords.csv"
    code, _, err = run(capsys, "project", npz, "-o", out, "--method", "pca", "--seed", "1", "-q")
    assert code == 0 and err == ""
    table = pd.read_csv(out)
    ref = embviz.project(blobs, "pca", 2, seed=1, cache=False)
    assert table["key"].tolist() == ref.keys
    np.testing.assert_allclose(table[["x", "y"]].to_numpy(), ref.coords, rtol=1e-5, atol=1e-6)
    assert table["group"].tolist() == blobs.metadata["group"].tolist()


def test_project_params_are_typed_by_the_reducer_table(capsys, npz, tmp_path):
    out = tmp_path / "c.parquet"
    code, _, err = run(capsys, "project", npz, "-o", out, "--method", "umap", "--param", "n_neighbors=abc")
    assert code == 1
    assert err == ("embviz: error: The 'n_neighbors' parameter of UMAP must be an int in [2, 500] and below "
                   "n_samples. Got 'abc' instead.\n")
    code, _, err = run(capsys, "project", npz, "-o", out, "--method", "pca", "--param", "whiten")
    assert code == 1 and "'--param' parameter of embviz project must be of the form name=value" in err
    assert cli.parse_params("tsne", ["perplexity=12", "gradient=bh"]) == {"perplexity": 12.0, "gradient": "bh"}
    assert not out.exists()


def test_project_large_npy_maps_every_row_and_prints_quality(capsys, tmp_path):
    x = np.random.default_rng(0).normal(size=(3000, 16)).astype(np.float32)
    np.save(tmp_path / "big.npy", x)
    out = tmp_path / "coords.parquet"
    code, stdout, err = run(capsys, "project", tmp_path / "big.npy", "-o", out, "--sample", "800",
                            "--workers", "0", "--partition-rows", "1000", "--quality")
    assert code == 0
    assert "wrote 3,000 coordinates" in err and "fitted on 800" in err
    table = load_coordinates(out)
    assert len(table) == 3000 and table["in_sample"].sum() == 800
    scores = dict(line.split("\t") for line in stdout.strip().splitlines())
    assert 0.5 < float(scores["trustworthiness@10"]) <= 1.0 and scores["n"] == "800"


def test_project_large_to_csv_and_projector_tsv(capsys, tmp_path):
    np.save(tmp_path / "big.npy", np.random.default_rng(1).normal(size=(500, 8)).astype(np.float32))
    for name in ("c.csv", "c.tsv"):
        code, _, _ = run(capsys, "project", tmp_path / "big.npy", "-o", tmp_path / name, "--sample", "100",
                         "--workers", "0", "--partition-rows", "128", "-q")
        assert code == 0
    csv, tsv = load_coordinates(tmp_path / "c.csv"), load_coordinates(tmp_path / "c.tsv")
    assert (tmp_path / "c_metadata.tsv").exists()
    assert tsv["key"].tolist() == csv["key"].tolist() == [str(i) for i in range(500)]
    np.testing.assert_allclose(tsv[["x", "y"]], csv[["x", "y"]], rtol=1e-5)


def test_convert_and_info(capsys, npz, blobs, tmp_path):
    out = tmp_path / "blobs.vec"
    code, _, err = run(capsys, "convert", npz, out, "--limit", "50")
    assert code == 0 and "wrote 50 vectors × 16" in err
    back = embviz.load(out)
    assert back.keys == blobs.keys[:50]
    np.testing.assert_allclose(back.vectors, blobs.vectors[:50], rtol=1e-5)
    code, stdout, _ = run(capsys, "info", npz, "--json", "-q")
    info = json.loads(stdout)
    assert info["format"] == "npz" and (info["rows"], info["dims"]) == (300, 16)
    assert info["metadata"] == ["group", "rank"] and info["duplicate_groups"] == 0


def test_train_then_evaluate_agrees_with_gensim(capsys, tmp_path):
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)]
    lines = [" ".join(rng.choice(words, size=12)) for _ in range(400)]
    (tmp_path / "corpus.txt").write_text("\n".join(lines) + "\n")
    vec = tmp_path / "v.txt"
    code, _, err = run(capsys, "train", tmp_path / "corpus.txt", "-o", vec, "--dims", "16", "--epochs", "2",
                       "--min-count", "1", "--workers", "1")
    assert code == 0 and "trained 40 words × 16 dims" in err
    (tmp_path / "q.txt").write_text(": s\nw1 w2 w3 w4\nw5 w6 w7 w8\nw9 w10 w11 w12\nw1 w2 nope w4\n")
    (tmp_path / "p.tsv").write_text("w1\tw2\t3\nw3\tw4\t1\nw5\tw9\t2\nw6\tw7\t5\n")
    code, stdout, _ = run(capsys, "evaluate", vec, "--analogies", tmp_path / "q.txt",
                          "--similarity", tmp_path / "p.tsv", "--json", "-q")
    assert code == 0
    rows = {r["kind"]: r for r in json.loads(stdout)}
    kv = embviz.load(vec).to_keyedvectors()
    score, _ = kv.evaluate_word_analogies(str(tmp_path / "q.txt"))
    (_pearson, spearman, _oov) = kv.evaluate_word_pairs(str(tmp_path / "p.tsv"))
    assert rows["analogy"]["score"] == pytest.approx(score) and rows["analogy"]["used"] == 3
    assert rows["similarity"]["score"] == pytest.approx(spearman.statistic)


def test_interrupt_exits_130(capsys, monkeypatch, npz):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "cmd_info", interrupted)
    code, _, err = run(capsys, "info", npz)
    assert code == 130 and err == "embviz: interrupted\n"


def test_serve_command_binds_localhost_unless_network(npz):
    args = cli.build_parser().parse_args(["serve", str(npz), "--port", "8600"])
    cmd, env = cli.serve_command(args)
    assert cmd[1:4] == ["-m", "streamlit", "run"] and Path(cmd[4]).name == "dashboard.py"
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1" and "8600" in cmd
    assert env["EMBVIZ_FILE"] == str(Path(npz).resolve())
    with pytest.raises(embviz.EmbeddingFormatError, match="is a folder"):
        cli.serve_command(cli.build_parser().parse_args(["serve", str(Path(npz).parent)]))
    args = cli.build_parser().parse_args(["serve", "--network"])
    assert cli.serve_command(args)[0][cmd.index("--server.address") + 1] == "0.0.0.0"


def test_serve_runs_from_the_checkout_with_paths_made_absolute(monkeypatch, tmp_path):
    """The server runs in the checkout (its .streamlit/config.toml applies wherever the command is
    typed), so relative folders in the settings are resolved against where it was typed."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EMBVIZ_CACHE", "cache-here")
    monkeypatch.setenv("EMBVIZ_DATA_DIRS", f"a{os.pathsep}{tmp_path / 'b'}")
    _, env = cli.serve_command(cli.build_parser().parse_args(["serve"]))
    assert env["EMBVIZ_CACHE"] == str(tmp_path / "cache-here")
    assert env["EMBVIZ_DATA_DIRS"].split(os.pathsep) == [str(tmp_path / "a"), str(tmp_path / "b")]
    config = (Path(cli.dashboard_path()).parent / ".streamlit" / "config.toml").read_text()
    assert "postScriptGC = false" in config and "disconnectedSessionTTL" in config


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_python_m_embviz_serves_the_dashboard(npz):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "embviz", "serve", str(npz), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline, body = time.monotonic() + 60, ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert body == "ok", proc.stdout.read().decode() if proc.poll() is not None else "no answer"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


@pytest.mark.skipif(shutil.which("embviz") is None, reason="console script not installed (pip install -e .)")
def test_console_script_and_version():
    done = subprocess.run(["embviz", "--version"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0 and done.stdout.strip() == f"embviz {embviz.__version__}"


def test_serve_refuses_a_taken_port_before_announcing_the_dashboard(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = run(capsys, "serve", "--port", port)
    assert code == 1 and "dashboard on" not in err + out
    assert err == (f"embviz: error: The '--port' parameter of embviz serve must be a free port (port {port} on "
                   f"127.0.0.1 is in use; choose another, e.g. --port {port + 1}). Got {port} instead.\n")


@pytest.mark.filterwarnings("ignore:.*holds no keys")
def test_a_registered_method_is_offered_explained_and_run(capsys, npz, blobs, tmp_path):
    from embviz.params import ParamSpec
    from embviz.reduce.base import REDUCERS, Fit, Reducer, register

    @register
    class FirstColumns(Reducer):
        name, label = "firstcols", "First columns"
        PARAMS = [ParamSpec("scale", "float", 1.0, low=0.1, high=10, help="multiplies the columns")]

        def fit(self, x, dims, seed, params, progress):
            return Fit(np.ascontiguousarray(x[:, :dims] * params["scale"], dtype=np.float32))

    @register
    class Columns(FirstColumns):  # reads columns: fitted on every row in this process, whatever --sample says
        name, label, reads_columns = "colsread", "Columns read", True

    big = tmp_path / "big.npy"
    np.save(big, np.random.default_rng(0).normal(size=(300, 5)).astype(np.float32))
    try:
        with pytest.raises(SystemExit):
            cli.main(["project", "--help"])
        helptext = capsys.readouterr().out
        assert "firstcols" in helptext and "First columns" in helptext
        block = helptext.split("\n  firstcols")[1].split("\n  colsread")[0]  # its row of the method table
        assert "First columns" in block and "scale: a float in [0.1, 10]" in block
        out = tmp_path / "first.csv"
        code, _, err = run(capsys, "project", npz, "-o", out, "--method", "firstcols", "--metric", "euclidean",
                           "--param", "scale=2", "-q")
        assert code == 0, err
        np.testing.assert_allclose(pd.read_csv(out)[["x", "y"]].to_numpy(), blobs.vectors[:, :2] * 2, rtol=1e-5)
        code, _, err = run(capsys, "project", npz, "-o", out, "--method", "firstcols", "--param", "scale=20")
        assert code != 0 and "'scale' parameter of First columns" in err
        code, out_text, err = run(capsys, "project", big, "-o", tmp_path / "cols.csv", "--method", "colsread",
                                  "--sample", "50", "--metric", "euclidean")
        assert code == 0, err
        assert "every row fitted in this process" in out_text + err
        code, out_text, err = run(capsys, "project", big, "-o", tmp_path / "first_big.csv", "--method", "firstcols",
                                  "--sample", "50", "--workers", "0", "--metric", "euclidean")
        assert code == 0, err
        assert "fitted on 50 of 300 rows" in out_text + err
    finally:
        REDUCERS.pop("firstcols", None), REDUCERS.pop("colsread", None)
    with pytest.raises(SystemExit):
        cli.main(["project", "--help"])
    assert "firstcols" not in capsys.readouterr().out
