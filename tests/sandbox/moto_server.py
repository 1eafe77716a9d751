# -*- coding: utf-8 -*-
"""Start moto in server mode with the settings the sandbox needs.

Lambda must run in non-Docker mode *before* any function is created: switching it later
through ``/moto-api/config`` moves Lambda to another backend and existing functions vanish.
Usage: python moto_server.py PORT
"""
from __future__ import annotations

import sys

from moto.core.config import default_user_config
from moto.iam import access_control
from moto.server import main

default_user_config["lambda"] = {"use_docker": False}

_ORIGINAL_IAM_REQUEST_INIT = access_control.IAMRequestBase.__init__


def _iam_request_init(self, *args, **kwargs):
    """Work around a moto 5.2 signature bug in IAM-enforcing mode.

    For REST-style GET/HEAD/DELETE requests (Lambda's GetAlias, ListVersionsByFunction, ...) moto
    signs ``BaseResponse.data`` (a dict it filled from the request headers) as the request body,
    while the client signed an empty body, so every such call fails with SignatureDoesNotMatch.
    A body-less request is signed here with an empty body, as the client did.
    """
    _ORIGINAL_IAM_REQUEST_INIT(self, *args, **kwargs)
    if self._method in ("GET", "HEAD", "DELETE") and not self._body:  # pylint: disable=protected-access
        self._data = b""  # pylint: disable=protected-access


access_control.IAMRequestBase.__init__ = _iam_request_init

if __name__ == "__main__":
    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
