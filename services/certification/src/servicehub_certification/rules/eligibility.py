"""Steps 1–2 of certification: who may apply (DOMAIN.md §3, issue 9).

A partner registers, signs the CLA and submits its enterprise information; the check runs
automatically and only an eligible partner's application proceeds. :func:`ineligibility`
lists every reason at once, so a partner fixes everything in one round.

The corporate e-mail must be at the partner's own domain: the partner declares its
domain(s) and the mailbox must be at one of them or a subdomain, and never at a public
webmail provider (``data/public_webmail_domains.txt``) or its subdomains. Domains compare
case-insensitively, without a trailing dot, and in their IDNA (xn--) form, so
``例子.中国`` and ``xn--fsqu00a.xn--fiqs8s`` are the same domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from servicehub_datafile import decode, read_bytes

from . import DATA
from .datafile import RulesDataError
from .social_credit_code import credit_code_problems

PUBLIC_WEBMAIL_FILE = DATA / "public_webmail_domains.txt"


@dataclass(frozen=True)
class ClaSignature:
    """Which Contributor License Agreement the partner signed, and when."""

    version: str
    signed_at: datetime


@dataclass(frozen=True)
class EnterpriseInformation:
    """What a partner submits in step 2 (the business licence and corporate contact)."""

    company_name: str
    business_licence_document: str  # reference to the uploaded licence
    unified_social_credit_code: str
    corporate_email: str
    declared_domains: tuple[str, ...]


@dataclass(frozen=True)
class Ineligibility:
    """One reason a partner may not apply yet: the field concerned and the rule broken."""

    field: str
    reason: str


class DomainError(ValueError):
    """Text that is not a DNS domain name."""


def canonical_domain(domain: str) -> str:
    """``domain`` in the form rules compare: lower case, no trailing dot, IDNA ASCII labels."""
    name = domain.strip()
    if name.endswith((".", "。", "．", "｡")):  # the fully qualified form, in any script's dot
        name = name[:-1]
    try:
        ascii_name = name.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise DomainError(f"{domain!r} is not a domain name: {exc}") from None
    labels = ascii_name.split(".")
    if len(labels) < 2 or not all(_is_label(label) for label in labels):
        raise DomainError(f"{domain!r} is not a domain name")
    return ascii_name


def _is_label(label: str) -> bool:
    return (
        0 < len(label) <= 63
        and not label.startswith("-")
        and not label.endswith("-")
        and all(c.isascii() and (c.isalnum() or c == "-") for c in label)
    )


def within(domain: str, parent: str) -> bool:
    """Whether canonical ``domain`` is ``parent`` or one of its subdomains (label-wise)."""
    return domain == parent or domain.endswith("." + parent)


@dataclass(frozen=True)
class PublicWebmailList:
    domains: frozenset[str]

    def provider_of(self, domain: str) -> str | None:
        """The listed provider domain that canonical ``domain`` belongs to, if any."""
        labels = domain.split(".")
        for start in range(len(labels) - 1):
            candidate = ".".join(labels[start:])
            if candidate in self.domains:
                return candidate
        return None


def load_public_webmail_list(path: Path = PUBLIC_WEBMAIL_FILE) -> PublicWebmailList:
    """Read the webmail list; a bad or repeated domain raises naming its file and line."""
    lines = decode(read_bytes(path, RulesDataError), path, RulesDataError).splitlines()
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            domain = canonical_domain(entry)
        except DomainError as exc:
            raise RulesDataError(path, number, str(exc)) from None
        if domain in seen:
            raise RulesDataError(path, number, f"{domain} already listed on line {seen[domain]}")
        seen[domain] = number
    if not seen:
        raise RulesDataError(path, 1, "lists no domain")
    return PublicWebmailList(frozenset(seen))


def corporate_email_problems(
    email: str, declared_domains: tuple[str, ...], webmail: PublicWebmailList
) -> list[Ineligibility]:
    """Why ``email`` is not a mailbox at the partner's own domain (empty: it is)."""
    problems = []
    domain = None
    local, at, domain_text = email.strip().rpartition("@")
    if not at or not local or not domain_text or any(c.isspace() for c in local):
        problems.append(Ineligibility("corporate_email", "must be an e-mail address (name@domain)"))
    else:
        try:
            domain = canonical_domain(domain_text)
        except DomainError as exc:
            problems.append(Ineligibility("corporate_email", str(exc)))
    if domain is not None and (provider := webmail.provider_of(domain)) is not None:
        problems.append(
            Ineligibility("corporate_email", f"{domain} is a public webmail provider ({provider})")
        )
    if not declared_domains:
        problems.append(Ineligibility("declared_domains", "the partner must declare its domain(s)"))
    own_domains = []
    for index, text in enumerate(declared_domains):
        try:
            own = canonical_domain(text)
        except DomainError as exc:
            problems.append(Ineligibility(f"declared_domains[{index}]", str(exc)))
            continue
        if (owner := webmail.provider_of(own)) is not None:
            problems.append(
                Ineligibility(
                    f"declared_domains[{index}]",
                    f"{own} belongs to a public webmail provider ({owner})",
                )
            )
        own_domains.append(own)
    if domain is not None and own_domains and not any(within(domain, own) for own in own_domains):
        problems.append(
            Ineligibility(
                "corporate_email",
                f"{domain} is not the partner's own domain (declared: {', '.join(own_domains)})",
            )
        )
    return problems


def ineligibility(
    cla: ClaSignature | None,
    enterprise: EnterpriseInformation | None,
    webmail: PublicWebmailList,
) -> list[Ineligibility]:
    """Every reason the partner may not apply yet; empty when it is eligible."""
    reasons = []
    if cla is None:
        reasons.append(Ineligibility("cla", "the partner has not signed the CLA"))
    if enterprise is None:
        reasons.append(
            Ineligibility("enterprise", "the partner has not submitted its enterprise information")
        )
        return reasons
    if not enterprise.company_name.strip():
        reasons.append(Ineligibility("company_name", "is required"))
    if not enterprise.business_licence_document.strip():
        reasons.append(Ineligibility("business_licence_document", "is required"))
    reasons += [
        Ineligibility("unified_social_credit_code", problem)
        for problem in credit_code_problems(enterprise.unified_social_credit_code)
    ]
    reasons += corporate_email_problems(
        enterprise.corporate_email, enterprise.declared_domains, webmail
    )
    return reasons
