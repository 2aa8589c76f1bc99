"""HTTPS at the gateway (`gateway.tls`): the certificate cert-manager keeps for the listener.

- `hostname`: the name clients use (`https://<hostname>/v1`), the certificate's only DNS name and the
  HTTPS listener's hostname (a client that asks for another name in SNI gets no certificate). Point it
  at the gateway's NLB (a CNAME or Route 53 alias to the DNS name in the Gateway's `status.addresses`).
- `issuer: acme`: a publicly trusted certificate from an ACME CA (Let's Encrypt by default), proven
  with a DNS-01 challenge in the Route 53 hosted zone `acme.hostedZoneId`, so the gateway itself need
  not be reachable from the internet (it works for internal gateways too). cert-manager gets write
  access to that zone's `_acme-challenge` TXT records only, through EKS Pod Identity. `acme.email`
  receives the CA's expiry and policy notices; `acme.server` is `production` or `staging` (untrusted
  certificates, generous rate limits: for trying things out).
- `issuer: privateCa`: a certificate from the platform's own CA (a self-signed root cert-manager
  creates and keeps in the Secret `llm-platform-ca` of its namespace). For internal gateways: clients
  must trust that root (README: "Calling the gateway over HTTPS").

With `tls`, the gateway listens on 443 (HTTPS) and its port 80 only redirects to it. Without it the
gateway speaks plain HTTP on port 80, which an internet-facing gateway may not.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from .base import StackModel
from .issues import Issue, Path

# Gateway API's Hostname (a DNS-1123 subdomain of at least two labels; no wildcard: one certificate
# name, one listener name), RFC 1035's 253-character limit.
_HOSTNAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$")
_HOSTED_ZONE_ID = re.compile(r"^Z[A-Z0-9]{1,31}$")  # Route 53 hosted zone IDs: Z0123456789ABCDEFGHIJ
_EMAIL = re.compile(r"^[^@\s]+@[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$", re.IGNORECASE)

ACME_SERVERS = {
    "production": "https://acme-v02.api.letsencrypt.org/directory",
    "staging": "https://acme-staging-v02.api.letsencrypt.org/directory",
}
TlsIssuer = Literal["acme", "privateCa"]


class AcmeConfig(StackModel):
    email: str = Field(description="where the ACME CA sends expiry and policy notices")
    hosted_zone_id: str = Field(description="the Route 53 hosted zone that holds the hostname (DNS-01)")
    server: Literal["production", "staging"] = "production"

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        if not _EMAIL.match(value) or len(value) > 254:
            raise ValueError(f"{value!r} is not an email address; allowed: name@domain.tld")
        return value

    @field_validator("hosted_zone_id")
    @classmethod
    def _zone(cls, value: str) -> str:
        if not _HOSTED_ZONE_ID.match(value):
            raise ValueError(f"{value!r} is not a Route 53 hosted zone ID; allowed: the zone's ID as Route 53 "
                             "shows it, such as Z0123456789ABCDEFGHIJ (without /hostedzone/)")
        return value


class TlsConfig(StackModel):
    issuer: TlsIssuer = Field(description="acme: a public certificate (DNS-01 in Route 53); privateCa: the "
                                          "platform's own CA")
    hostname: str = Field(description="the name clients call the gateway by")
    acme: AcmeConfig | None = None

    @field_validator("hostname")
    @classmethod
    def _hostname(cls, value: str) -> str:
        labels = value.split(".")
        if not _HOSTNAME.match(value) or len(value) > 253 or any(len(label) > 63 for label in labels):
            raise ValueError(f"{value!r} is not a hostname; allowed: a lowercase DNS name of at least two labels "
                             "(letters, digits, '-'; each label at most 63 characters, 253 in all), no wildcard, "
                             "such as llm.example.com")
        return value

    def issues(self, at: Path) -> list[Issue]:
        """Settings that need each other (`at`: where this block is, gateway.tls)."""
        if self.issuer == "acme" and self.acme is None:
            return [Issue(at + ("acme",), "required with issuer acme: acme.email and acme.hostedZoneId (the "
                                          f"Route 53 zone of {self.hostname!r})")]
        if self.issuer != "acme" and self.acme is not None:
            return [Issue(at + ("acme",), "only issuer acme uses it; allowed: remove it, or issuer: acme")]
        return []
