"""Face verification: the demo verifier, and the HTTP adapter against the demo's wire format."""

from __future__ import annotations

import base64
import json

import cv2
import httpx
import numpy as np
import pytest

from devices.camera import synthetic
from devices.camera.detector import FaceDetector
from services_catalog.errors import (
    BackendTimeout,
    BackendUnavailable,
    BadBackendResponse,
    InvalidInput,
    QueryRefused,
    RecordNotFound,
)
from services_catalog.face_verify import (
    DemoFaceVerifier,
    FaceMatch,
    FaceVerifier,
    HttpFaceVerifier,
    NoFaceInImage,
)

ZHANG_WEI = "410402198805201238"
LI_XIUYING = "410403195608120028"


def jpeg(image: np.ndarray) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return buf.tobytes()


@pytest.fixture(scope="module")
def verifier(detector: FaceDetector) -> DemoFaceVerifier:
    return DemoFaceVerifier.with_demo_enrolment(detector.locate_one)


@pytest.fixture(scope="module")
def captured(portrait) -> bytes:
    """The portrait as the capture session hands it over: a face crop, as JPEG."""
    frame, face = portrait
    x, y, w, h = (int(v) for v in face.box)
    return jpeg(frame[max(0, y - h // 2) : y + h + h // 2, max(0, x - w // 2) : x + w + w // 2])


def test_demo_verifier_is_a_face_verifier(verifier: DemoFaceVerifier) -> None:
    assert isinstance(verifier, FaceVerifier)


def test_enrolled_person_matches_their_captured_face(verifier, captured) -> None:
    result = verifier.verify(ZHANG_WEI, captured)
    assert result.matched
    assert result.score >= verifier.threshold


def test_match_survives_dimmer_light_and_recompression(verifier, portrait) -> None:
    frame, _ = portrait
    assert verifier.verify(ZHANG_WEI, jpeg(synthetic.exposed(frame, 0.7))).matched


def test_a_clearly_different_face_image_does_not_match(verifier, portrait) -> None:
    # The mirrored portrait: its parting, smile and lighting fall on the other side, which
    # this appearance comparator must see as a different face (it cannot judge identity).
    frame, _ = portrait
    result = verifier.verify(ZHANG_WEI, jpeg(cv2.flip(frame, 1)))
    assert not result.matched
    assert result.score < verifier.threshold


def test_demo_person_without_photo_gets_no_match(verifier, captured) -> None:
    assert verifier.verify(LI_XIUYING, captured) == FaceMatch(False, 0.0)


def test_unknown_person_is_record_not_found(verifier, captured) -> None:
    with pytest.raises(RecordNotFound):
        verifier.verify("110101199003074477", captured)


def test_invalid_id_number_is_invalid_input(verifier, captured) -> None:
    with pytest.raises(InvalidInput) as info:
        verifier.verify("410402198805201239", captured)  # wrong check digit
    assert info.value.message_zh == "身份证号码无效。"


def test_no_face_in_image_is_a_typed_error(verifier, no_face) -> None:
    with pytest.raises(NoFaceInImage):
        verifier.verify(ZHANG_WEI, jpeg(no_face))
    with pytest.raises(NoFaceInImage):
        verifier.verify(ZHANG_WEI, b"not a jpeg")


def test_switched_off_demo_is_unavailable(detector, captured) -> None:
    local = DemoFaceVerifier.with_demo_enrolment(detector.locate_one)
    local.set_available(False)
    with pytest.raises(BackendUnavailable) as info:
        local.verify(ZHANG_WEI, captured)
    assert info.value.retryable


def http_against(verifier: DemoFaceVerifier) -> HttpFaceVerifier:
    client = httpx.Client(transport=verifier.transport())
    return HttpFaceVerifier("https://face.example.gov.cn/", client=client)


def test_http_adapter_talks_to_the_demo_service(verifier, captured, portrait) -> None:
    http = http_against(verifier)
    assert http.verify(ZHANG_WEI, captured).matched
    assert not http.verify(ZHANG_WEI, jpeg(cv2.flip(portrait[0], 1))).matched
    assert http.verify(LI_XIUYING, captured) == FaceMatch(False, 0.0)
    with pytest.raises(RecordNotFound):
        http.verify("110101199003074477", captured)


def test_http_adapter_sends_the_documented_request(captured) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"matched": True, "score": 0.91})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    http = HttpFaceVerifier("https://face.example.gov.cn", client=client, terminal_id="T-1")
    assert http.verify(ZHANG_WEI, captured) == FaceMatch(True, 0.91)
    request = seen[0]
    assert request.url == "https://face.example.gov.cn/v1/face/verify"
    assert request.headers["X-Terminal-Id"] == "T-1"
    body = json.loads(request.content)
    assert body["id_number"] == ZHANG_WEI
    assert base64.b64decode(body["image_jpeg_base64"]) == captured


@pytest.mark.parametrize(
    ("status", "payload", "error"),
    [
        (503, {}, BackendUnavailable),
        (403, {}, QueryRefused),
        (404, {}, RecordNotFound),
        (422, {}, NoFaceInImage),
        (200, {"matched": "yes", "score": 0.5}, BadBackendResponse),
        (200, {"score": 0.5}, BadBackendResponse),
        (302, {}, BadBackendResponse),
    ],
)
def test_http_status_maps_to_typed_errors(status, payload, error, captured) -> None:
    client = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(status, json=payload))
    )
    with pytest.raises(error):
        HttpFaceVerifier("https://face.example.gov.cn", client=client).verify(ZHANG_WEI, captured)


def test_http_timeout_and_connection_failure(captured) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    for handler, error in ((slow, BackendTimeout), (down, BackendUnavailable)):
        client = httpx.Client(transport=httpx.MockTransport(handler))
        with pytest.raises(error) as info:
            HttpFaceVerifier("https://x.example", client=client).verify(ZHANG_WEI, captured)
        assert ZHANG_WEI not in str(info.value)


def test_http_adapter_refuses_an_invalid_number_before_sending(captured) -> None:
    sent: list[httpx.Request] = []
    client = httpx.Client(
        transport=httpx.MockTransport(lambda r: sent.append(r) or httpx.Response(200))
    )
    with pytest.raises(InvalidInput):
        HttpFaceVerifier("https://x.example", client=client).verify("123", captured)
    assert sent == []
