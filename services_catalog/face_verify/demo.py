"""The demo face verifier: enrolled faces of the demo persons, compared in process.

It answers match / no match / unavailable like the real service, and can also serve the real
service's HTTP wire format through an httpx transport (`transport()`), so the HTTP adapter is
exercised for real in the demo and in tests.

The demo ships one public-domain portrait (`demo_faces/astronaut.png`, NASA) enrolled for
张伟 (410402198805201238). The other demo persons have no photo on file here, so every face
is "someone else" for them: a no-match answer. Comparison is `compare.similarity`, whose limits
its docstring states: it recognises the same photo again, not a person.

Landmarks come from a `locator` the composition root passes in (the camera's YuNet
`FaceDetector.locate_one`), so this package does not import the device layer.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import cv2
import httpx
import numpy as np

from services_catalog.errors import (
    AdapterError,
    BackendUnavailable,
    InvalidInput,
    RecordNotFound,
)
from services_catalog.face_verify.base import FaceMatch, NoFaceInImage, checked_id_number
from services_catalog.face_verify.compare import align, describe, similarity
from services_catalog.face_verify.http import VERIFY_PATH

Locator = Callable[[np.ndarray], Sequence[tuple[float, float]] | None]
Descriptor = tuple[np.ndarray, np.ndarray]

DEMO_FACES_DIR = Path(__file__).resolve().parent / "demo_faces"
DEMO_ENROLMENT: dict[str, str] = {"410402198805201238": "astronaut.png"}
DEFAULT_THRESHOLD = 0.8


class DemoFaceVerifier:
    def __init__(
        self,
        locator: Locator,
        enrolled: Mapping[str, np.ndarray] | None = None,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        no_photo_ids: Sequence[str] = (),
    ) -> None:
        """`enrolled` maps ID numbers to BGR images; `no_photo_ids` are known persons without
        a photo (answer: no match). Anyone else gets RecordNotFound, as from the real service."""
        self._locator = locator
        self.threshold = threshold
        self._templates: dict[str, Descriptor] = {}
        self._no_photo = {checked_id_number(n) for n in no_photo_ids}
        self._lock = threading.Lock()
        self._available = True
        for number, image in (enrolled or {}).items():
            self.enrol(number, image)

    @classmethod
    def with_demo_enrolment(cls, locator: Locator, **kwargs: object) -> DemoFaceVerifier:
        images = {}
        for number, name in DEMO_ENROLMENT.items():
            image = cv2.imread(str(DEMO_FACES_DIR / name), cv2.IMREAD_COLOR)
            if image is None:
                raise FileNotFoundError(DEMO_FACES_DIR / name)
            images[number] = image
        others = ("410403195608120028", "410425197311034513", "11010519491231002X")
        return cls(locator, images, no_photo_ids=others, **kwargs)  # type: ignore[arg-type]

    def enrol(self, id_number: str, image: np.ndarray) -> None:
        number = checked_id_number(id_number)
        template = self._describe(image)
        with self._lock:
            self._templates[number] = template

    def set_available(self, available: bool) -> None:
        """The demo's switch to show the 'service unavailable' screen."""
        self._available = available

    def verify(self, id_number: str, face_jpeg: bytes) -> FaceMatch:
        number = checked_id_number(id_number)
        if not self._available:
            raise BackendUnavailable("demo face verifier switched off")
        image = cv2.imdecode(np.frombuffer(face_jpeg, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise NoFaceInImage("not a decodable image")
        probe = self._describe(image)
        with self._lock:
            template = self._templates.get(number)
        if template is None:
            if number in self._no_photo:
                return FaceMatch(False, 0.0)
            raise RecordNotFound("no reference photo")
        score = similarity(template, probe)
        return FaceMatch(score >= self.threshold, round(score, 4))

    def _describe(self, image: np.ndarray) -> Descriptor:
        landmarks = self._locator(image)
        if landmarks is None:
            raise NoFaceInImage("no face found")
        return describe(align(image, landmarks))

    def close(self) -> None:
        with self._lock:
            self._templates.clear()

    # -- the real service's wire format, in process ------------------------------------------

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST" or request.url.path != VERIFY_PATH:
            return httpx.Response(404, json={"error": "not found"})
        try:
            body = json.loads(request.content)
            jpeg = base64.b64decode(body["image_jpeg_base64"], validate=True)
            match = self.verify(str(body["id_number"]), jpeg)
        except (ValueError, KeyError, TypeError, InvalidInput):
            return httpx.Response(400, json={"error": "bad request"})
        except NoFaceInImage:
            return httpx.Response(422, json={"error": "no face"})
        except RecordNotFound:
            return httpx.Response(404, json={"error": "no reference photo"})
        except BackendUnavailable:
            return httpx.Response(503, json={"error": "unavailable"})
        except AdapterError:
            return httpx.Response(500, json={"error": "failed"})
        return httpx.Response(200, json={"matched": match.matched, "score": match.score})

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)
