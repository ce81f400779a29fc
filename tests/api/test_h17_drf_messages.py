"""DRF's own field messages follow the API's language: Vietnamese by default, English when asked (issue 17)."""


def test_field_messages_are_vietnamese_by_default_and_english_on_request(province, make_api):
    snv = make_api(province.snv)
    payload = {"doc_type": "CV", "page_amount": "abc", "place": "Hà\x00Nội"}  # no subject, not an integer, a NUL
    vi = snv.post("/api/v1/documents/", payload, format="json").json()["error"]
    assert vi["lang"] == "vi"
    assert vi["fields"]["subject"] == ["Mục này bắt buộc phải nhập."]
    assert vi["fields"]["page_amount"] == ["Cần một số nguyên hợp lệ."]
    assert vi["fields"]["place"] == ["Không được dùng ký tự null."]
    en = snv.post("/api/v1/documents/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert en["lang"] == "en"
    assert en["fields"]["subject"] == ["This field is required."]
    assert en["fields"]["page_amount"] == ["A valid integer is required."]
    assert en["fields"]["place"] == ["Null characters are not allowed."]


def test_choice_length_and_authentication_messages(province, make_api):
    snv = make_api(province.snv)
    payload = {"subject": "x" * 501, "urgency": "nope"}
    vi = snv.post("/api/v1/documents/", payload, format="json").json()["error"]["fields"]
    assert vi["subject"] == ["Trường này không được quá 500 ký tự."]
    assert vi["urgency"] == ['"nope" không phải là lựa chọn hợp lệ.']
    en = snv.post("/api/v1/documents/", payload, format="json", HTTP_ACCEPT_LANGUAGE="en").json()["error"]["fields"]
    assert en["subject"] == ["Ensure this field has no more than 500 characters."]
    assert en["urgency"] == ['"nope" is not a valid choice.']
    from rest_framework.test import APIClient

    anonymous = APIClient().get("/api/v1/documents/").json()["error"]
    assert anonymous["lang"] == "vi" and anonymous["message"] != "Authentication credentials were not provided."
    english = APIClient().get("/api/v1/documents/", HTTP_ACCEPT_LANGUAGE="en").json()["error"]
    assert english["lang"] == "en"
