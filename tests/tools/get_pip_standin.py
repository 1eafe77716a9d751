# -*- coding: utf-8 -*-
"""Offline stand-in for ansible-test's ``get-pip.py`` bootstrap script.

ansible-test bootstraps pip into each sanity virtual environment by downloading ``get-pip-<ver>.py`` from a
host this machine cannot reach, unless the script is already in ``~/.ansible/test/cache/get_pip_<ver>.py``.
``make sanity`` copies this file there. Like get-pip, it runs ``pip install --upgrade --force-reinstall`` with
the arguments ansible-test passes (``pip==<ver>`` and pip options), using the pip wheel that CPython's
``ensurepip`` ships, so pip itself then comes from PyPI like every other package.
"""
from __future__ import annotations

import glob
import os
import runpy
import sys

import ensurepip

wheels = glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl"))
if not wheels:
    sys.exit("get_pip stand-in: no bundled pip wheel in ensurepip")
sys.path.insert(0, wheels[0])
# --no-setuptools / --no-wheel are get-pip's own options ("do not add setuptools/wheel"); pip install never adds them.
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
sys.argv = ["pip", "install", "--upgrade", "--force-reinstall"] + args
runpy.run_module("pip", run_name="__main__", alter_sys=True)
