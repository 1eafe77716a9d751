# -*- coding: utf-8 -*-
"""The ops.runbooks sandbox: an AWS emulator and a throwaway PostgreSQL on 127.0.0.1.

One code path for ``make demo``, ``make sandbox-up``/``sandbox-down`` and the pytest fixtures.

    python tests/sandbox/sandbox.py up [--emulator moto|localstack] [--iam] [--port N] [--pg-port N] [--faults SPEC]
    python tests/sandbox/sandbox.py down
    python tests/sandbox/sandbox.py run [--iam] [--faults SPEC] -- COMMAND ARGS...   # up, run, always down

``--faults RATE[,kinds=throttle+503+500+drop_before+drop_after,seed=N,ops=Op+Op,budget=N]`` puts the fault proxy
(``faults.py``) between modules/playbooks and the emulator: the endpoint written for them is the proxy's.

``up`` writes ``inventories/local*/group_vars/all/sandbox.yml`` (endpoint, PostgreSQL details,
dump paths; read by ``inventories/local``, ``local-agenticai`` and ``local-crypto-trading``) and ``.sandbox.json`` (PIDs and temp dir, read by
``down``). ``down`` stops by PID what ``up`` started and removes the temp dir and both files.
``run`` also exports the endpoint and dummy credentials as ``AWS_*`` / ``PG*`` variables.

The emulator is moto (default) or LocalStack (``--emulator localstack`` or ``OPS_RUNBOOKS_EMULATOR=localstack``):
LocalStack runs in-process from its own venv (``.venv-localstack``, Python 3.13, made by ``make test-localstack``),
bound to 127.0.0.1, with the services in ``LOCALSTACK_SERVICES`` only - DynamoDB, Lambda and RDS need downloads or
Docker there and stay on moto, so the seed skips them and no health endpoint is served. It is the second opinion on
the SQS, S3, CloudWatch and Logs modules: where moto is lax (FIFO deduplication, move-task preconditions), LocalStack
behaves as AWS does.

IAM-enforcing mode (``--iam``): moto is started with ``INITIAL_NO_AUTH_ACTION_COUNT`` so that only
the first few requests are free; the sandbox spends them creating an ``sandbox-admin`` user whose
keys then seed the environment. Every other caller needs an IAM user of its own
(see ``Sandbox.iam_user``).
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import faults  # noqa: E402  pylint: disable=wrong-import-position
import seed  # noqa: E402  pylint: disable=wrong-import-position

STATE_FILE = os.path.join(ROOT, ".sandbox.json")
INVENTORY_VARS = os.path.join(ROOT, "inventories", "local", "group_vars", "all", "sandbox.yml")
# Every sandbox inventory (inventories/local, local-agenticai, ...) reads the same connection details.
SANDBOX_INVENTORIES = ("local", "local-agenticai", "local-crypto-trading")
INVENTORY_VARS_FILES = [os.path.join(ROOT, "inventories", name, "group_vars", "all", "sandbox.yml")
                        for name in SANDBOX_INVENTORIES]
REGION = "eu-central-1"
DEFAULT_ACCOUNT = "123456789012"  # the emulator's account for the default credentials
DUMMY_KEY = "testing"
# Requests moto answers without authentication in IAM mode: CreateUser, PutUserPolicy, CreateAccessKey.
IAM_FREE_REQUESTS = 3
EMULATORS = ("moto", "localstack")
LOCALSTACK_SERVICES = "sqs,s3,cloudwatch,logs,sns,sts,iam,kms"
ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def default_emulator():
    return os.environ.get("OPS_RUNBOOKS_EMULATOR") or "moto"


def localstack_python():
    """The interpreter of LocalStack's own venv (``make test-localstack`` creates it)."""
    python = os.path.abspath(os.environ.get("OPS_RUNBOOKS_LOCALSTACK_PYTHON") or
                             os.path.join(ROOT, ".venv-localstack", "bin", "python"))
    if not os.access(python, os.X_OK):
        raise RuntimeError("LocalStack's venv is missing (%s): run make test-localstack" % python)
    return python


def pg_bindir():
    """Directory of the PostgreSQL server binaries (newest Debian cluster version, or $OPS_RUNBOOKS_PG_BINDIR)."""
    if os.environ.get("OPS_RUNBOOKS_PG_BINDIR"):
        return os.environ["OPS_RUNBOOKS_PG_BINDIR"]
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[-3]))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found (apt-get install postgresql)")
    return os.path.dirname(found[-1])


class Sandbox:
    """Lifecycle of one emulator + PostgreSQL pair. Use as a context manager or start()/stop()."""

    def __init__(self, iam=False, emulator_port=0, pg_port=0, seed_data=True, faults=None, emulator=None):
        self.emulator = emulator or default_emulator()
        if self.emulator not in EMULATORS:
            raise ValueError("emulator: %r is not one of %s" % (self.emulator, ", ".join(EMULATORS)))
        if iam and self.emulator != "moto":
            raise ValueError("iam: only moto enforces IAM (LocalStack's community edition does not)")
        self.iam = iam
        self.faults = faults  # a faults.py spec: modules and playbooks then go through the fault proxy
        self.faults_pid = None
        self.faults_url = None
        self.emulator_port = emulator_port or free_port()
        self.pg_port = pg_port or free_port()
        self.seed_data = seed_data
        self.tmpdir = None
        self.emulator_pid = None
        self.pg_started = False
        self.admin_credentials = {"aws_access_key_id": DUMMY_KEY, "aws_secret_access_key": DUMMY_KEY}
        self.dumps = {}
        self.pg_ca_cert = None
        self.health_port = free_port()

    # ---- public surface -------------------------------------------------------------------
    @property
    def endpoint_url(self):
        return "http://127.0.0.1:%d" % self.emulator_port

    @property
    def health_url(self):
        """The application health endpoint the sandbox serves (GET, 200 while the sandbox runs)."""
        return "http://127.0.0.1:%d/health" % self.health_port

    @property
    def api_health_url(self):
        """The API health endpoint: 200 until ``set_api_health(500)``, then 500 until ``set_api_health(200)``."""
        return "http://127.0.0.1:%d/api/health" % self.health_port

    def set_api_health(self, status):
        """Make the API health endpoint answer ``status`` (200 or 500) from now on."""
        urllib.request.urlopen(urllib.request.Request("%s?status=%d" % (self.api_health_url, status), method="POST"),
                               timeout=5)

    def fire_alarm(self, name, function=None, dimensions=None, namespace="AWS/Lambda", metric="Errors",
                   description="", reason="7 errors in 5 minutes"):
        """Put CloudWatch alarm ``name`` in ALARM, as it is when it notifies (an alarm's procedure asks CloudWatch
        before it acts); with ``function`` (or ``dimensions``), first create it as that function's error alarm
        (runbook 001's shape) or as an alarm on ``namespace``/``metric`` with those dimensions."""
        cloudwatch = self.client("cloudwatch")
        if function or dimensions:  # TreatMissingData=ignore: an emulator that evaluates alarms keeps the state set
            cloudwatch.put_metric_alarm(AlarmName=name, Namespace=namespace, MetricName=metric, Statistic="Sum",
                                        Dimensions=[{"Name": k, "Value": v} for k, v in
                                                    (dimensions or {"FunctionName": function}).items()],
                                        Period=300, EvaluationPeriods=1, Threshold=5, AlarmDescription=description,
                                        ComparisonOperator="GreaterThanThreshold", TreatMissingData="ignore")
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason=reason)

    def alarm_state(self, name, state=None, reason="back to normal"):
        """CloudWatch alarm ``name``'s state; with ``state``, set it first (a test leaves seeded alarms as found)."""
        cloudwatch = self.client("cloudwatch")
        if state:
            cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)
        return cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["StateValue"]

    @property
    def pg_dsn(self):
        return {"host": "127.0.0.1", "port": self.pg_port, "user": "postgres"}

    @property
    def module_endpoint_url(self):
        """Where modules and playbooks send their AWS calls: the fault proxy when there is one, else the emulator
        (seeding and the tests' own assertions always talk to the emulator directly)."""
        return self.faults_url or self.endpoint_url

    def details(self):
        """What a playbook or a test needs to reach the sandbox (written to the inventory vars file)."""
        return {
            "sandbox_aws_endpoint_url": self.module_endpoint_url,
            "sandbox_aws_region": REGION,
            "sandbox_aws_access_key": self.admin_credentials["aws_access_key_id"],
            "sandbox_aws_secret_key": self.admin_credentials["aws_secret_access_key"],
            "sandbox_pg_host": self.pg_dsn["host"],
            "sandbox_pg_port": self.pg_port,
            "sandbox_pg_user": self.pg_dsn["user"],
            "sandbox_pg_database": seed.PG_DATABASE,
            "sandbox_pg_dumps": self.dumps,
            "sandbox_pg_ca_cert": self.pg_ca_cert,
            "sandbox_health_url": self.health_url,
            "sandbox_api_health_url": self.api_health_url,
            "sandbox_reports_dir": os.path.join(self.tmpdir, "reports") if self.tmpdir else None,
            "sandbox_app_log": self.app_log,
        }

    @property
    def app_log(self):
        """Runbook 003's application error log on the data-readiness host (inventories/local: this machine)."""
        return os.path.join(self.tmpdir, "ai-data-readiness", "error.log") if self.tmpdir else None

    def env(self):
        """Environment variables pointing boto3, the AWS CLI and libpq at the sandbox."""
        return {
            "AWS_ENDPOINT_URL": self.module_endpoint_url,
            "AWS_ACCESS_KEY_ID": self.admin_credentials["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": self.admin_credentials["aws_secret_access_key"],
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "PGHOST": self.pg_dsn["host"],
            "PGPORT": str(self.pg_port),
            "PGUSER": self.pg_dsn["user"],
            "OPS_RUNBOOKS_SANDBOX_DIR": self.tmpdir or "",
        }

    def session(self, credentials=None):
        import boto3

        creds = credentials or self.admin_credentials
        return boto3.session.Session(region_name=REGION, **creds)

    def client(self, service, credentials=None):
        return self.session(credentials).client(service, endpoint_url=self.endpoint_url)

    def iam_user(self, policy_document, name=None):
        """Create an IAM user holding exactly ``policy_document`` (inline); return its credentials."""
        iam = self.client("iam")
        name = name or "lp-" + uuid.uuid4().hex[:10]
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="least-privilege", PolicyDocument=json.dumps(policy_document))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}

    def account_client(self, service, account_id):
        """A client acting in another account of the emulator (moto's ``x-moto-account-id`` header), as that
        account's administrator: how a test sets up what AssumeRole into that account needs."""
        client = self.client(service)

        def _into_account(request, **_kwargs):
            request.headers["x-moto-account-id"] = account_id

        client.meta.events.register("before-sign.%s.*" % client.meta.service_model.endpoint_prefix, _into_account)
        return client

    def assume(self, account_id, role_name="ops-runbooks", session_name="sandbox"):
        """Credentials in ``account_id`` through AssumeRole, the role created there first (the emulator, like AWS,
        refuses a role that does not exist). Returns the module options: access_key, secret_key, session_token."""
        iam = self.account_client("iam", account_id)
        try:
            iam.get_role(RoleName=role_name)
        except iam.exceptions.NoSuchEntityException:
            iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
                    "AWS": "arn:aws:iam::%s:root" % DEFAULT_ACCOUNT}}]}))
        creds = self.client("sts").assume_role(RoleArn="arn:aws:iam::%s:role/%s" % (account_id, role_name),
                                               RoleSessionName=session_name)["Credentials"]
        return {"access_key": creds["AccessKeyId"], "secret_key": creds["SecretAccessKey"],
                "session_token": creds["SessionToken"]}

    # ---- lifecycle ------------------------------------------------------------------------
    def start(self):
        self.tmpdir = tempfile.mkdtemp(prefix="ops-runbooks-sandbox-")
        try:
            if self.emulator == "localstack":
                self._start_localstack()
            else:
                self._start_moto()
            self._start_postgres()
            if self.iam:
                self._bootstrap_iam_admin()
            if self.seed_data:
                # The two seeds are independent: PostgreSQL's (a second of it is the slow statement the performance
                # review finds) runs beside the emulator's.
                with ThreadPoolExecutor(max_workers=1) as pool:
                    dumps = pool.submit(seed.seed_postgres, _psycopg2(), self.pg_dsn, pg_bindir(),
                                        os.path.join(self.tmpdir, "backups"))
                    seed.seed_aws(self.session(), self.endpoint_url, REGION, self.emulator)
                    self.dumps = dumps.result()
            os.makedirs(os.path.join(self.tmpdir, "reports"), exist_ok=True)
            seed.write_app_log(self.app_log)
            if self.faults:
                self._start_faults()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_faults(self):
        faults.parse_spec(self.faults)  # a bad spec fails here, before a process starts
        proc = subprocess.Popen([sys.executable, os.path.join(HERE, "faults.py"), str(self.emulator_port), self.faults],
                                stdout=subprocess.PIPE, text=True, start_new_session=True)
        self.faults_pid = proc.pid
        self.faults_url = proc.stdout.readline().strip()
        if not self.faults_url.startswith("http://127.0.0.1:"):
            raise RuntimeError("the fault proxy did not start")

    def stop(self):
        if self.faults_pid:
            _kill(self.faults_pid)
            self.faults_pid = None
            self.faults_url = None
        if self.emulator_pid:
            _kill(self.emulator_pid)
            self.emulator_pid = None
        if self.pg_started:
            _as_postgres([os.path.join(pg_bindir(), "pg_ctl"), "-D", self._pgdata, "-m", "immediate", "-w", "stop"],
                         check=False)
            self.pg_started = False
        if self.tmpdir and os.path.isdir(self.tmpdir):
            shutil.rmtree(self.tmpdir, ignore_errors=True)
        self.tmpdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- internals ------------------------------------------------------------------------
    @property
    def _pgdata(self):
        return os.path.join(self.tmpdir, "pgdata")

    def _start_moto(self):
        env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
        env.pop("AWS_ENDPOINT_URL", None)
        if self.iam:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(IAM_FREE_REQUESTS)
        log = open(os.path.join(self.tmpdir, "moto.log"), "wb")  # pylint: disable=consider-using-with
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [sys.executable, os.path.join(HERE, "moto_server.py"), str(self.emulator_port), str(self.health_port)],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
        )
        log.close()
        self.emulator_pid = proc.pid
        self._wait_ready(proc, "/moto-api/data.json", 30, "moto.log")

    def _start_localstack(self):
        """LocalStack in-process (no Docker) on 127.0.0.1 only, its files under the sandbox's temp dir."""
        root = os.path.join(self.tmpdir, "localstack")
        os.makedirs(os.path.join(root, "tmp"))
        listen = "127.0.0.1:%d" % self.emulator_port
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON", "LOCALSTACK_"))}
        env.update(
            OVERRIDE_IN_DOCKER="0",  # the image has a Docker marker file: without this LocalStack wipes its temp dir
            GATEWAY_SERVER="hypercorn", GATEWAY_LISTEN=listen, LOCALSTACK_HOST=listen,  # loopback only
            SERVICES=LOCALSTACK_SERVICES, EAGER_SERVICE_LOADING="1",
            SKIP_SSL_CERT_DOWNLOAD="1", DISABLE_EVENTS="1", DNS_ADDRESS="0",  # no downloads, no DNS server
            SQS_ENDPOINT_STRATEGY="off",  # queue URLs on the endpoint itself, not on *.localstack.cloud names
            FILESYSTEM_ROOT=root, TMPDIR=os.path.join(root, "tmp"),
        )
        log = open(os.path.join(self.tmpdir, "localstack.log"), "wb")  # pylint: disable=consider-using-with
        proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [localstack_python(), "-m", "localstack.runtime.main"],
            stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True, cwd=root,
        )
        log.close()
        self.emulator_pid = proc.pid
        self._wait_ready(proc, "/_localstack/health", 90, "localstack.log")

    def _wait_ready(self, proc, path, timeout, log_name):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError("%s exited: see %s/%s" % (self.emulator, self.tmpdir, log_name))
            try:
                urllib.request.urlopen(self.endpoint_url + path, timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("%s did not answer on %s" % (self.emulator, self.endpoint_url))

    def _start_postgres(self):
        bindir = pg_bindir()
        if os.geteuid() == 0:
            shutil.chown(self.tmpdir, "postgres")
        _as_postgres([os.path.join(bindir, "initdb"), "-D", self._pgdata, "-A", "trust", "-U", "postgres",
                      "--no-sync", "-E", "UTF8"], check=True)
        cert, key = self._server_certificate()
        options = ("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off -c max_connections=50 "
                   "-c ssl=on -c ssl_cert_file=%s -c ssl_key_file=%s -c shared_preload_libraries=pg_stat_statements" % (self.pg_port, self.tmpdir, cert, key))
        _as_postgres([os.path.join(bindir, "pg_ctl"), "-D", self._pgdata, "-w", "-t", "30", "-l",
                      os.path.join(self.tmpdir, "postgres.log"), "-o", options, "start"], check=True)
        self.pg_started = True

    def _server_certificate(self):
        """A self-signed certificate for 127.0.0.1 made at start (PostgreSQL serves TLS with it, so tests can use
        ssl_mode require / verify-full with ca_cert = ``self.pg_ca_cert``)."""
        import datetime

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        import ipaddress

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ops-runbooks sandbox")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=2))
                .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                            x509.DNSName("localhost")]), critical=False)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        cert_path, key_path = os.path.join(self.tmpdir, "server.crt"), os.path.join(self.tmpdir, "server.key")
        with open(cert_path, "wb") as fh:
            fh.write(cert.public_bytes(serialization.Encoding.PEM))
        with open(key_path, "wb") as fh:
            fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
        os.chmod(key_path, 0o600)
        if os.geteuid() == 0:
            for path in (cert_path, key_path):
                shutil.chown(path, "postgres")
        self.pg_ca_cert = cert_path
        return cert_path, key_path

    def _bootstrap_iam_admin(self):
        import boto3

        iam = boto3.client("iam", endpoint_url=self.endpoint_url, region_name=REGION,
                           aws_access_key_id=DUMMY_KEY, aws_secret_access_key=DUMMY_KEY)
        iam.create_user(UserName="sandbox-admin")
        iam.put_user_policy(UserName="sandbox-admin", PolicyName="admin", PolicyDocument=json.dumps(ADMIN_POLICY))
        key = iam.create_access_key(UserName="sandbox-admin")["AccessKey"]
        self.admin_credentials = {"aws_access_key_id": key["AccessKeyId"],
                                  "aws_secret_access_key": key["SecretAccessKey"]}


def _psycopg2():
    import psycopg2

    return psycopg2


def _as_postgres(cmd, check):
    """Run a PostgreSQL server command; as root through ``runuser -u postgres`` (initdb refuses root)."""
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, check=check, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd="/")


def _kill(pid, timeout=10):
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            finished, _status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # not our child (``down`` from another process)
            finished = 0 if _alive(pid) else pid
        if finished:
            return
        time.sleep(0.05)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _write_files(box):
    import yaml

    details = box.details()
    for path in INVENTORY_VARS_FILES:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("# Written by tests/sandbox/sandbox.py up; removed by down. Do not commit.\n")
            yaml.safe_dump(details, fh, default_flow_style=False)
    state = {"emulator_pid": box.emulator_pid, "faults_pid": box.faults_pid,
             "pgdata": box._pgdata, "tmpdir": box.tmpdir,  # pylint: disable=protected-access
             "details": details, "env": box.env()}
    with open(STATE_FILE, "w", encoding="utf-8") as fh:
        json.dump(state, fh, indent=2)


def _remove_files():
    for path in INVENTORY_VARS_FILES + [STATE_FILE]:
        if os.path.exists(path):
            os.unlink(path)


def cmd_up(args):
    if os.path.exists(STATE_FILE):
        cmd_down(args)
    box = Sandbox(iam=args.iam, emulator_port=args.emulator_port, pg_port=args.pg_port, faults=args.faults,
                  emulator=args.emulator).start()
    _write_files(box)
    print("sandbox up: AWS endpoint %s%s, PostgreSQL 127.0.0.1:%d, state in %s" % (
        box.module_endpoint_url, " (fault proxy %s in front of %s)" % (args.faults, box.endpoint_url)
        if args.faults else "", box.pg_port, box.tmpdir))
    return 0


def cmd_down(_args):
    if not os.path.exists(STATE_FILE):
        print("sandbox down: nothing running")
        _remove_files()
        return 0
    with open(STATE_FILE, encoding="utf-8") as fh:
        state = json.load(fh)
    for pid in (state.get("faults_pid"), state.get("emulator_pid")):
        if pid:
            _kill(pid)
    if state.get("pgdata") and os.path.isdir(state["pgdata"]):
        _as_postgres([os.path.join(pg_bindir(), "pg_ctl"), "-D", state["pgdata"], "-m", "immediate", "-w", "stop"],
                     check=False)
    if state.get("tmpdir"):
        shutil.rmtree(state["tmpdir"], ignore_errors=True)
    _remove_files()
    print("sandbox down")
    return 0


def cmd_run(args):
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        print("run: a command is required after --", file=sys.stderr)
        return 2
    box = Sandbox(iam=args.iam, emulator_port=args.emulator_port, pg_port=args.pg_port, faults=args.faults,
                  emulator=args.emulator)
    try:
        box.start()
        _write_files(box)
        return subprocess.call(command, env=dict(os.environ, **box.env()))
    finally:
        box.stop()
        _remove_files()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="action", required=True)
    for name in ("up", "run"):
        p = sub.add_parser(name)
        p.add_argument("--iam", action="store_true", help="enforce IAM (moto INITIAL_NO_AUTH_ACTION_COUNT)")
        p.add_argument("--port", "--moto-port", dest="emulator_port", type=int,
                       default=int(os.environ.get("OPS_RUNBOOKS_MOTO_PORT", "0")), help="the emulator's port")
        p.add_argument("--emulator", choices=EMULATORS, default=default_emulator(),
                       help="moto (default) or localstack (SQS, S3, CloudWatch, Logs, SNS, STS, IAM only; "
                            "$OPS_RUNBOOKS_EMULATOR)")
        p.add_argument("--pg-port", type=int, default=int(os.environ.get("OPS_RUNBOOKS_PG_PORT", "0")))
        p.add_argument("--faults", metavar="RATE[,kinds=a+b,seed=N,ops=Op+Op,budget=N]",
                       help="put the fault-injecting proxy (tests/sandbox/faults.py) between the modules and the "
                            "emulator, e.g. 0.1 or 0.3,kinds=throttle+503+drop_after,seed=7")
        if name == "run":
            p.add_argument("command", nargs=argparse.REMAINDER)
    sub.add_parser("down")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return {"up": cmd_up, "down": cmd_down, "run": cmd_run}[args.action](args)


if __name__ == "__main__":
    sys.exit(main())
