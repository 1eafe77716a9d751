# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a filter returns that carries strings from outside (an alarm's name, reason, a title) is data.

ansible-core 2.19 never evaluates a string that did not come from a playbook, inventory or extra vars; ansible-core
2.17 and 2.18 evaluate any string in a fact that is not marked unsafe when the fact is used, and a string a Python
filter composes (``"Alarm %s" % name``) is not marked, even when ``name`` was. ``as_data`` marks every string of a
value unsafe where the running ansible-core knows the mark (``wrap_var``; on 2.19 it only drops the trust mark).
"""

from __future__ import annotations

try:
    # ansible-core 2.19's data tagging: strings are templates only when trusted, and what a filter returns is not.
    # (Its wrap_var() cannot rebuild the lazy containers a filter is given, and is not needed there.)
    from ansible._internal import _datatag  # noqa: F401  pylint: disable=unused-import
    wrap_var = None
except ImportError:  # ansible-core 2.17, 2.18: mark it
    from ansible.utils.unsafe_proxy import wrap_var


def as_data(value):
    """``value`` with every string marked as data (never evaluated as a template)."""
    return wrap_var(value) if wrap_var is not None else value


def returning_data(filters):
    """A FilterModule's ``{name: function}`` with every function's result marked as data (``as_data``): a filter
    that composes strings from AWS answers, log lines or inventory names never hands ansible-core 2.17/2.18 a
    template."""
    def marked(function):
        def wrapper(*args, **kwargs):
            return as_data(function(*args, **kwargs))
        wrapper.__name__, wrapper.__doc__ = function.__name__, function.__doc__
        return wrapper
    return {name: marked(function) for name, function in filters.items()}
