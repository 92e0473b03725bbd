"""The `tls_server_config` section of a web configuration file, made into an `ssl.SSLContext`.

Keys, as the Prometheus exporter-toolkit reads them: `cert_file`/`cert` and `key_file`/`key`
(a file or inline PEM, one of each), `client_auth_type` (`NoClientCert`,
`VerifyClientCertIfGiven`, `RequireAndVerifyClientCert`) with `client_ca_file`/`client_ca`,
`min_version`/`max_version` (`TLS12`, `TLS13`), `cipher_suites` (Go's names of the TLS 1.2
suites, mapped to OpenSSL's; TLS 1.3 suites cannot be chosen, in Go as in OpenSSL's
`set_ciphers`) and `prefer_server_cipher_suites`. What the stdlib `ssl` module cannot do as
Go does is refused with a clear reason rather than half done: `RequestClientCert` and
`RequireAnyClientCert` (a certificate asked for but not verified), `client_allowed_sans`,
`curve_preferences`, and TLS 1.0 and 1.1.
"""

from __future__ import annotations

import os
import ssl
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

__all__ = ["KEYS", "Problem", "tls_context"]

KEYS = frozenset(
    {
        "cert",
        "key",
        "cert_file",
        "key_file",
        "client_ca",
        "client_ca_file",
        "client_auth_type",
        "client_allowed_sans",
        "min_version",
        "max_version",
        "cipher_suites",
        "prefer_server_cipher_suites",
        "curve_preferences",
    }
)
_UNSUPPORTED = {
    "client_allowed_sans": "is not supported by venue-balances: leave it out and rely on"
    " client_ca_file to say which clients may connect",
    "curve_preferences": "is not supported by venue-balances (Python's ssl module cannot set"
    " a preference list): leave it out to use OpenSSL's defaults",
}
_VERSIONS = {"TLS12": ssl.TLSVersion.TLSv1_2, "TLS13": ssl.TLSVersion.TLSv1_3}
_CLIENT_AUTH = {
    "NoClientCert": ssl.CERT_NONE,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}
# Go's names of the TLS 1.2 suites its tls.CipherSuites() offers, and OpenSSL's for the same
# suite (IANA registry); Go's insecure ones (RC4, 3DES, CBC-SHA256) are left out on purpose.
_CIPHERS = {
    "TLS_RSA_WITH_AES_128_CBC_SHA": "AES128-SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA": "AES256-SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256": "AES128-GCM-SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384": "AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "ECDHE-ECDSA-AES128-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": "ECDHE-ECDSA-AES256-SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": "ECDHE-RSA-AES128-SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": "ECDHE-RSA-AES256-SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": "ECDHE-ECDSA-CHACHA20-POLY1305",
}
_TLS13_SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}


class Problem(Exception):
    """A mistake in the section: `key` (dotted, from the file's top) and what is wrong."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


def tls_context(
    section: Mapping[str, Any],
    *,
    directory: Path,
    read: Callable[[str, Path], bytes],
    private: bool,
) -> ssl.SSLContext | None:
    """The server context `section` describes, or None when it names no certificate and key
    (TLS off, as in the toolkit). Relative file names are relative to `directory`; `read`
    reads a named file (the caller notes it, to see when it changes); `private` says whether
    the configuration file itself is readable by its owner alone, as an inline key needs."""
    for key in section:
        if key not in KEYS:
            raise Problem(f"tls_server_config.{key}", "unknown key")
        if key in _UNSUPPORTED:
            raise Problem(f"tls_server_config.{key}", _UNSUPPORTED[key])
    cert = _pem(section, "cert", directory, read)
    key_pem = _pem(section, "key", directory, read)
    if cert is None and key_pem is None:
        if section:
            raise Problem("tls_server_config", "names no cert_file and key_file: TLS stays off")
        return None
    if cert is None or key_pem is None:
        missing = "cert_file (or cert)" if cert is None else "key_file (or key)"
        raise Problem(f"tls_server_config.{missing.split()[0]}", f"missing: give {missing}")
    if "key" in section and not private:
        raise Problem(
            "tls_server_config.key",
            "an inline private key needs the file readable"
            " by its owner alone: chmod 600 the web configuration file",
        )

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_alpn_protocols(["http/1.1"])  # a client offering h2 settles for HTTP/1.1
    context.options |= ssl.OP_NO_RENEGOTIATION  # a TLS 1.2 client may not restart it mid-way
    _versions(section, context)
    _certificate(cert, key_pem, section, context)
    _client_auth(section, directory, read, context)
    _ciphers(section, context)
    prefer = section.get("prefer_server_cipher_suites", True)
    if not isinstance(prefer, bool):
        raise Problem("tls_server_config.prefer_server_cipher_suites", "must be true or false")
    if prefer:
        context.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    else:
        context.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
    return context


def _pem(
    section: Mapping[str, Any], name: str, directory: Path, read: Callable[[str, Path], bytes]
) -> bytes | None:
    """`name` inline or `name_file` read, never both; None when neither is given."""
    inline, file = section.get(name), section.get(f"{name}_file")
    if inline is not None and file is not None:
        raise Problem(f"tls_server_config.{name}", f"give {name} or {name}_file, not both")
    if inline is not None:
        return _text(inline, f"tls_server_config.{name}").encode()
    if file is not None:
        where = f"tls_server_config.{name}_file"
        return read(where, directory / os.path.expanduser(_text(file, where)))
    return None


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Problem(key, "must be a non-empty string")
    return value


def _versions(section: Mapping[str, Any], context: ssl.SSLContext) -> None:
    chosen = []
    for name, default in (("min_version", "TLS12"), ("max_version", "TLS13")):
        value = section.get(name, default)
        if value in {"TLS10", "TLS11"}:
            raise Problem(
                f"tls_server_config.{name}", f"{value} is not offered: use TLS12 or TLS13"
            )
        if value not in _VERSIONS:
            raise Problem(f"tls_server_config.{name}", "must be TLS12 or TLS13")
        chosen.append(_VERSIONS[value])
    if chosen[0] > chosen[1]:
        raise Problem("tls_server_config.min_version", "is above max_version")
    context.minimum_version, context.maximum_version = chosen


def _certificate(
    cert: bytes, key: bytes, section: Mapping[str, Any], context: ssl.SSLContext
) -> None:
    cert_key = "cert" if "cert" in section else "cert_file"
    key_key = "key" if "key" in section else "key_file"
    try:
        x509.load_pem_x509_certificates(cert)
    except ValueError:
        raise Problem(f"tls_server_config.{cert_key}", "is not a PEM certificate") from None
    try:
        serialization.load_pem_private_key(key, password=None)
    except (ValueError, TypeError):
        # Never the library's words: they could quote what the file holds.
        raise Problem(
            f"tls_server_config.{key_key}", "is not an unencrypted PEM private key"
        ) from None
    except Exception:  # a key type cryptography does not know: let OpenSSL judge it below
        pass
    # load_cert_chain reads files only: hand it both through a directory only we can open.
    with tempfile.TemporaryDirectory(prefix="venue-balances-tls-") as directory:
        paths = []
        for name, data in (("cert.pem", cert), ("key.pem", key)):
            path = Path(directory, name)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(data)
            paths.append(path)
        try:
            context.load_cert_chain(paths[0], paths[1])
        except ssl.SSLError as exc:
            reason = (
                "the key does not match the certificate"
                if "MISMATCH" in str(exc.reason or "").upper()
                else f"OpenSSL refused them ({exc.reason or 'unknown reason'})"
            )
            raise Problem(f"tls_server_config.{cert_key}", reason) from None


def _client_auth(
    section: Mapping[str, Any],
    directory: Path,
    read: Callable[[str, Path], bytes],
    context: ssl.SSLContext,
) -> None:
    policy = section.get("client_auth_type", "NoClientCert")
    where = "tls_server_config.client_auth_type"
    if policy in {"RequestClientCert", "RequireAnyClientCert"}:
        raise Problem(
            where,
            f"{policy} (a certificate asked for but not verified) is not"
            " supported: use RequireAndVerifyClientCert with client_ca_file",
        )
    if policy not in _CLIENT_AUTH:
        raise Problem(where, f"must be one of {', '.join(_CLIENT_AUTH)}")
    authorities = _pem(section, "client_ca", directory, read)
    ca_key = "client_ca" if "client_ca" in section else "client_ca_file"
    if policy == "NoClientCert":
        if authorities is not None:
            raise Problem(
                f"tls_server_config.{ca_key}",
                "is set but client_auth_type is NoClientCert: say which policy it is for",
            )
        return
    if authorities is None:
        raise Problem("tls_server_config.client_ca_file", f"missing: {policy} needs it")
    try:
        context.load_verify_locations(cadata=authorities.decode("ascii"))
    except (ssl.SSLError, UnicodeDecodeError, ValueError):
        raise Problem(f"tls_server_config.{ca_key}", "holds no PEM certificate") from None
    context.verify_mode = _CLIENT_AUTH[policy]


def _ciphers(section: Mapping[str, Any], context: ssl.SSLContext) -> None:
    names = section.get("cipher_suites")
    if names is None:
        return
    where = "tls_server_config.cipher_suites"
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise Problem(where, "must be a list of cipher suite names")
    chosen = []
    for name in names:
        if name in _TLS13_SUITES:
            raise Problem(where, f"{name} is a TLS 1.3 suite, which cannot be chosen: leave it out")
        if name not in _CIPHERS:
            raise Problem(
                where, f"{name[:80]!r} is not one of the suites offered: " + ", ".join(_CIPHERS)
            )
        chosen.append(_CIPHERS[name])
    try:
        context.set_ciphers(":".join(chosen))
    except ssl.SSLError:
        raise Problem(where, "OpenSSL offers none of these suites") from None
    offered = {cipher["name"] for cipher in context.get_ciphers()}
    for name in names:
        if _CIPHERS[name] not in offered:
            raise Problem(where, f"{name} is not available in this OpenSSL build")
