"""Face verification: the captured face against the card holder's reference photo."""

from services_catalog.face_verify.base import FaceMatch, FaceVerifier, NoFaceInImage
from services_catalog.face_verify.demo import DemoFaceVerifier
from services_catalog.face_verify.http import HttpFaceVerifier

__all__ = ["DemoFaceVerifier", "FaceMatch", "FaceVerifier", "HttpFaceVerifier", "NoFaceInImage"]
