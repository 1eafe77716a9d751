# -*- coding: utf-8 -*-
"""Benchmark: verify a ~150 MB dump (~2M rows in 3 tables), comparing equal work in pairs, in one run.

Custom format (``verify_bench.dump``):
  (a) the limit: ``createdb`` + bare ``pg_restore -j2`` into a fresh database + ``count(*)`` of every table +
      ``dropdb`` (the module drops its scratch database within its time too);
  (b) ``ops.runbooks.backup_verify`` via ``ansible-playbook`` on the same dump (jobs 2, min_rows on every table;
      scratch database created, restored, counted, checked against the table of contents, dropped).
Plain SQL, gzipped (``verify_bench.sql.gz``, the same data):
  (c) runbook 003 as written: ``createdb`` + ``gunzip -c | psql`` + ``count(*)`` (+ ``dropdb``, as above);
  (d) ``ops.runbooks.backup_verify`` on that same ``.sql.gz`` (streamed into psql, closing line checked).
(s) the fixed start-up of a one-task ansible-playbook, measured apart.
Five databases (the monthly test restore of several): five copies of the plain dump,
  (e) runbook 003's procedure verifying them one after another (five times (c));
  (f) ``ops.runbooks.backup_verify`` verifying the five in one task, ``concurrency: 5``.

The dumps are generated once and cached in bench/.cache (not timed). Each method runs BENCH_RUNS times (default
3): medians count, min and max show the spread. Prints b/a (goal <= 1.15) and d/c (goal <= 1.15), each also
without the start-up, b/c (custom with the module against the runbook's plain dump: formats differ) and f/e
(issue #15: several dumps concurrently against the runbook's serial restores).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import psycopg2

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.path.join(HERE, ".cache")
sys.path.insert(0, os.path.join(ROOT, "tests", "sandbox"))

from sandbox import Sandbox  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, HERE)
from common import RUNS, report, stats  # noqa: E402  pylint: disable=wrong-import-position

RUN_COUNT = int(os.environ.get("BENCH_RUNS", RUNS))

CUSTOM = os.path.join(CACHE, "verify_bench.dump")
PLAIN_GZ = os.path.join(CACHE, "verify_bench.sql.gz")
ROWS = {"events": 1400000, "orders": 500000, "customers": 100000}
SCHEMA = [
    "CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, token text NOT NULL)",
    "CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers(id), amount numeric(12,2),"
    " note text)",
    "CREATE TABLE events (id bigint PRIMARY KEY, order_id int, at timestamptz, payload text)",
    "INSERT INTO customers SELECT g, 'c' || g || '@example.com', md5(random()::text) FROM generate_series(1, %(customers)d) g",
    "INSERT INTO orders SELECT g, 1 + g %% %(customers)d, round((random() * 1000)::numeric, 2),"
    " md5(random()::text) || md5(random()::text) FROM generate_series(1, %(orders)d) g",
    "INSERT INTO events SELECT g, 1 + g %% %(orders)d, now() - g * interval '1 second',"
    " md5(random()::text) || md5(random()::text) || md5(random()::text) FROM generate_series(1, %(events)d) g",
    "CREATE INDEX ON events (order_id)",
]


def env(box):
    return dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(box.pg_port), PGUSER="postgres")


def generate(box):
    if os.path.exists(CUSTOM) and os.path.exists(PLAIN_GZ):
        return
    os.makedirs(CACHE, exist_ok=True)
    print("generating the benchmark dumps once (cached in bench/.cache) ...", flush=True)
    subprocess.run(["createdb", "bench_source"], env=env(box), check=True)
    db = psycopg2.connect(dbname="bench_source", **box.pg_dsn)
    with db, db.cursor() as cur:
        for statement in SCHEMA:
            cur.execute(statement % ROWS)
    db.close()
    subprocess.run(["pg_dump", "-Fc", "-f", CUSTOM + ".tmp", "bench_source"], env=env(box), check=True)
    subprocess.run("pg_dump bench_source | gzip -1 > %s.tmp" % PLAIN_GZ, shell=True, env=env(box), check=True)
    os.rename(CUSTOM + ".tmp", CUSTOM)
    os.rename(PLAIN_GZ + ".tmp", PLAIN_GZ)


def counts(box, dbname):
    db = psycopg2.connect(dbname=dbname, **box.pg_dsn)
    try:
        with db.cursor() as cur:
            result = {}
            for table in ROWS:
                cur.execute("SELECT count(*) FROM %s" % table)
                result[table] = cur.fetchone()[0]
            return result
    finally:
        db.close()


def method_a(box, n):
    name = "bench_a%d" % n
    start = time.perf_counter()
    subprocess.run(["createdb", name], env=env(box), check=True)
    subprocess.run(["pg_restore", "-j", "2", "--no-owner", "-d", name, CUSTOM], env=env(box), check=True)
    got = counts(box, name)
    subprocess.run(["dropdb", name], env=env(box), check=True)  # timed: the module drops its scratch database too
    took = time.perf_counter() - start
    assert got == ROWS, got
    return took


def method_b(box, workdir, noop=False, dump=CUSTOM, dumps=None, concurrency=1):
    """backup_verify in one task of ansible-playbook (one dump, or ``dumps`` with ``concurrency``); with noop, the
    same playbook's fixed start-up only."""
    playbook = os.path.join(workdir, "verify.json")
    dumps = dumps or [dump]
    task = {"name": "verify", "ops.runbooks.backup_verify": {
        "postgres": [{"path": path, "jobs": 2, "max_age": "3650d", "min_rows": ROWS} for path in dumps],
        "concurrency": concurrency,
        "login_host": "127.0.0.1", "login_port": box.pg_port, "login_user": "postgres"}, "register": "r"}
    check = {"name": "check", "ansible.builtin.assert": {"that": ["r.summary.fail == 0",
                                                                  "r.summary['pass'] == %d" % (7 * len(dumps))]}}
    if noop:
        task = {"name": "noop", "ansible.builtin.debug": {"msg": "start-up only"}}
        check = {"name": "check", "ansible.builtin.assert": {"that": ["true"]}}
    with open(playbook, "w", encoding="utf-8") as fh:
        json.dump([{"name": "bench", "hosts": "localhost", "gather_facts": False, "tasks": [task, check]}], fh)
    start = time.perf_counter()
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, "-i", "localhost,",
                    "-c", "local", "-e", "ansible_python_interpreter=" + sys.executable],
                   env=dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg")), check=True,
                   capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def method_c(box, n):
    name = "bench_c%s" % n
    start = time.perf_counter()
    subprocess.run(["createdb", name], env=env(box), check=True)
    subprocess.run("gunzip -c %s | psql -q -X -o /dev/null %s" % (PLAIN_GZ, name), shell=True, env=env(box),
                   check=True)
    got = counts(box, name)
    subprocess.run(["dropdb", name], env=env(box), check=True)  # timed: the module drops its scratch database too
    took = time.perf_counter() - start
    assert got == ROWS, got
    return took


def main():
    with Sandbox(seed_data=False) as box, tempfile.TemporaryDirectory() as workdir:
        generate(box)
        five = []
        for number in range(1, 6):  # five databases' dumps (the same data; each restores into its own database)
            five.append(os.path.join(workdir, "db%d.sql.gz" % number))
            os.symlink(PLAIN_GZ, five[-1])
        runs = {"a": [], "b": [], "c": [], "d": [], "s": [], "e": [], "f": []}
        for n in range(RUN_COUNT):  # interleaved, so that a slow moment of the machine hits every method alike
            runs["a"].append(method_a(box, n))
            runs["b"].append(method_b(box, workdir))
            runs["c"].append(method_c(box, n))
            runs["d"].append(method_b(box, workdir, dump=PLAIN_GZ))
            runs["s"].append(method_b(box, workdir, noop=True))
            runs["e"].append(sum(method_c(box, "%d_%d" % (n, number)) for number in range(5)))
            runs["f"].append(method_b(box, workdir, dumps=five, concurrency=5))
    a, b, c, d, s, e, f = (stats(runs[k]) for k in "abcdsef")
    start = s["median"]
    report("backup_verify", "custom dump %.0f MB, plain .sql.gz %.0f MB, %d rows in %d tables" % (
        os.path.getsize(CUSTOM) / 1e6, os.path.getsize(PLAIN_GZ) / 1e6, sum(ROWS.values()), len(ROWS)), {
        "(a) custom: createdb + pg_restore -j2 + counts (the limit)": a,
        "(b) custom: backup_verify via ansible-playbook": b,
        "(c) .sql.gz: runbook 003 as written, gunzip | psql + counts": c,
        "(d) .sql.gz: backup_verify via ansible-playbook": d,
        "(s) one-task playbook start-up": s,
        "(e) five .sql.gz: runbook 003 one after another": e,
        "(f) five .sql.gz: backup_verify, concurrency 5": f,
    }, {
        "b/a": (b["median"] / a["median"], "goal <= 1.15"),
        "(b - start-up)/a": ((b["median"] - start) / a["median"], "goal <= 1.15"),
        "d/c": (d["median"] / c["median"], "goal <= 1.15 (same .sql.gz)"),
        "(d - start-up)/c": ((d["median"] - start) / c["median"], "goal <= 1.15"),
        "b/c": (b["median"] / c["median"], "custom via the module vs the runbook's plain dump (formats differ)"),
        "f/e": (f["median"] / e["median"], "five dumps concurrently vs the runbook's serial restores (< 1: faster)"),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
