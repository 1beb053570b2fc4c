"""What the Steering Committee report holds: its sheets (each one named query in
`warehouse/sql/`), their titles and the labels of their columns, in Vietnamese and English.

A sheet reads one query; when the model behind it is not in the warehouse yet (another change
builds it), the sheet says so instead of failing the report. Wiring a new sheet is one query file
and one `SheetSpec` here.
"""

from __future__ import annotations

from dataclasses import dataclass

# The parameters a sheet's query takes, by name: the report's period, the previous report's time.
PERIOD = "period"
SINCE = "previous_report_at"


@dataclass(frozen=True)
class SheetSpec:
    name: str  # the worksheet's name (≤ 31 characters)
    query: str  # warehouse/sql/<query>.sql
    title_vi: str
    title_en: str
    params: tuple[str, ...] = ()
    note_vi: str = ""
    note_en: str = ""
    model: str = ""  # the model it reads, named when it is missing


SUMMARY = SheetSpec(
    "Tổng hợp",
    "report_national_summary",
    "Tổng hợp toàn quốc: kế hoạch, phân bổ, giải ngân",
    "National summary: plan, allocation, disbursement",
    (PERIOD,),
    "Phân bổ và giải ngân: tổng các dòng chi tiết đã được chấp nhận của kỳ (giải ngân lũy kế từ "
    "đầu năm). Kế hoạch: quyết định giao vốn năm của Bộ Tài chính. Mục tiêu: báo cáo nghiên cứu "
    "khả thi — xem cột 'Mục tiêu minh họa'.",
    "Allocation and disbursement: the sum of the period's accepted leaf rows (disbursement year "
    "to date). Plan: the Ministry of Finance's annual decisions. Target: the feasibility study — "
    "see the 'illustrative target' column.",
    "marts.rpt_national_summary",
)
BY_PROVINCE = SheetSpec(
    "Theo tỉnh",
    "report_by_province",
    "Theo tỉnh, thành phố (34 đơn vị hành chính từ 01/7/2025)",
    "By province (the 34 units from 1 July 2025)",
    (PERIOD,),
    "Báo cáo của các tỉnh cũ được cộng vào tỉnh mới đã sáp nhập.",
    "Reports of the old provinces count under the new province that absorbed them.",
    "marts.rpt_progress_by_province_period",
)
BY_PROJECT = SheetSpec(
    "Theo dự án",
    "report_by_subproject",
    "Theo dự án và tiểu dự án",
    "By project and sub-project",
    (PERIOD,),
    model="marts.rpt_progress_by_subproject",
)
TIMELINESS = SheetSpec(
    "Tiến độ báo cáo",
    "report_timeliness",
    "Tình hình gửi báo cáo: chưa gửi, gửi muộn, đúng hạn (giờ Việt Nam)",
    "Reporting: not received, late, on time (Vietnam time)",
    (PERIOD,),
    model="marts.rpt_reporting_timeliness",
)
CAVEATS = SheetSpec(
    "BaoCaoBiLoai",
    "report_caveats",
    "Lưu ý: báo cáo bị cách ly hoặc tạm giữ chưa được thay thế, và kỳ được dùng thay",
    "Caveats: quarantined or held submissions not yet superseded, and the period used instead",
    note_vi="Chỉ những báo cáo còn hiệu lực lưu ý; báo cáo đã được gửi lại và chấp nhận không "
    "còn trong danh sách.",
    note_en="Only what holds now: a submission corrected and accepted since is not listed.",
    model="quality.quality_report_caveats",
)
RESTATEMENTS = SheetSpec(
    "Điều chỉnh số liệu",
    "report_restatements",
    "Số liệu đã công bố được điều chỉnh kể từ báo cáo trước",
    "Published figures restated since the previous report",
    (SINCE,),
    model="marts.fct_progress_restatements",
)
RECONCILIATION = SheetSpec(
    "Chênh lệch nguồn",
    "report_reconciliation",
    "Chênh lệch giữa các nguồn: tỉnh báo cáo so với Kho bạc và Bộ Tài chính",
    "Cross-source differences: provincial reports against the Treasury and the Ministry of Finance",
    (PERIOD,),
    model="marts.mart_source_reconciliation",
)
LINEAGE = SheetSpec(
    "Nguồn số liệu",
    "report_lineage",
    "Nguồn số liệu: mỗi số liệu và các lô, tệp, trang, dòng cộng thành",
    "Data sources: each figure and the batches, files, sheets and rows it sums",
    (PERIOD,),
    note_vi="Tổng cột 'Số tiền' (hoặc 'Số đếm') theo báo cáo, tỉnh, mã ô, khóa ô và chỉ tiêu "
    "bằng số liệu của các trang trên; 'mtqg explain' cho một ô.",
    note_en="The 'amount' (or 'counted') summed by report, province, cell code, cell key and "
    "measure is the figure above; 'mtqg explain' gives one cell.",
    model="marts.lineage_report_cells",
)
NORMS = SheetSpec(
    "Định mức phân bổ",
    "report_allocation_norms",
    "Định mức phân bổ vốn NSTW: theo định mức so với thực tế giao",
    "Allocation norms: normative against actual central capital",
    note_vi="Hệ số từ các tệp norms/*.yaml. 'Chưa xác nhận': chưa đối chiếu văn bản quyết định; "
    "'Minh họa': hệ số tự đặt. Tiêu chí thiếu dữ liệu không được tính (xem cột cuối).",
    note_en="Coefficients from norms/*.yaml. Unconfirmed: not checked against the decision text; "
    "illustrative: made-up coefficients. Criteria without data are not counted (last column).",
    model="marts.mart_allocation_norms",
)
BENEFICIARIES = SheetSpec(
    "Rà soát đối tượng",
    "report_beneficiary_review",
    "Rà soát đối tượng thụ hưởng theo tỉnh",
    "Beneficiary review by province",
    note_vi="Địa bàn theo QĐ 861/QĐ-TTg (khu vực I, II, III) và QĐ 612/QĐ-UBDT (thôn ĐBKK), "
    "quy đổi sang đơn vị hành chính mới.",
    note_en="Areas by Decision 861 (regions I, II, III) and Decision 612 (extremely difficult "
    "villages), mapped to the new administrative units.",
    model="marts.rpt_beneficiary_review_by_province",
)
FOLLOW_UP = SheetSpec(
    "Cần xác minh",
    "report_beneficiary_follow_up",
    "Danh sách hộ cần xác minh (mã giả danh, tệp, trang, dòng)",
    "Households to follow up (pseudonym, file, sheet, row)",
    note_vi="Không có họ tên, số định danh: tra theo tệp và dòng gốc.",
    note_en="No names and no ID numbers: look up the original file and row.",
    model="marts.rpt_beneficiary_follow_up",
)
DONORS = SheetSpec(
    "Nhà tài trợ",
    "report_donors",
    "Huy động vốn nhà tài trợ: cam kết và giải ngân (quy đổi theo tỷ giá ngày giá trị)",
    "Donor mobilisation: commitments and disbursements (in đồng at value-date rates)",
    model="marts.rpt_donor_mobilisation",
)

# In the workbook's order; the progress detail ("TienDo") follows the project sheet.
SHEETS = (
    SUMMARY,
    BY_PROVINCE,
    BY_PROJECT,
    TIMELINESS,
    CAVEATS,
    RESTATEMENTS,
    RECONCILIATION,
    LINEAGE,
    NORMS,
    BENEFICIARIES,
    FOLLOW_UP,
    DONORS,
)

# Column labels: Vietnamese, English. A `_vnd` column is money (shown in triệu đồng beside the
# exact đồng), `_pct` a percentage, `_share` a share shown as a percentage, `is_`/`has_` yes/no.
LABELS: dict[str, tuple[str, str]] = {
    "period": ("Kỳ báo cáo", "Period"),
    "programme_code": ("Mã", "Code"),
    "plan_vnd": ("Kế hoạch giao", "Plan"),
    "allocation_vnd": ("Phân bổ (tỉnh báo cáo)", "Allocation (reported)"),
    "disbursed_vnd": ("Giải ngân lũy kế", "Disbursed to date"),
    "disbursement_rate_pct": ("Tỷ lệ giải ngân (%)", "Disbursement rate (%)"),
    "previous_year_period": ("Cùng kỳ năm trước", "Same period last year"),
    "previous_year_allocation_vnd": ("Phân bổ cùng kỳ", "Allocation, last year"),
    "previous_year_disbursed_vnd": ("Giải ngân cùng kỳ", "Disbursed, last year"),
    "previous_year_rate_pct": ("Tỷ lệ cùng kỳ (%)", "Rate last year (%)"),
    "target_vnd": ("Mục tiêu NCKT năm", "Feasibility target (year)"),
    "target_source": ("Nguồn mục tiêu", "Target source"),
    "is_target_illustrative": ("Mục tiêu minh họa", "Illustrative target"),
    "provinces_reporting": ("Số tỉnh báo cáo", "Provinces reporting"),
    "leaf_rows": ("Số dòng chi tiết", "Leaf rows"),
    "province_code": ("Mã tỉnh", "Province code"),
    "province_name": ("Tỉnh/thành phố", "Province"),
    "old_provinces": ("Gồm các tỉnh cũ", "Old provinces absorbed"),
    "reporting_units": ("Đơn vị đã báo cáo", "Units that reported"),
    "has_reported": ("Đã báo cáo", "Reported"),
    "project_code": ("Dự án", "Project"),
    "project_name_vi": ("Tên dự án", "Project name"),
    "subproject_code": ("Tiểu dự án", "Sub-project"),
    "subproject_name_vi": ("Tên tiểu dự án", "Sub-project name"),
    "province_code_as_reported": ("Mã tỉnh khi báo cáo", "Code as reported"),
    "admin_era": ("Hệ đơn vị", "Admin era"),
    "due_date": ("Hạn gửi", "Due"),
    "timeliness": ("Tình trạng", "Status"),
    "first_received_at_vn": ("Nhận lúc (giờ VN)", "Received (Vietnam time)"),
    "is_accepted": ("Được chấp nhận", "Accepted"),
    "submissions": ("Số lần gửi", "Submissions"),
    "original_name": ("Tệp", "File"),
    "status": ("Trạng thái", "Status"),
    "reasons": ("Lý do", "Reasons"),
    "last_accepted_period": ("Kỳ được dùng thay", "Period used instead"),
    "loaded_at": ("Thời điểm nạp", "Loaded at"),
    "decision_title_vi": ("Quyết định / tệp hệ số", "Decision / coefficient file"),
    "is_confirmed": ("Đã xác nhận", "Confirmed"),
    "is_illustrative": ("Minh họa", "Illustrative"),
    "normative_points": ("Điểm theo định mức", "Normative points"),
    "normative_share": ("Tỷ trọng theo định mức (%)", "Normative share (%)"),
    "actual_share": ("Tỷ trọng thực tế (%)", "Actual share (%)"),
    "normative_of_actual_vnd": ("Vốn theo định mức", "Normative amount"),
    "actual_central_plan_vnd": ("Vốn NSTW thực tế giao", "Actual central plan"),
    "difference_vnd": ("Chênh lệch (thực tế − định mức)", "Difference (actual − normative)"),
    "normative_rank": ("Xếp hạng định mức", "Normative rank"),
    "actual_rank": ("Xếp hạng thực tế", "Actual rank"),
    "normative_of_envelope_vnd": ("Theo định mức trên tổng vốn QĐ", "Normative of the envelope"),
    "missing_inputs": ("Tiêu chí chưa có dữ liệu", "Criteria without data"),
    "source_reference": ("Nguồn hệ số", "Source of the coefficients"),
    "support_year": ("Năm hỗ trợ", "Support year"),
    "support_lines": ("Số dòng", "Lines"),
    "households": ("Số hộ", "Households"),
    "amount_vnd": ("Số tiền", "Amount"),
    "outside_area_lines": ("Ngoài địa bàn", "Outside the areas"),
    "outside_area_amount_vnd": ("Tiền ngoài địa bàn", "Amount outside the areas"),
    "commune_not_found_lines": ("Không tìm thấy xã", "Commune not found"),
    "not_in_612_village_lines": ("Thôn ngoài DS 612", "Village not in the 612 list"),
    "supported_twice_lines": ("Hỗ trợ trùng", "Supported twice"),
    "follow_up_lines": ("Cần xác minh", "To follow up"),
    "household_pseudonym": ("Mã giả danh hộ", "Household pseudonym"),
    "source_sheet": ("Trang", "Sheet"),
    "source_row": ("Dòng", "Row"),
    "support_content": ("Nội dung hỗ trợ", "Support content"),
    "reason_vi": ("Lý do", "Reason (Vietnamese)"),
    "reason_en": ("Lý do (tiếng Anh)", "Reason"),
    "donor_ref": ("Mã nhà tài trợ", "Donor ref"),
    "donor_name": ("Nhà tài trợ", "Donor"),
    "activities": ("Số hoạt động", "Activities"),
    "committed_vnd": ("Cam kết", "Committed"),
    "transactions_without_rate": ("Giao dịch thiếu tỷ giá", "Transactions without a rate"),
    "measure": ("Chỉ tiêu", "Measure"),
    "old_value_vnd": ("Số cũ", "Old value"),
    "new_value_vnd": ("Số mới", "New value"),
    "change_vnd": ("Thay đổi", "Change"),
    "change_kind": ("Loại thay đổi", "Kind of change"),
    "old_source_name": ("Tệp cũ", "Old file"),
    "new_source_name": ("Tệp mới", "New file"),
    "restated_at": ("Điều chỉnh lúc", "Restated at"),
    "comparison": ("So sánh", "Comparison"),
    "reference_source": ("Nguồn đối chiếu", "Reference source"),
    "reported_vnd": ("Tỉnh báo cáo", "Reported"),
    "reference_vnd": ("Nguồn đối chiếu", "Reference"),
    "tolerance_vnd": ("Ngưỡng cho phép", "Tolerance"),
    "is_over_tolerance": ("Vượt ngưỡng", "Over tolerance"),
    "source_name": ("Tệp nguồn", "Source file"),
    "report": ("Báo cáo", "Report"),
    "cell_code": ("Mã ô", "Cell code"),
    "cell_key": ("Khóa ô", "Cell key"),
    "counted": ("Số đếm", "Counted"),
    "source_kind": ("Loại nguồn", "Kind of source"),
    "derivation": ("Cách tính", "How it is computed"),
    "source_record_id": ("Mã bản ghi", "Record id"),
    "batch_id": ("Lô dữ liệu", "Batch"),
    "source_file_sha256": ("SHA-256 của tệp", "File SHA-256"),
}

VALUES_VI = {
    "not_received": "chưa gửi",
    "late": "gửi muộn",
    "on_time": "đúng hạn",
    "quarantined": "cách ly",
    "held": "tạm giữ",
}


def label(column: str) -> tuple[str, str]:
    """The column's Vietnamese and English header (its name when no label is known)."""
    return LABELS.get(column, (column, column))


def kind(column: str) -> str:
    """money | pct | share | bool | other, by the column's name."""
    if column.endswith("_vnd"):
        return "money"
    if column.endswith("_pct"):
        return "pct"
    if column.endswith("_share"):
        return "share"
    if column.startswith(("is_", "has_")):
        return "bool"
    return "other"
