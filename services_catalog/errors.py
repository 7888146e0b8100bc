"""Typed adapter errors. Callers catch at the level they care about; the flow maps each class
to one plain-language screen, so every error carries its own citizen-facing sentence."""

from __future__ import annotations


class AdapterError(Exception):
    """Base of every error an adapter raises."""

    message_zh = "查询暂时无法完成，请稍后再试。"
    message_en = "The query could not be completed. Please try again later."
    retryable = False

    def __init__(self, detail: str = "") -> None:
        # `detail` is for the operator log: never put an ID number or a name in it.
        super().__init__(detail or type(self).__name__)
        self.detail = detail


class RecordNotFound(AdapterError):
    message_zh = "没有查到您的相关记录。"
    message_en = "No record was found for you."


class BackendUnavailable(AdapterError):
    message_zh = "业务系统暂时无法访问，请稍后再试或联系工作人员。"
    message_en = "The agency's system is not reachable right now. Please try later or ask staff."
    retryable = True


class BackendTimeout(BackendUnavailable):
    message_zh = "业务系统响应超时，请稍后再试。"
    message_en = "The agency's system did not answer in time. Please try again later."


class BadBackendResponse(BackendUnavailable):
    message_zh = "业务系统返回的数据有误，请稍后再试或联系工作人员。"
    message_en = "The agency's system sent an answer we could not read. Please try later."
    retryable = False


class QueryRefused(AdapterError):
    message_zh = "该查询被拒绝。只能查询本人的信息。"
    message_en = "This query was refused. You can only look up your own records."


class ServiceClosed(AdapterError):
    """Outside the back-end's opening hours; `opens_at` says when to come back (HH:MM)."""

    def __init__(self, opens_at: str, detail: str = "") -> None:
        super().__init__(detail or f"closed until {opens_at}")
        self.opens_at = opens_at
        self.message_zh = f"该业务系统夜间暂停服务，请于 {opens_at} 后再来办理。"
        self.message_en = f"This service is closed now. It is available from {opens_at}."


class InvalidInput(AdapterError):
    def __init__(self, field_key: str, message_zh: str, message_en: str) -> None:
        super().__init__(f"invalid input {field_key}")
        self.field_key = field_key
        self.message_zh = message_zh
        self.message_en = message_en


class ServiceDisabled(AdapterError):
    """The service is switched off on this terminal (catalog flag or terminal config)."""

    message_zh = "该服务在本机暂停办理，请到窗口或其他自助终端办理。"
    message_en = "This service is not offered on this terminal now. Please ask at a counter."


class AuthenticationRequired(QueryRefused):
    """The service needs a stronger check (card + face) than this session has passed."""

    message_zh = "该业务需要先进行人脸识别验证本人身份。"
    message_en = "This service needs a face check to confirm it is you."
