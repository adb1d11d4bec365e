"""Steps 1–2: the automatic eligibility check, and the corporate e-mail rule."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from servicehub_certification.rules.datafile import RulesDataError
from servicehub_certification.rules.eligibility import (
    ClaSignature,
    EnterpriseInformation,
    Ineligibility,
    PublicWebmailList,
    corporate_email_problems,
    ineligibility,
    load_public_webmail_list,
)

CLA = ClaSignature("openGauss CLA 2.0", datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
ACME = EnterpriseInformation(
    company_name="Acme Database Services Co., Ltd.",
    business_licence_document="doc://licences/acme.pdf",
    unified_social_credit_code="914403001922038216",
    corporate_email="cert@acme-db.example",
    declared_domains=("acme-db.example",),
)


@pytest.fixture(scope="module")
def webmail() -> PublicWebmailList:
    return load_public_webmail_list()


def email_problems(email: str, webmail: PublicWebmailList, *declared: str) -> list[Ineligibility]:
    return corporate_email_problems(email, declared or ("acme-db.example",), webmail)


def test_an_eligible_partner_has_no_reasons(webmail: PublicWebmailList) -> None:
    assert ineligibility(CLA, ACME, webmail) == []


def test_every_reason_is_listed_at_once(webmail: PublicWebmailList) -> None:
    enterprise = EnterpriseInformation(
        company_name=" ",
        business_licence_document="",
        unified_social_credit_code="914403001922038217",
        corporate_email="boss@gmail.com",
        declared_domains=("acme-db.example",),
    )
    assert ineligibility(None, enterprise, webmail) == [
        Ineligibility("cla", "the partner has not signed the CLA"),
        Ineligibility("company_name", "is required"),
        Ineligibility("business_licence_document", "is required"),
        Ineligibility(
            "unified_social_credit_code", "check character (position 18) should be 6, got 7"
        ),
        Ineligibility("corporate_email", "gmail.com is a public webmail provider (gmail.com)"),
        Ineligibility(
            "corporate_email",
            "gmail.com is not the partner's own domain (declared: acme-db.example)",
        ),
    ]


def test_no_enterprise_information_yet(webmail: PublicWebmailList) -> None:
    assert ineligibility(CLA, None, webmail) == [
        Ineligibility("enterprise", "the partner has not submitted its enterprise information")
    ]


@pytest.mark.parametrize(
    "domain",
    [
        "qq.com",
        "163.com",
        "126.com",
        "gmail.com",
        "outlook.com",
        "hotmail.com",
        "sina.com",
        "sohu.com",
        "yahoo.com",
        "aliyun.com",
        "foxmail.com",
        "139.com",
        "yeah.net",
        "icloud.com",
    ],
)
def test_public_webmail_providers_are_refused(webmail: PublicWebmailList, domain: str) -> None:
    reasons = email_problems(f"cert@{domain}", webmail)
    assert (
        Ineligibility("corporate_email", f"{domain} is a public webmail provider ({domain})")
        in reasons
    )


def test_a_provider_subdomain_is_the_provider(webmail: PublicWebmailList) -> None:
    assert email_problems("cert@vip.163.com", webmail)[0] == Ineligibility(
        "corporate_email", "vip.163.com is a public webmail provider (163.com)"
    )


def test_a_declared_webmail_domain_does_not_make_it_own(webmail: PublicWebmailList) -> None:
    assert email_problems("cert@qq.com", webmail, "qq.com") == [
        Ineligibility("corporate_email", "qq.com is a public webmail provider (qq.com)"),
        Ineligibility(
            "declared_domains[0]", "qq.com belongs to a public webmail provider (qq.com)"
        ),
    ]


@pytest.mark.parametrize(
    "email",
    [
        "cert@rival-db.example",
        "cert@evilacme-db.example",  # ends with the declared name, but not at a label boundary
        "cert@acme-db.example.rival.example",
    ],
)
def test_a_foreign_domain_is_refused(webmail: PublicWebmailList, email: str) -> None:
    domain = email.split("@")[1]
    assert email_problems(email, webmail) == [
        Ineligibility(
            "corporate_email",
            f"{domain} is not the partner's own domain (declared: acme-db.example)",
        )
    ]


@pytest.mark.parametrize(
    "email",
    [
        "cert@acme-db.example",
        "cert@cn.acme-db.example",  # own subdomain
        "ops@support.cn.acme-db.example",
        "Cert@ACME-DB.Example",  # domains are case-insensitive
        "cert@acme-db.example.",  # fully qualified
    ],
)
def test_the_partners_own_domain_and_subdomains_pass(
    webmail: PublicWebmailList, email: str
) -> None:
    assert email_problems(email, webmail) == []


def test_declared_domains_are_compared_the_same_way(webmail: PublicWebmailList) -> None:
    assert email_problems("cert@acme-db.example", webmail, "ACME-DB.example.") == []
    assert email_problems("cert@other.example", webmail, "rival.example", "Other.Example") == []


def test_webmail_is_recognised_in_any_case_and_with_a_trailing_dot(
    webmail: PublicWebmailList,
) -> None:
    for email in ("cert@QQ.COM", "cert@qq.com.", "cert@Vip.QQ.com."):
        assert email_problems(email, webmail)[0].reason.endswith(
            "is a public webmail provider (qq.com)"
        )


@pytest.mark.parametrize(
    ("email", "declared"),
    [
        ("cert@例子.中国", "xn--fsqu00a.xn--fiqs8s"),
        ("cert@xn--fsqu00a.xn--fiqs8s", "例子.中国"),
        ("cert@服务.例子.中国", "例子.中国"),
        ("cert@例子。中国", "例子.中国"),  # ideographic full stop
        ("cert@例子.中国.", "例子.中国"),
    ],
)
def test_internationalised_domains_compare_in_their_ascii_form(
    webmail: PublicWebmailList, email: str, declared: str
) -> None:
    assert email_problems(email, webmail, declared) == []


def test_internationalised_foreign_domain_is_named_in_ascii(webmail: PublicWebmailList) -> None:
    assert email_problems("cert@例子.中国", webmail) == [
        Ineligibility(
            "corporate_email",
            "xn--fsqu00a.xn--fiqs8s is not the partner's own domain (declared: acme-db.example)",
        )
    ]


@pytest.mark.parametrize(
    "email", ["cert.acme-db.example", "@acme-db.example", "cert@", "a b@acme-db.example"]
)
def test_not_an_email_address(webmail: PublicWebmailList, email: str) -> None:
    assert email_problems(email, webmail) == [
        Ineligibility("corporate_email", "must be an e-mail address (name@domain)")
    ]


def test_a_single_label_is_not_a_domain(webmail: PublicWebmailList) -> None:
    assert email_problems("cert@example", webmail) == [
        Ineligibility("corporate_email", "'example' is not a domain name")
    ]


def test_bad_domains_are_named(webmail: PublicWebmailList) -> None:
    reasons = corporate_email_problems("cert@acme..example", ("acme_db.example",), webmail)
    assert [r.field for r in reasons] == ["corporate_email", "declared_domains[0]"]
    assert reasons[0].reason.startswith("'acme..example' is not a domain name")
    assert reasons[1].reason == "'acme_db.example' is not a domain name"


def test_no_declared_domain(webmail: PublicWebmailList) -> None:
    assert corporate_email_problems("cert@acme-db.example", (), webmail) == [
        Ineligibility("declared_domains", "the partner must declare its domain(s)")
    ]


def test_the_shipped_list_loads(webmail: PublicWebmailList) -> None:
    assert {"qq.com", "163.com", "gmail.com", "outlook.com", "foxmail.com"} <= webmail.domains


def test_list_errors_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "webmail.txt"
    path.write_text("# providers\nqq.com\n\ngmail..com\n", encoding="utf-8")
    with pytest.raises(RulesDataError) as bad:
        load_public_webmail_list(path)
    assert (bad.value.path, bad.value.line) == (str(path), 4)
    assert str(bad.value).startswith(f"{path}:4: 'gmail..com' is not a domain name")

    path.write_text("qq.com\n163.com  # NetEase\nQQ.com.\n", encoding="utf-8")
    with pytest.raises(RulesDataError, match=r":3: qq.com already listed on line 1$"):
        load_public_webmail_list(path)

    path.write_text("# nothing yet\n", encoding="utf-8")
    with pytest.raises(RulesDataError, match=r":1: lists no domain$"):
        load_public_webmail_list(path)
