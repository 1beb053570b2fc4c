"""Form 02 and the pseudonymiser: households are kept, names and citizen IDs never are."""

from __future__ import annotations

import logging

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from connectors.provincial.form02 import BENEFICIARY_SCHEMA, read_form02
from connectors.pseudonymise import KEY_VARIABLE, Pseudonymiser, normalise_citizen_id
from core.errors import PersonalDataError, ReportReadError

EXAMPLE = "sources/examples/bieu02_dien_bien_2024_beneficiaries.xlsx"
KEY = "a-test-key-that-is-not-a-real-secret"


@pytest.fixture
def pseudonymiser() -> Pseudonymiser:
    return Pseudonymiser.from_env({KEY_VARIABLE: KEY})


def personal_values(path) -> set[str]:
    """Every name and citizen ID in the example, read straight from the sheet."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header = next(i for i, r in enumerate(rows) if "Họ và tên chủ hộ" in r)
    name, cid = rows[header].index("Họ và tên chủ hộ"), rows[header].index("Số CCCD/CMND")
    values = set()
    for row in rows[header + 1 :]:
        values.update({str(row[name]), str(row[cid]), str(row[cid]).replace(" ", "")})
    return {v for v in values if v}


def test_example_is_read_and_pseudonymised(shared, pseudonymiser):
    report = read_form02(shared / EXAMPLE, pseudonymiser=pseudonymiser)
    table = report.beneficiaries
    assert table.schema == BENEFICIARY_SCHEMA
    assert (
        report.province.name,
        report.province.code_as_reported,
        report.period.label,
        report.unit,
    ) == ("Điện Biên", "11", "2024", "triệu đồng")
    assert report.problems == []
    assert table.num_rows == report.rows_read == 38
    first = table.to_pylist()[0]
    assert first["amount_vnd"] == 22_500_000 and first["support_year"] == 2024
    assert first["commune_name"] == "Xã Pú Nhi" and first["ethnicity"] == "Mông"
    assert len(first["household_pseudonym"]) == 64
    # rows 43 and 44 repeat the households of rows 10 and 14 (in capitals, with a space)
    repeats = {r["source_row"] for r in table.to_pylist() if r["is_repeat_household"]}
    assert repeats == {43, 44}
    by_row = {r["source_row"]: r["household_pseudonym"] for r in table.to_pylist()}
    assert by_row[43] == by_row[10] and by_row[44] == by_row[14]


def test_no_name_or_citizen_id_leaves_the_reader(shared, pseudonymiser, caplog):
    caplog.set_level(logging.DEBUG)
    secrets = personal_values(shared / EXAMPLE)
    assert len(secrets) > 60
    report = read_form02(shared / EXAMPLE, pseudonymiser=pseudonymiser)
    visible = " ".join([str(report.beneficiaries.to_pylist()), repr(report), caplog.text])
    assert not [s for s in secrets if s in visible]


def test_problems_never_echo_personal_data(tmp_path, pseudonymiser):
    path = tmp_path / "b02.xlsx"
    rows = [
        ["UBND TỈNH LAI CHÂU"],
        ["Đơn vị tính: triệu đồng"],
        [],
        [
            "STT",
            "Họ và tên chủ hộ",
            "Số CCCD/CMND",
            "Dân tộc",
            "Thôn/bản",
            "Xã",
            "Huyện",
            "Nội dung hỗ trợ",
            "Số tiền hỗ trợ",
            "Năm hỗ trợ",
        ],
        [1, "Lò Thị Secretname", "12345", "Thái", "Bản A", "Xã B", "Huyện C", "Nhà ở", 40, 2024],
        [
            2,
            "Vàng A Othername",
            "0123-4567-8901",
            "Mông",
            "Bản A",
            "Xã B",
            "Huyện C",
            "Nhà ở",
            "22,5",
            2024,
        ],
        [3, "Giàng Thị Third", "", "Mông", "Bản A", "Xã B", "Huyện C", "Nhà ở", 3, "x"],
    ]
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Bieu02")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    workbook.close()
    report = read_form02(path, pseudonymiser=pseudonymiser)
    assert report.province.name == "Lai Châu"
    assert [(p.row, p.check) for p in report.problems] == [
        (5, "personal_data"),
        (7, "personal_data"),
        (7, "read"),
    ]
    visible = repr(report.problems) + str(report.beneficiaries.to_pylist())
    for secret in ("Secretname", "Othername", "Third", "12345", "4567"):
        assert secret not in visible
    lines = report.beneficiaries.to_pylist()
    assert lines[0]["household_pseudonym"] is None
    assert lines[1]["household_pseudonym"] == pseudonymiser.citizen_id("012345678901")
    assert lines[1]["amount_vnd"] == 22_500_000


def test_a_workbook_without_the_household_table_is_refused(tmp_path, pseudonymiser):
    path = tmp_path / "b02.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    workbook.add_worksheet("Bieu02").write(0, 0, "UBND TỈNH ĐIỆN BIÊN")
    workbook.close()
    with pytest.raises(ReportReadError, match="no Form 02 table"):
        read_form02(path, pseudonymiser=pseudonymiser)


def test_missing_key_is_refused_with_how_to_set_it():
    with pytest.raises(PersonalDataError) as err:
        Pseudonymiser.from_env({KEY_VARIABLE: "  "})
    assert KEY_VARIABLE in str(err.value)
    with pytest.raises(PersonalDataError):
        Pseudonymiser.from_env({})


def test_pseudonyms_are_keyed_normalised_and_hide_the_key():
    one, other = Pseudonymiser(b"key one"), Pseudonymiser(b"key two")
    assert (
        one.citizen_id("001 085 499 189")
        == one.citizen_id("001.085.499.189")
        == (one.citizen_id("001-085-499-189"))
    )
    assert one.citizen_id("001085499189") != other.citizen_id("001085499189")
    assert one.citizen_id("123456789") != one.citizen_id("000123456789")
    assert "key one" not in repr(one)
    # a number cell loses the leading zero of the province code; it is put back
    assert one.citizen_id(11085499189) == one.citizen_id("011085499189")


def test_domain_tag_separates_identifier_kinds():
    import hashlib
    import hmac

    plain = hmac.new(b"k", b"001085499189", hashlib.sha256).hexdigest()
    assert Pseudonymiser(b"k").citizen_id("001085499189") != plain


@pytest.mark.parametrize("raw", ["12345", "1234567890123", "00108549918A", "", None, 12.5])
def test_invalid_citizen_ids_are_refused_without_echoing_them(raw):
    with pytest.raises(PersonalDataError) as err:
        normalise_citizen_id(raw)
    if raw:
        assert str(raw) not in str(err.value)


# --- personal data typed where it does not belong ------------------------------------------

HEADER = [
    "STT",
    "Họ và tên chủ hộ",
    "Số CCCD/CMND",
    "Dân tộc",
    "Thôn/bản",
    "Xã",
    "Huyện",
    "Nội dung hỗ trợ",
    "Số tiền hỗ trợ",
    "Năm hỗ trợ",
]
CONTACT = "Người lập biểu: Nguyễn Văn A, CCCD 001234567890, ĐT 0912 345 678"
# every value planted below, as typed and with its separators removed
PLANTED = [
    "001234567890",
    "0912 345 678",
    "0912345678",
    "Nguyễn Văn A",
    "034 185 000 123",
    "034185000123",
    "0987.654.321",
    "0987654321",
    "0356123456",
    "012345678",
    "099123456726",
    "99123456726",
    "011085499189",
]


def _write(path, rows, sheet="Bieu02"):
    workbook = xlsxwriter.Workbook(str(path))
    worksheet = workbook.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                worksheet.write(r, c, value)
    workbook.close()
    return path


def _household(stt, content="Hỗ trợ nhà ở", village="Bản Co Muông", commune="Xã Pú Nhi", **kw):
    row = [
        stt,
        kw.get("name", "Quàng Thị Hoa"),
        kw.get("cid", "011085499189"),
        "Thái",
        village,
        commune,
        kw.get("district", "Huyện Điện Biên Đông"),
        content,
        kw.get("amount", 22.5),
        2024,
    ]
    return row


def _leaky_rows(top=("UBND TỈNH ĐIỆN BIÊN",)):
    return [
        list(top),
        [CONTACT],
        ["DANH SÁCH HỘ ĐƯỢC HỖ TRỢ NHÀ Ở THEO DỰ ÁN 1 - CHƯƠNG TRÌNH MTQG 1719 NĂM 2024"],
        [None] * 7 + ["Đơn vị tính: triệu đồng"],
        [],
        HEADER,
        _household(1, content="Hỗ trợ nhà ở (CCCD 034 185 000 123)"),
        _household(2, cid="011392868783", village="Bản Co Muông - ĐT 0987.654.321"),
        _household(3, cid="011083298606", commune="Xã Pú Nhi 0356123456"),
        _household(4, cid="011287143744", district="Huyện Điện Biên 012345678"),
        _household(5, cid="011275087197", amount="099123456726"),
        _household(6, cid="011175607219", amount=99123456726),
        _household(7, cid="011091966488", amount=12_000),  # 12 000 triệu = 12 tỷ: implausible
        _household(8, cid="011168045707", name="Lò Văn B 001199004455", amount=40),
    ]


def test_ids_and_phones_typed_in_free_text_never_leave_the_reader(tmp_path, pseudonymiser):
    path = _write(tmp_path / "b02.xlsx", _leaky_rows())

    report = read_form02(path, pseudonymiser=pseudonymiser)

    assert report.sender_name == "UBND TỈNH ĐIỆN BIÊN"
    lines = {r["source_row"]: r for r in report.beneficiaries.to_pylist()}
    assert lines[7]["support_content"] == "Hỗ trợ nhà ở (CCCD [CCCD đã ẩn])"
    assert lines[8]["village_name"] == "Bản Co Muông - ĐT [SĐT đã ẩn]"
    assert lines[9]["commune_name"] == "Xã Pú Nhi [SĐT đã ẩn]"
    assert lines[10]["district_name"] == "Huyện Điện Biên [CMND đã ẩn]"
    assert lines[7]["amount_vnd"] == 22_500_000 and lines[14]["amount_vnd"] == 40_000_000
    # an ID typed as an amount is a located blocking problem, not 99,123,456,726 triệu đồng
    assert lines[11]["amount_vnd"] is None and lines[12]["amount_vnd"] is None
    assert lines[13]["amount_vnd"] is None
    located = [(p.row, p.check, p.blocking) for p in report.problems]
    assert located == [(11, "personal_data", True), (12, "personal_data", True), (13, "read", True)]
    assert "looks like a citizen ID" in report.problems[0].reason
    assert "10 billion" in report.problems[2].reason
    visible = repr(report) + str(report.beneficiaries.to_pylist())
    assert [s for s in PLANTED if s in visible] == []
    assert not [s for s in ("Lò Văn B", "001199004455") if s in visible]


def test_the_sender_error_never_echoes_a_contact_line(tmp_path, pseudonymiser):
    path = _write(tmp_path / "b02.xlsx", _leaky_rows(top=("Phòng Dân tộc",)))

    with pytest.raises(ReportReadError) as err:
        read_form02(path, pseudonymiser=pseudonymiser)

    message = str(err.value)
    assert "không xác định được tỉnh" in message and "[đã ẩn]" in message
    assert [s for s in PLANTED if s in message] == []


def test_pseudonyms_are_stable_under_one_key_and_differ_under_another(tmp_path):
    path = _write(tmp_path / "b02.xlsx", _leaky_rows())

    def pseudonyms(key):
        report = read_form02(path, pseudonymiser=Pseudonymiser.from_env({KEY_VARIABLE: key}))
        return report.beneficiaries.column("household_pseudonym").to_pylist()

    first = pseudonyms(KEY)
    assert pseudonyms(KEY) == first and len(set(first)) == 8
    other = pseudonyms("another-key-for-tests")
    assert not set(other) & set(first)
    assert [s for s in PLANTED if s in str(first + other)] == []
