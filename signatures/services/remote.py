"""
Remote signing: the adapter interface providers plug into, and its implementation for the
Cloud Signature Consortium API v1 (``credentials/info``, ``credentials/authorize``,
``signatures/signHash``) on top of pyHanko's CSC client. VNPT SmartCA, Viettel MySign and
other Vietnamese remote-signing services expose CSC-style APIs; a provider with its own
dialect subclasses ``RemoteProvider`` and registers under a name with ``remote_provider_register``.

The private key never reaches the portal: pyHanko computes the document hash, the provider
signs it after the person authorises with their PIN/OTP, and the portal checks that the
certificate the provider used is the one registered to the person.
"""
from __future__ import annotations

import base64
import contextlib
from dataclasses import dataclass

from django.utils.translation import gettext as _

__all__ = ["RemoteSigningError", "RemoteProvider", "CSCProvider", "remote_provider_register", "remote_provider_for"]


class RemoteSigningError(Exception):
    """The remote service refused or failed (message for the user)."""


@dataclass
class RemoteSession:
    """One open conversation with a provider for one credential."""

    certificate_der: bytes
    _make_signer: object

    def signer(self, *, pin: str):
        """A pyHanko ``Signer`` that asks the provider to sign, authorised with ``pin``."""
        return self._make_signer(pin)


class RemoteProvider:
    """
    What a remote-signing provider must offer: an async context manager ``session(token=)``
    yielding a ``RemoteSession`` for the configured credential.
    """

    name = ""

    def __init__(self, *, service_url: str, credential_id: str):
        self.service_url = service_url.rstrip("/")
        self.credential_id = credential_id

    def session(self, *, token: str | None):  # pragma: no cover - interface
        raise NotImplementedError


class CSCProvider(RemoteProvider):
    """The Cloud Signature Consortium API v1 through pyHanko's ``CSCSigner``."""

    name = "csc"

    @contextlib.asynccontextmanager
    async def session(self, *, token: str | None):
        import aiohttp
        from pyhanko.sign.general import SigningError as PyHankoSigningError
        from pyhanko.sign.signers import csc_signer as csc

        info = csc.CSCServiceSessionInfo(service_url=self.service_url, credential_id=self.credential_id,
                                         oauth_token=token)
        async with aiohttp.ClientSession() as http:
            try:
                credential = await csc.fetch_certs_in_csc_credential(http, info, timeout=30)
            except PyHankoSigningError as exc:
                raise RemoteSigningError(_("The remote signing service did not give the certificate of your "
                                           "credential.")) from exc

            def make_signer(pin: str):
                manager = _PinAuthorization(info, credential, pin=pin, http=http)
                return csc.CSCSigner(http, auth_manager=manager)

            yield RemoteSession(certificate_der=credential.signing_cert.dump(), _make_signer=make_signer)


def _pin_manager_base():
    from pyhanko.sign.signers.csc_signer import CSCAuthorizationManager

    return CSCAuthorizationManager


class _PinAuthorization(_pin_manager_base()):
    """``credentials/authorize`` with the person's PIN, bound to the hashes when the credential requires it (SCAL 2)."""

    def __init__(self, session_info, credential_info, *, pin: str, http):
        super().__init__(session_info, credential_info)
        self.pin = pin
        self.http = http

    async def authorize_signature(self, hash_b64s):
        import aiohttp
        from pyhanko.sign.signers.csc_signer import CSCAuthorizationInfo

        body = self.format_csc_auth_request(
            num_signatures=len(hash_b64s), pin=self.pin,
            hash_b64s=hash_b64s if self.credential_info.hash_pinning_required else None)
        url = self.csc_session_info.endpoint_url("credentials/authorize")
        try:
            async with self.http.post(url, headers=self.auth_headers, json=body,
                                      timeout=aiohttp.ClientTimeout(total=60)) as response:
                data = await response.json(content_type=None)
                if response.status >= 400:
                    code = (data or {}).get("error", "")
                    if code in ("invalid_pin", "invalid_otp", "invalid_request") and "PIN" in str(data).upper():
                        raise RemoteSigningError(_("The signing service refused the PIN."))
                    raise RemoteSigningError(_("The signing service refused the authorisation (%(error)s).")
                                             % {"error": code or response.status})
        except aiohttp.ClientError as exc:
            raise RemoteSigningError(_("The signing service could not be reached.")) from exc
        try:
            return CSCAuthorizationInfo(sad=str(data["SAD"]))
        except (KeyError, TypeError) as exc:
            raise RemoteSigningError(_("The signing service gave no activation data.")) from exc


_PROVIDERS: dict[str, type[RemoteProvider]] = {"csc": CSCProvider}


def remote_provider_register(name: str, provider: type[RemoteProvider]) -> None:
    _PROVIDERS[name] = provider


def remote_provider_for(method) -> RemoteProvider:
    """The provider of a personal signing method (CSC unless the URL names a registered dialect)."""
    name = "csc"
    if "#" in method.csc_service_url:
        name = method.csc_service_url.rsplit("#", 1)[1] or "csc"
    provider = _PROVIDERS.get(name)
    if provider is None:
        raise RemoteSigningError(_("Unknown remote signing provider %(name)s.") % {"name": name})
    return provider(service_url=method.csc_service_url.split("#", 1)[0], credential_id=method.csc_credential_id)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
