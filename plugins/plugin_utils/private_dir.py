# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A directory under a shared place (the temporary directory) that only this user can have made and can write.

Reports, incident records read back, and matplotlib's cache went to ``/tmp/<fixed name>`` whoever had made it: another
user could make it first (and read or replace every report), or put a symlink there. ``own_private_dir`` creates the
directory 0700 when missing and accepts an existing one only when ``lstat`` shows a real directory (no symlink) owned
by this user that nobody else may write.
"""

from __future__ import annotations

import os
import stat


def own_private_dir(path):
    """``path`` when it is (or has just been made) a private directory of this user, else None."""
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o022:
        return None
    return path
