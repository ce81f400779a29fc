"""Deterministic sample packages: the source of the golden files (regenerate with UPDATE_GOLDEN=1)."""
from datetime import date, datetime

from documents.edxml import (
    VN_TZ,
    Attachment,
    Bussiness,
    BussinessDocType,
    BussinessDocumentInfo,
    Code,
    DocumentPackage,
    DocumentType,
    MessageHeader,
    Organization,
    OtherInfo,
    PromulgationInfo,
    Receiver,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    make_document_id,
)

NGHE_AN = Organization(
    organ_id="000.00.00.H41",
    organization_in_charge="UBND Tỉnh Nghệ An",
    organ_name="UBND Tỉnh Nghệ An",
    organ_add="Số 03, đường Trường Thi, Thành phố Vinh, Tỉnh Nghệ An, Việt Nam",
    email="nghean@gov.vn",
    telephone="0383 840418",
    fax="0383 843049",
    website="www.nghean.vn",
)
VPCP = Organization(organ_id="000.00.00.G22", organ_name="Văn phòng Chính phủ", email="vpcp@chinhphu.vn")
# Demo department code (level 2 under H41), as the units app assigns them.
SO_NOI_VU = Organization(organ_id="000.01.00.H41", organ_name="Sở Nội vụ tỉnh Nghệ An")

PDF_BYTES = b"%PDF-1.7\n% demo body of the signed decision\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"
APPENDIX_TEXT = ("Phụ lục danh sách đơn vị nhận văn bản\n" * 40).encode("utf-8")

PROMULGATED = date(2025, 7, 15)
BASE_DOC_ID = make_document_id("000.00.00.H41", date(2025, 7, 1), "15", "QĐ-UBND")


def attachments() -> list[Attachment]:
    return [
        Attachment(content_id="cid:qd-15.pdf", attachment_name="QD-15-UBND.pdf", content_type="application/pdf",
                   description="Quyết định (bản ký số)", data=PDF_BYTES),
        Attachment.zipped(content_id="cid:phu-luc.zip", attachment_name="Phu-luc.txt", source=APPENDIX_TEXT,
                          description="Phụ lục (nén)"),
    ]


def document(doc_type: BussinessDocType = BussinessDocType.NEW, with_attachments: bool = True) -> DocumentPackage:
    number = {0: "16", 1: "17", 2: "18", 3: "19"}[int(doc_type)]
    files = attachments() if with_attachments else []
    bussiness = Bussiness(bussiness_doc_type=doc_type, paper=0,
                          staff_info=StaffInfo(department="Văn phòng UBND tỉnh", staff="Nguyễn Văn An",
                                               email="an.nv@nghean.gov.vn", mobile="0912000001"))
    if doc_type == BussinessDocType.REVOCATION:
        bussiness.document_id = BASE_DOC_ID
        bussiness.bussiness_doc_reason = "Văn bản ban hành sai thẩm quyền"
    elif doc_type == BussinessDocType.UPDATE:
        bussiness.document_id = BASE_DOC_ID
        bussiness.bussiness_doc_reason = "Bổ sung nơi nhận"
        bussiness.bussiness_document_info = BussinessDocumentInfo(
            document_info="0", document_receiver="1",
            receiver_list=[Receiver(organ_id="000.01.00.H41", receiver_type=1),
                           Receiver(organ_id="000.00.00.G22", receiver_type=0)])
    elif doc_type == BussinessDocType.REPLACEMENT:
        bussiness.document_id = BASE_DOC_ID
        bussiness.bussiness_doc_reason = "Thay thế do sai sót nội dung"
        bussiness.replacement_info_list = [
            ReplacementInfo(document_id=BASE_DOC_ID, organ_id_list=["000.00.00.G22", "000.01.00.H41"])]
    return DocumentPackage(
        header=MessageHeader(
            from_=NGHE_AN,
            to=[VPCP, SO_NOI_VU],
            document_id=make_document_id("000.00.00.H41", PROMULGATED, number, "QĐ-UBND"),
            code=Code(code_number=number, code_notation="QĐ-UBND"),
            promulgation_info=PromulgationInfo(place="Nghệ An", promulgation_date=PROMULGATED),
            document_type=DocumentType(type="1", type_detail="0", type_name="Quyết định"),
            subject="Về việc ban hành quy chế tiếp nhận văn bản điện tử & <thử nghiệm>",
            content="Nội dung tóm tắt của quyết định.",
            signer_info=SignerInfo(competence="TM. Ủy ban nhân dân", position="Chủ tịch", full_name="Lê Văn B"),
            due_date=date(2025, 8, 1),
            other_info=OtherInfo(priority=1, sphere_of_promulgation="Lưu hành nội bộ", typer_notation="NVA",
                                 promulgation_amount=3, page_amount=2, direction=False,
                                 appendixes=["Phụ lục I", "Phụ lục II"]),
            response_for=[ResponseFor(organ_id="000.00.00.G22", code="7816/VPCP-TTĐT",
                                      promulgation_date=date(2015, 9, 30),
                                      document_id="000.00.00.G22,2015/09/30,7816/VPCP-TTĐT")],
            steering_type="1",
            to_places=["Văn phòng Chính phủ", "Sở Nội vụ", "Lưu: VT"],
        ),
        trace_header_list=TraceHeaderList(
            trace_headers=[
                TraceHeader(organ_id="000.00.00.H41", timestamp=datetime(2025, 7, 15, 9, 30, 5, tzinfo=VN_TZ))
            ],
            bussiness=bussiness,
        ),
        references=[a.reference() for a in files],
        attachments=files,
    )


STATUS_DESCRIPTIONS = {
    "01": "Đã đến",
    "02": "Từ chối: văn bản gửi nhầm nơi nhận",
    "03": "Đã tiếp nhận, vào sổ văn bản đến số 125",
    "04": "Đã phân công xử lý",
    "05": "Đang xử lý văn bản đến",
    "06": "Hoàn thành xử lý",
    "13": "Xin lấy lại văn bản: sai số ký hiệu",
    "15": "Đồng ý yêu cầu",
    "16": "Từ chối yêu cầu: văn bản đã được xử lý",
}


def status(code: str) -> StatusPackage:
    return StatusPackage(
        from_=NGHE_AN,
        response_for=ResponseFor(organ_id="000.00.00.G22", code="7816/VPCP-TTĐT", promulgation_date=date(2015, 9, 30),
                                 document_id="000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"),
        staff_info=StaffInfo(department="Phòng Hành chính", staff="Nguyễn Thị Ngọc Trâm", email="ngoctram@nghean.vn",
                             mobile="84912000001"),
        status_code=code,
        description=STATUS_DESCRIPTIONS[code],
        timestamp=datetime(2025, 7, 16, 8, 0, int(code), tzinfo=VN_TZ),
    )


GOLDEN = {
    "document_new.xml": lambda: document(BussinessDocType.NEW),
    "document_revocation.xml": lambda: document(BussinessDocType.REVOCATION, with_attachments=False),
    "document_update.xml": lambda: document(BussinessDocType.UPDATE),
    "document_replacement.xml": lambda: document(BussinessDocType.REPLACEMENT),
    **{f"status_{code}.xml": (lambda code=code: status(code)) for code in STATUS_DESCRIPTIONS},
}
