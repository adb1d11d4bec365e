"""The SOW catalogue: all 29 services of seed 001 load, spot-checked against the seed's own
words (quoted above each check), and bad data is refused with file and line."""

from decimal import Decimal
from pathlib import Path

import pytest

from servicehub_billing.catalogue import CatalogueError, load_catalogue


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_all_29_services_of_seed_001_load(catalogue):
    assert catalogue.version == "2026.1"
    assert len(catalogue.services) == 29
    assert sorted(service.seed_section for service in catalogue.services) == list(range(1, 30))
    assert len({service.code for service in catalogue.services}) == 29
    for service in catalogue.services:
        assert service.name_zh and service.name_en
        assert service.lead_time.working_days >= 10


def test_cloud_escort_packages_include_the_seeds_items(catalogue):
    escort = catalogue.service("cloud-escort")
    included = {package.code: set(package.items) for package in escort.packages}
    assert list(included) == ["basic", "standard", "advanced", "premium", "custom"]
    tiers = ["basic", "standard", "advanced", "premium"]
    # 风险巡检	支持	支持	支持	支持
    assert [("risk-inspection" in included[tier]) for tier in tiers] == [True] * 4
    # 系统容量规划		支持	支持	支持
    assert [("capacity-planning" in included[tier]) for tier in tiers] == [False, True, True, True]
    # 安全加固规划			支持	支持
    assert [("security-hardening-planning" in included[tier]) for tier in tiers] == [
        False,
        False,
        True,
        True,
    ]
    # 应用性能优化				支持
    assert [("application-performance" in included[tier]) for tier in tiers] == [
        False,
        False,
        False,
        True,
    ]
    # 护航范围确认 … 按需支持 / 7*24护航应急保障群 … 按需支持 (自定义包 column)
    assert included["custom"] == {"scope-confirmation", "emergency-group"}
    # 如需驻场服务需按人天额外收取驻场服务费（国家法定节假日按照3倍人天计算）
    assert escort.on_site.charged_per_person_day
    assert escort.on_site.statutory_holiday_multiplier == 3


def test_lead_times_follow_the_seed(catalogue):
    def lead(code):
        return catalogue.service(code).lead_time

    # §10 迁云服务: 客户应提前至少15个工作日申请该服务
    assert lead("cloud-migration").working_days == 15
    # §11 容器化交付服务: 甲方应提前至少15个工作日申请该服务
    assert lead("containerization").working_days == 15
    # §2 云上护航: 客户须至少应于云上护航服务开始日之前提前10个工作日提出申请
    assert lead("cloud-escort").working_days == 10
    # 如客户的申请涉及大批量资源需求，建议客户提前一个月申请
    assert lead("cloud-escort").bulk_resources_months == 1
    # §25 names no lead time: the catalogue minimum applies and is marked as not stated.
    tuning = lead("realtime-compute-tuning")
    assert (tuning.working_days, tuning.stated) == (10, False)


def test_data_resource_inventory_is_priced_in_units_of_50_tables(catalogue):
    tables = catalogue.service("data-platform-architecture-consulting").pricing_unit("tables")
    # 不超过50张…若超出50张，按照50张作为一个计价单位，不够50张按50张算
    assert [tables.units_for(n) for n in (1, 50, 51, 100, 101, 150, 151)] == [1, 1, 2, 2, 3, 3, 4]


def test_database_implementation_adds_a_package_per_started_terabyte_above_one(catalogue):
    terabytes = catalogue.service("database-migration-implementation").pricing_unit(
        "database-terabytes"
    )
    # 数据库容量需在1T以内，超过1T的Oracle实例，则每超过1倍（不足则取整）需要另加购1个尊享版实施支持包
    assert terabytes.units_for(Decimal("0.8")) == 1
    assert terabytes.units_for(1) == 1
    assert terabytes.units_for(Decimal("1.01")) == 2
    assert terabytes.units_for(Decimal("2.5")) == 3
    # 因客户侧原因导致项目暂停或终止,若阿里云已按时间期限提供了30人天服务,则也算完工
    package = catalogue.service("database-migration-implementation").package("premium")
    assert package.completion_person_days == 30


def test_units_refuse_quantities_that_are_not_positive_counts(catalogue):
    tables = catalogue.service("data-platform-architecture-consulting").pricing_unit("tables")
    with pytest.raises(ValueError, match="tables must be positive, got 0"):
        tables.units_for(0)
    with pytest.raises(TypeError, match="not float"):
        tables.units_for(50.5)


def test_operability_consulting_milestones_are_dated_from_contract_signing(catalogue):
    consulting = catalogue.service("operability-consulting")
    # 项目启动会议 T+3 / 可运维性调研报告 T+10 / 可运维性评估汇报 T+24 / 可运维性改造方案 T+28 /
    # 项目验收 T+30 — bare day counts, read as calendar days (README)
    assert [(m.name_zh, m.offset, m.day_kind) for m in consulting.milestones] == [
        ("项目启动会议", 3, "calendar"),
        ("可运维性调研报告", 10, "calendar"),
        ("可运维性评估汇报", 24, "calendar"),
        ("可运维性改造方案", 28, "calendar"),
        ("项目验收", 30, "calendar"),
    ]
    # 【 T + D1 】…【 T + D13 】 *T表示合同签订日；D表示日
    tuning = catalogue.service("realtime-compute-tuning")
    assert [m.offset for m in tuning.milestones] == [1, 6, 9, 13]
    # §29: the 交付时间 column is empty — five undated milestones.
    migration = catalogue.service("big-data-platform-migration")
    assert [m.offset for m in migration.milestones] == [None] * 5


def test_migration_implementation_packages_are_ten_working_day_terms(catalogue):
    migration = catalogue.service("cloud-migration")
    basic = migration.package("implementation-basic")
    # 一个基础包包含连续10个工作日的迁云实施服务，服务方式为远程，但是乙方会结合项目需求，
    # 提供不超过2次，每次不超过2人天的现场支持
    assert (basic.term.days, basic.term.day_kind, basic.delivery) == (10, "working", "remote")
    assert (basic.on_site_cap.max_visits, basic.on_site_cap.max_person_days_per_visit) == (2, 2)
    # 一个标准包包含连续10个工作日的迁云实施服务，服务方式为现场
    standard = migration.package("implementation-standard")
    assert (standard.term.days, standard.delivery) == (10, "on_site")
    # 迁云实施必须和迁云咨询服务联合售卖，不可单独购买
    assert basic.requires == standard.requires == ("consulting",)
    # 迁云咨询服务与迁云实施一起购买的情况下，分开验收
    assert migration.acceptance.per_package


def test_acceptance_modes_follow_the_seed(catalogue):
    # §1: 如客户收到阿里云提交的全部交付物后，5个工作日内未反馈则自动完成项目验收
    project = catalogue.service("data-platform-architecture-consulting").acceptance
    assert (project.scope, project.window.days) == ("project", 5)
    assert project.window.day_kind == "working"
    assert (project.window.starts, project.window.on_silence) == (
        "all_deliverables_received",
        "deemed_accepted",
    )
    # §25: 5个工作日内 … 不符点 … 乙方应在10个工作日内 … 3个工作日内进行讨论 …
    # 已经被甲方实际使用 … 则被视为通过验收
    deliverable = catalogue.service("realtime-compute-tuning").acceptance
    assert deliverable.scope == "deliverable"
    assert (deliverable.window.days, deliverable.window.on_silence) == (5, "deemed_accepted")
    assert (
        deliverable.non_conformance.answer_working_days,
        deliverable.non_conformance.meeting_working_days,
    ) == (10, 3)
    assert deliverable.production_use_deems_accepted
    # §7: 如无异议，客户应在7天内线上点击确认服务报告
    reports = catalogue.service("managed-operations").acceptance
    assert (reports.scope, reports.confirmation) == ("report", "online")
    assert (reports.window.days, reports.window.day_kind) == (7, "calendar")
    # §22: 阿里云方将在上传验收报告的7天后自动确认服务完结
    upload = catalogue.service("mpaas-guidance").acceptance
    assert (upload.window.days, upload.window.starts, upload.window.on_silence) == (
        7,
        "report_uploaded",
        "deemed_accepted",
    )
    # §24: 交付完成后之日起【30】日内，逾期未出具验收报告，则视为验收通过 — from the end of the
    # 交付阶段 (the training delivered), in calendar days.
    growth = catalogue.service("expert-growth-plan").acceptance
    assert (growth.window.days, growth.window.day_kind, growth.window.starts, growth.window.phase) == (
        30, "calendar", "delivery_completed", "delivery",
    )


def test_on_site_rules_follow_the_seed(catalogue):
    operations = catalogue.service("managed-operations").on_site
    # 运维专家现场服务需提前两个工作日申请，现场服务完成后，客户需当天签署《现场运维服务单》
    assert (operations.notice_working_days, operations.form_signed_same_day) == (2, True)
    # §3: 驻场服务需要按人日额外收取，国家法定节假日按照三倍人天计算
    recovery = catalogue.service("stability-disaster-recovery").on_site
    assert recovery.statutory_holiday_multiplier == 3
    # §1: 驻场人天数不超过10人天; §18: 现场人天数不超过2人天
    assert (
        catalogue.service("data-platform-architecture-consulting")
        .package("standard")
        .on_site_cap.max_person_days
        == 10
    )
    assert (
        catalogue.service("data-platform-implementation-guidance")
        .package("standard")
        .on_site_cap.max_person_days
        == 2
    )


def test_unknown_codes_raise_key_errors_that_say_what_is_missing(catalogue):
    with pytest.raises(KeyError, match="no service 'tea-ceremony'"):
        catalogue.service("tea-ceremony")
    with pytest.raises(KeyError, match="cloud-escort has no package 'gold'"):
        catalogue.service("cloud-escort").package("gold")


# --- bad data: each error names the file and the line to fix --------------------------------

VALID = """\
code = "sample"
seed_section = 1
name_zh = "样例服务"
name_en = "Sample"

[lead_time]
working_days = 10
stated = true

[[items]]
code = "inventory"
name_zh = "数据资源盘点"

[[items]]
code = "design"
name_zh = "架构设计"

[[items]]
code = "training"
name_zh = "知识转移"

[[packages]]
code = "basic"
name_zh = "基础包"
delivery = "remote"
items = [
    "inventory", "design",
    "training",
]

[[packages]]
code = "standard"
name_zh = "标准包"
delivery = "on_site"
items = ["inventory", "design", "training"]
on_site_cap = { max_visits = 2, max_person_days_per_visit = 2 }

[[milestones]]
code = "kick-off"
name_zh = "项目启动会议"
offset = 3
day_kind = "calendar"

[[milestones]]
code = "acceptance"
name_zh = "项目验收"
offset = 30
day_kind = "calendar"

[[phases]]
code = "design"
name_zh = "方案设计"
deliverables = [
    { name_zh = "《架构设计文档》", kind = "document" },
    { name_zh = "《开发规范》", kind = "document", packages = ["standard"] },
]

[acceptance]
scope = "deliverable"
confirmation = "written"
window = { days = 5, day_kind = "working", starts = "submission", on_silence = "deemed_accepted" }

[on_site]
offered = true
"""


def write_catalogue(directory: Path, *services: str) -> list[Path]:
    (directory / "catalogue.toml").write_text('version = "test.1"\n', encoding="utf-8")
    (directory / "services").mkdir()
    files = []
    for number, text in enumerate(services, start=1):
        files.append(directory / "services" / f"{number:02d}.toml")
        files[-1].write_text(text, encoding="utf-8")
    return files


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if fragment in line]
    return lines[occurrence - 1]


def load_error(directory: Path) -> CatalogueError:
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(directory)
    return raised.value


def test_the_valid_sample_loads(tmp_path):
    write_catalogue(tmp_path, VALID)
    assert load_catalogue(tmp_path).service("sample").package("standard").delivery == "on_site"


def test_an_unknown_key_is_refused_at_its_line(tmp_path):
    text = VALID.replace('delivery = "on_site"\n', 'delivery = "on_site"\ncolour = "gold"\n')
    [file] = write_catalogue(tmp_path, text)
    error = load_error(tmp_path)
    assert (error.file, error.line) == (file, line_of(text, "colour"))
    assert "packages[1].colour: Extra inputs are not permitted" in str(error)
    assert str(error).startswith(f"{file}:{error.line}: ")


def test_a_missing_field_is_refused_at_its_tables_header(tmp_path):
    text = VALID.replace('delivery = "on_site"\n', "")
    [file] = write_catalogue(tmp_path, text)
    error = load_error(tmp_path)
    assert (error.file, error.line) == (file, line_of(text, "[[packages]]", occurrence=2))
    assert "packages[1].delivery: Field required" in str(error)


def test_a_bad_enum_value_is_refused_at_its_line(tmp_path):
    text = VALID.replace('offset = 30\nday_kind = "calendar"', 'offset = 30\nday_kind = "weekly"')
    [file] = write_catalogue(tmp_path, text)
    error = load_error(tmp_path)
    assert (error.file, error.line) == (file, line_of(text, '"weekly"'))
    assert "milestones[1].day_kind: Input should be 'working' or 'calendar'" in str(error)


def test_a_bad_value_inside_a_multi_line_array_is_refused_at_its_element(tmp_path):
    text = VALID.replace('"《开发规范》", kind = "document"', '"《开发规范》", kind = "poster"')
    [file] = write_catalogue(tmp_path, text)
    error = load_error(tmp_path)
    assert (error.file, error.line) == (file, line_of(text, '"poster"'))
    assert "phases[0].deliverables[1].kind" in str(error)


def test_a_string_where_a_number_belongs_is_refused(tmp_path):
    text = VALID.replace("working_days = 10", 'working_days = "10"')
    [file] = write_catalogue(tmp_path, text)
    error = load_error(tmp_path)
    assert (error.file, error.line) == (file, line_of(text, 'working_days = "10"'))
    assert "lead_time.working_days: Input should be a valid integer" in str(error)


def test_milestone_offsets_must_increase(tmp_path):
    text = VALID.replace("offset = 30", "offset = 3")
    [file] = write_catalogue(tmp_path, text)
    error = load_error(tmp_path)
    assert (error.file, error.line) == (file, line_of(text, "offset = 3", occurrence=2))
    assert "milestones[1].offset: offsets must increase: T+3 after T+3" in str(error)


def test_a_window_from_delivery_completed_must_name_a_delivering_phase(tmp_path):
    starts = 'starts = "submission"'
    without = VALID.replace(starts, 'starts = "delivery_completed"')
    unknown = VALID.replace(starts, 'starts = "delivery_completed", phase = "rollout"')
    stray = VALID.replace(starts, 'starts = "submission", phase = "design"')
    for text, message in [
        (without, 'acceptance.window.phase: names the delivery phase exactly when starts = "delivery_completed"'),
        (unknown, "acceptance.window.phase: unknown phase 'rollout'; phases with deliverables: design"),
        (stray, 'acceptance.window.phase: names the delivery phase exactly when starts = "delivery_completed"'),
    ]:
        directory = tmp_path / str(len(list(tmp_path.iterdir())))
        directory.mkdir()
        [file] = write_catalogue(directory, text)
        error = load_error(directory)
        assert (error.file, error.line, str(error)) == (
            file, line_of(text, "window = "), f"{file}:{error.line}: {message}",
        )


def test_a_package_may_only_include_the_services_items(tmp_path):
    # The second element of a line holding two: the error names that line, not the next.
    text = VALID.replace('    "inventory", "design",\n', '    "inventory", "dessign",\n')
    [file] = write_catalogue(tmp_path, text)
    error = load_error(tmp_path)
    assert (error.file, error.line) == (file, line_of(text, '"dessign"'))
    assert "packages[0].items[1]: unknown item 'dessign'" in str(error)


def test_an_item_no_package_includes_is_refused(tmp_path):
    text = VALID.replace('"inventory", "design", "training"', '"inventory", "training"')
    text = text.replace('    "inventory", "design",\n', '    "inventory",\n')
    [file] = write_catalogue(tmp_path, text)
    error = load_error(tmp_path)
    assert (error.file, error.line) == (file, line_of(text, 'code = "design"'))
    assert "items[1].code: item 'design' is in no package" in str(error)


def test_duplicate_package_codes_are_refused(tmp_path):
    text = VALID.replace('code = "standard"', 'code = "basic"')
    [file] = write_catalogue(tmp_path, text)
    error = load_error(tmp_path)
    assert (error.file, error.line) == (file, line_of(text, 'code = "basic"', occurrence=2))
    assert "packages[1].code: duplicate code 'basic'" in str(error)


def test_a_service_code_used_by_two_files_is_refused_in_the_second(tmp_path):
    second = VALID.replace("seed_section = 1", "seed_section = 2")
    first_file, second_file = write_catalogue(tmp_path, VALID, second)
    error = load_error(tmp_path)
    assert (error.file, error.line) == (second_file, 1)
    assert f"code: duplicate code 'sample', already in {first_file}" in str(error)


def test_a_toml_syntax_error_is_refused_at_its_line(tmp_path):
    text = VALID.replace('name_en = "Sample"', "name_en = Sample")
    [file] = write_catalogue(tmp_path, text)
    error = load_error(tmp_path)
    assert (error.file, error.line) == (file, line_of(text, "name_en = Sample"))


def test_a_catalogue_without_a_version_is_refused(tmp_path):
    write_catalogue(tmp_path, VALID)
    (tmp_path / "catalogue.toml").write_text("# no version\n", encoding="utf-8")
    error = load_error(tmp_path)
    assert (error.file, error.line) == (tmp_path / "catalogue.toml", 1)
    assert "version: a non-empty string is required" in str(error)
