# -*- coding: utf-8 -*-
# Copyright: ops.runbooks contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """PostgreSQL connection options, named and defaulted as community.postgresql's modules do."""

    DOCUMENTATION = r"""
options:
  login_host:
    description:
      - PostgreSQL host; empty for the local Unix socket.
      - Without the option, the C(PGHOST) environment variable applies.
    type: str
    default: ""
  login_port:
    description: PostgreSQL port (C(PGPORT) without the option).
    type: int
    default: 5432
  login_user:
    description: PostgreSQL role (C(PGUSER) without the option).
    type: str
    default: postgres
  login_password:
    description: Its password (C(PGPASSWORD) without the option).
    type: str
    default: ""
  maintenance_db:
    description: Database to connect to for creating and dropping scratch databases.
    type: str
    default: postgres
  ssl_mode:
    description:
      - TLS for the connections of the module and of C(pg_restore)/C(psql), as libpq's C(sslmode).
      - V(require) encrypts without checking the server; V(verify-ca) and V(verify-full) also check its certificate
        against O(ca_cert) (V(verify-full) also its name). Production should use V(verify-full).
    type: str
    choices: [allow, disable, prefer, require, verify-ca, verify-full]
    default: prefer
  ca_cert:
    description: CA certificate(s) that signed the server's certificate (libpq's C(sslrootcert)).
    type: path
    aliases: [ssl_rootcert]
  connect_timeout:
    description: Seconds to wait for a connection (also for C(pg_restore)/C(psql)).
    type: int
    default: 10
"""
