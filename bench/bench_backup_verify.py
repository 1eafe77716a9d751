# -*- coding: utf-8 -*-
"""Benchmark: verify a ~150 MB custom-format dump (~2M rows in 3 tables) three ways, in one run.

(a) the limit: ``createdb`` + bare ``pg_restore -j2`` into a fresh database + ``count(*)`` of every table;
(b) ``ops.runbooks.backup_verify`` via ``ansible-playbook`` on the same dump (jobs 2, min_rows on every table;
    scratch database created, restored, counted and dropped);
(c) the seed 003 method on the same data as ``latest.sql.gz`` (a plain ``pg_dump``, gzipped):
    ``createdb`` + ``gunzip -c | psql`` + ``count(*)``.

The dumps are generated once and cached in bench/.cache (generation is not timed). Each method runs twice and the
faster run counts. Prints b/a (goal <= 1.15) and b/c (goal < 1). Ratios within one run are the result.
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
    took = time.perf_counter() - start
    subprocess.run(["dropdb", name], env=env(box), check=True)
    assert got == ROWS, got
    return took


def method_b(box, workdir, noop=False):
    """backup_verify in one task of ansible-playbook; with noop, the same playbook's fixed start-up only."""
    playbook = os.path.join(workdir, "verify.json")
    task = {"name": "verify", "ops.runbooks.backup_verify": {
        "postgres": [{"path": CUSTOM, "jobs": 2, "max_age": "3650d", "min_rows": ROWS}],
        "login_host": "127.0.0.1", "login_port": box.pg_port, "login_user": "postgres"}, "register": "r"}
    check = {"name": "check", "ansible.builtin.assert": {"that": ["r.summary.fail == 0", "r.summary['pass'] == 6"]}}
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
    name = "bench_c%d" % n
    start = time.perf_counter()
    subprocess.run(["createdb", name], env=env(box), check=True)
    subprocess.run("gunzip -c %s | psql -q -X -o /dev/null %s" % (PLAIN_GZ, name), shell=True, env=env(box),
                   check=True)
    got = counts(box, name)
    took = time.perf_counter() - start
    subprocess.run(["dropdb", name], env=env(box), check=True)
    assert got == ROWS, got
    return took


def main():
    with Sandbox(seed_data=False) as box, tempfile.TemporaryDirectory() as workdir:
        generate(box)
        runs = {"a": [], "b": [], "c": [], "s": []}
        for n in range(2):
            runs["a"].append(method_a(box, n))
            runs["b"].append(method_b(box, workdir))
            runs["c"].append(method_c(box, n))
            runs["s"].append(method_b(box, workdir, noop=True))
    a, b, c, startup = (min(runs[k]) for k in "abcs")
    print("backup_verify benchmark: custom dump %.0f MB, plain .sql.gz %.0f MB, %d rows in %d tables" % (
        os.path.getsize(CUSTOM) / 1e6, os.path.getsize(PLAIN_GZ) / 1e6, sum(ROWS.values()), len(ROWS)))
    print("  (a) createdb + pg_restore -j2 + counts (the limit) %7.2f s   runs %s" % (a, _runs(runs["a"])))
    print("  (b) backup_verify via ansible-playbook             %7.2f s   runs %s" % (b, _runs(runs["b"])))
    print("  (c) seed 003: gunzip | psql + counts               %7.2f s   runs %s" % (c, _runs(runs["c"])))
    print("      of which ansible-playbook start-up (a one-task no-op playbook) %.2f s   runs %s" % (
        startup, _runs(runs["s"])))
    print("  b/a = %.3f   (goal <= 1.15)   without the start-up: %.3f" % (b / a, (b - startup) / a))
    print("  b/c = %.3f   (goal < 1: b faster than c)   without the start-up: %.3f" % (b / c, (b - startup) / c))
    return 0


def _runs(values):
    return ", ".join("%.2f" % v for v in values)


if __name__ == "__main__":
    sys.exit(main())
