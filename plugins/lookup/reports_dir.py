# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: reports_dir
short_description: The directory this run's reports go to, writable by whoever runs the job
version_added: 0.1.0
description:
  - Returns one directory on the controller, the first of
    E(OPS_RUNBOOKS_REPORTS_DIR) (always, when set),
    the job's own directory when the run is an ansible-runner / AWX job (E(AWX_ISOLATED_DATA_DIR), the job's
    artifact directory, then E(AWX_PRIVATE_DATA_DIR)) with C(/reports) appended,
    each of the given candidates that exists writable or could be created by the current user - a candidate inside
    an installed collection (a playbook run by its name, C(ops.runbooks.daily_health), resolves
    C(playbook_dir/../reports) into the collection's own directory) stands for C(reports/) of the current directory,
    and C(<TMPDIR>/ops-runbooks-reports-<user>) - so a report never fails a job with Permission denied because the
    inventory's default resolved to a directory the job's user cannot write (an AWX inventory imported from the
    project resolves C(inventory_dir/../../reports) to C(/reports)).
  - The temporary directory's C(ops-runbooks-reports-<user>) is made here, 0700, and used only when it is a real
    directory (not a symlink) of this user that nobody else may write - another user could have made that name
    first; otherwise C(~/.cache/ops-runbooks-reports), and when neither is private the lookup fails naming both.
  - The other directories are not created here; the report role creates them (0700) and does not count that as a
    change.
options:
  _terms:
    description: Candidate directories, in order of preference (relative ones against the current directory).
    type: list
    elements: path
    required: false
author:
  - ops.runbooks maintainers (@ops-runbooks)
"""

EXAMPLES = r"""
- name: The inventory's default - the repository's reports/ when writable, else the job's or a temporary directory
  ansible.builtin.set_fact:
    ops_runbooks_reports_dir: "{{ lookup('ops.runbooks.reports_dir', inventory_dir ~ '/../../reports') }}"
"""

RETURN = r"""
_raw:
  description: One absolute directory path.
  type: list
  elements: path
"""

import getpass
import os
import re
import tempfile

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.ops.runbooks.plugins.plugin_utils.private_dir import own_private_dir

ENV_OVERRIDE = "OPS_RUNBOOKS_REPORTS_DIR"
JOB_DIRS = ("AWX_ISOLATED_DATA_DIR", "AWX_PRIVATE_DATA_DIR")  # ansible-runner's artifact dir; AWX's job dir
INSTALLED = re.compile(r"/ansible_collections/[^/]+/[^/]+(/|$)")  # a path inside an installed collection


def creatable(path):
    """True when ``path`` is a writable directory, or its nearest existing ancestor is one (so it can be made)."""
    probe = path
    while not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            return False
        probe = parent
    return os.path.isdir(probe) and os.access(probe, os.W_OK | os.X_OK)


def user_name():
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a uid without a passwd entry (containers running as an arbitrary uid)
        return str(os.getuid())


def reports_dir(candidates, environ=None):
    """The directory the reports go to (see DOCUMENTATION for the order)."""
    environ = os.environ if environ is None else environ
    if environ.get(ENV_OVERRIDE):
        return os.path.realpath(environ[ENV_OVERRIDE])
    for variable in JOB_DIRS:
        if environ.get(variable) and creatable(os.path.join(environ[variable], "reports")):
            return os.path.realpath(os.path.join(environ[variable], "reports"))
    for candidate in candidates:
        if candidate and INSTALLED.search(os.path.realpath(candidate)):
            candidate = os.path.join(os.getcwd(), "reports")  # not into the installed collection: where the user is
        if candidate and creatable(os.path.realpath(candidate)):
            return os.path.realpath(candidate)
    # The shared temporary directory last: only a directory this user made, nobody else may write, and no symlink
    # (another user could have made the fixed name first); else one in the user's home.
    shared = os.path.join(tempfile.gettempdir(), "ops-runbooks-reports-" + user_name())
    if own_private_dir(shared):
        return shared
    home = os.path.join(os.path.expanduser("~"), ".cache", "ops-runbooks-reports")
    try:
        os.makedirs(os.path.dirname(home), mode=0o700, exist_ok=True)
    except OSError:
        pass
    if own_private_dir(home):
        return home
    raise AnsibleLookupError("reports_dir: %s is not a private directory of this user (another user's, a symlink, or "
                             "writable by others) and %s cannot be made: set OPS_RUNBOOKS_REPORTS_DIR" % (shared, home))


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return [reports_dir([str(term) for term in terms or []])]
