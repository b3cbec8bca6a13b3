"""Sign in: a local account (argon2-hashed password) or the trust's identity provider (OIDC)."""

from __future__ import annotations

from panels.common import sign_in_screen

sign_in_screen()
