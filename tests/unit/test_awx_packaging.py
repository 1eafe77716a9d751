# -*- coding: utf-8 -*-
"""What AWX and ansible-builder read: collections/requirements.yml, meta/execution-environment.yml,
requirements-runtime.txt, bindep.txt, execution-environment.yml. Offline: the project is installed from a fresh copy
of the repository (nothing pre-linked), and ansible-builder only writes a build context (no container runtime)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
DEVELOPMENT_ONLY = ("moto", "molecule", "pytest", "ansible-lint", "ansible-builder", "localstack")


def load(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def galaxy_dependencies():
    return load("galaxy.yml")["dependencies"]


def clean_env():
    env = dict(os.environ)
    for key in ("ANSIBLE_CONFIG", "ANSIBLE_COLLECTIONS_PATH", "PYTHONPATH"):
        env.pop(key, None)
    return env


def test_awx_installs_this_collection_from_the_project_and_galaxy_ymls_dependencies():
    """AWX's project update reads collections/requirements.yml, never galaxy.yml: the two must say the same."""
    entries = load("collections/requirements.yml")["collections"]
    assert entries[0] == {"name": "./", "type": "dir"}
    assert dict((e["name"], e["version"]) for e in entries[1:]) == galaxy_dependencies()


def test_every_dependency_is_bounded_to_the_major_version_the_tests_ran_with():
    """#30: AWX installs whatever a range admits at every project update; ``>=10.0.0`` took the next major version
    (a new API) untested. Each collection range has an upper bound that the installed (tested) version is below, and
    every runtime Python requirement has one too."""
    import ansible_collections.amazon.aws
    site = os.path.dirname(os.path.dirname(ansible_collections.amazon.__path__[0]))
    for name, spec in galaxy_dependencies().items():
        low, high = re.fullmatch(r">=(\d+)\.\d+\.\d+,<(\d+)\.0\.0", spec).groups()
        manifest = os.path.join(site, "ansible_collections", *name.split("."), "MANIFEST.json")
        with open(manifest, encoding="utf-8") as fh:
            tested = int(json.load(fh)["collection_info"]["version"].split(".")[0])
        assert int(low) <= tested < int(high), (name, spec, tested)
    with open(os.path.join(ROOT, "requirements-runtime.txt"), encoding="utf-8") as fh:
        lines = [line.strip() for line in fh if line.strip() and not line.startswith("#")]
    assert lines and all(",<" in line for line in lines), lines


def test_the_execution_environment_carries_the_same_dependencies():
    ee = load("execution-environment.yml")
    assert ee["version"] == 3
    galaxy = ee["dependencies"]["galaxy"]["collections"]
    assert dict((c["name"], c["version"]) for c in galaxy) == galaxy_dependencies()
    assert ee["dependencies"]["python"] == "requirements-runtime.txt" and ee["dependencies"]["system"] == "bindep.txt"
    requires = load("meta/runtime.yml")["requires_ansible"]
    assert requires == ">=2.19.0" and ee["dependencies"]["ansible_core"]["package_pip"].startswith("ansible-core>=2.19")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The collection installed as AWX's project update does: from a fresh copy of the repository, by
    ``ansible-galaxy collection install -r`` with the requirements' ``./`` entry (offline; the Galaxy dependencies
    are not downloaded here)."""
    project, collections = tmp_path_factory.mktemp("project"), tmp_path_factory.mktemp("collections")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.split(b"\0")
    subprocess.run(["cp", "--parents", "-t", str(project)] + [f.decode() for f in files if f], cwd=ROOT, check=True)
    only_this = project / "collections" / "this-only.yml"
    only_this.write_text(yaml.safe_dump({"collections": [load("collections/requirements.yml")["collections"][0]]}))
    proc = subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "-r", str(only_this), "-p",
                           str(collections), "--offline", "--no-deps"], cwd=project, capture_output=True, text=True,
                          env=clean_env(), check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return collections


def test_the_project_install_has_the_roles_modules_and_ee_metadata(installed):
    root = installed / "ansible_collections" / "ops" / "runbooks"
    for path in ("roles/health_check/tasks/main.yml", "plugins/modules/sqs_redrive.py",
                 "meta/execution-environment.yml", "requirements-runtime.txt", "bindep.txt"):
        assert (root / path).is_file(), path
    for path in ("Makefile", "requirements.txt", "bench", ".venv", ".build"):
        assert not (root / path).exists(), path  # galaxy.yml's build_ignore holds for a dir install too


def test_ansible_builder_collects_exactly_the_runtime_dependencies(installed, tmp_path):
    proc = subprocess.run([os.path.join(BIN, "ansible-builder"), "introspect", "--sanitize", str(installed)],
                          capture_output=True, text=True, env=clean_env(), check=True)
    found = yaml.safe_load(proc.stdout.split("\n", 1)[1])
    python = sorted(re.split(r"[<>=\s]", line, maxsplit=1)[0] for line in found["python"])
    assert python == ["boto3", "botocore", "matplotlib", "psycopg2-binary"], found["python"]
    assert any(line.startswith("postgresql-client [platform:dpkg]") for line in found["system"]), found["system"]
    context = tmp_path / "context"
    subprocess.run([os.path.join(BIN, "ansible-builder"), "create", "-f", os.path.join(ROOT, "execution-environment.yml"),
                    "-c", str(context)], capture_output=True, text=True, env=clean_env(), check=True, cwd=ROOT)
    lines = (context / "_build" / "requirements.txt").read_text().splitlines()
    names = sorted(re.split(r"[<>=\s\[]", line, maxsplit=1)[0] for line in lines if line.strip() and line[0] != "#")
    assert names == ["boto3", "botocore", "matplotlib", "psycopg2-binary"] and not set(names) & set(DEVELOPMENT_ONLY), names
    assert "postgresql-client" in (context / "_build" / "bindep.txt").read_text()
    # #30: Stream 9's default PostgreSQL client (13) cannot read a newer pg_dump's dumps: the EE enables a current one
    containerfile = next(p for p in (context / "Containerfile", context / "Dockerfile") if p.exists()).read_text()
    assert "RUN dnf module enable -y postgresql:16" in containerfile
    assert containerfile.index("postgresql:16") < containerfile.index("FROM base as final")


def test_the_built_tarball_holds_no_navigator_artifacts_build_dirs_or_sandbox_state(tmp_path):
    """Build from a copy of the repository with everything a working tree collects planted in it (navigator log and
    artifacts, .build, the sandbox's inventory file, reports, the LocalStack venv), then list the tarball."""
    import tarfile  # pylint: disable=import-outside-toplevel

    tree = tmp_path / "tree"
    tree.mkdir()
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.split(b"\0")
    subprocess.run(["cp", "--parents", "-t", str(tree)] + [f.decode() for f in files if f], cwd=ROOT, check=True)
    planted = ["ansible-navigator.log", "playbooks/daily_health-artifact-2026-11-23T01:02:03.json",
               ".build/collections/x", "inventories/local/group_vars/all/sandbox.yml", "reports/daily_health-local.md",
               ".venv-localstack/bin/python", ".venv/bin/python", "requirements.txt", "Makefile"]
    for path in planted:
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_text("planted")
    proc = subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path",
                           str(tmp_path), "--force", str(tree)], capture_output=True, text=True, env=clean_env(),
                          check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [tarball] = tmp_path.glob("ops-runbooks-*.tar.gz")
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    assert "roles/health_check/tasks/main.yml" in names and "plugins/lookup/reports_dir.py" in names
    leaked = [n for n in names if n in planted or n.split("/")[0] in (".build", ".venv", ".venv-localstack", "reports")
              or "-artifact-" in n]
    assert leaked == [], leaked
