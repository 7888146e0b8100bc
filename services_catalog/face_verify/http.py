"""HTTP client for a face-verification service (on a real terminal: the public-security one).

Wire format (JSON over HTTPS), kept deliberately small so a site can put a gateway in front:

    POST {base_url}/v1/face/verify
    {"id_number": "410402198805201238", "image_jpeg_base64": "..."}
    200 {"matched": true, "score": 0.93}
    404 no reference photo for that number   -> RecordNotFound
    403 this terminal may not ask            -> QueryRefused
    422 no face in the image                 -> NoFaceInImage
    5xx / connection failure                 -> BackendUnavailable (BackendTimeout on timeout)

The client is injected (httpx's own pattern), so tests and the demo swap the network for a
transport; nothing of the request is logged but the masked ID number.
"""

from __future__ import annotations

import base64
import logging

import httpx

from services_catalog.errors import (
    BackendTimeout,
    BackendUnavailable,
    BadBackendResponse,
    QueryRefused,
    RecordNotFound,
)
from services_catalog.face_verify.base import FaceMatch, NoFaceInImage, checked_id_number
from services_catalog.model import mask_id_number

log = logging.getLogger(__name__)

VERIFY_PATH = "/v1/face/verify"


class HttpFaceVerifier:
    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 8.0,
        client: httpx.Client | None = None,
        terminal_id: str = "",
    ) -> None:
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=timeout_s)
        self._url = base_url.rstrip("/") + VERIFY_PATH
        self._timeout_s = timeout_s
        self._headers = {"X-Terminal-Id": terminal_id} if terminal_id else {}

    def verify(self, id_number: str, face_jpeg: bytes) -> FaceMatch:
        number = checked_id_number(id_number)
        if not face_jpeg:
            raise NoFaceInImage("empty image")
        body = {
            "id_number": number,
            "image_jpeg_base64": base64.b64encode(face_jpeg).decode("ascii"),
        }
        try:
            response = self._client.post(
                self._url, json=body, headers=self._headers, timeout=self._timeout_s
            )
        except httpx.TimeoutException:
            raise BackendTimeout("face verification timed out") from None
        except httpx.HTTPError as exc:
            kind = type(exc).__name__
            raise BackendUnavailable(f"face verification unreachable: {kind}") from None
        status = response.status_code
        log.info("face verification for %s: HTTP %d", mask_id_number(number), status)
        if status == 404:
            raise RecordNotFound("no reference photo")
        if status in (401, 403):
            raise QueryRefused(f"face verification refused: HTTP {status}")
        if status == 422:
            raise NoFaceInImage("service found no face")
        if status >= 500 or status == 429:
            raise BackendUnavailable(f"face verification: HTTP {status}")
        if status != 200:
            raise BadBackendResponse(f"face verification: unexpected HTTP {status}")
        try:
            data = response.json()
            matched, score = data["matched"], float(data["score"])
        except (ValueError, KeyError, TypeError):
            raise BadBackendResponse("face verification: unreadable answer") from None
        if not isinstance(matched, bool) or not 0.0 <= score <= 1.0:
            raise BadBackendResponse("face verification: answer out of range")
        return FaceMatch(matched, score)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()
