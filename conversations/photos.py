"""Photos a salesperson uploads to text a customer: checked (JPEG, PNG or GIF, at most
MAX_PHOTO_BYTES), kept in the database, and served at `/m/<token>` where the provider fetches them.

Twilio fetches MMS media by URL without logging in, so `/m/<token>` needs no login: the 192-bit
random token is the only key, like a shared-link service's. The page of a lead never lists
another dealership's photos, and a wrong token is a plain 404.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse

from accounts.models import User
from conversations.models import Photo
from dealerships.models import Dealership

# Twilio takes at most 5 MB of media per message; one photo may use all of it.
MAX_PHOTO_BYTES = 5 * 1024 * 1024
# Twilio takes at most 10 media per message.
MAX_PHOTOS = 10
# What each kind of image begins with: the file itself is read, never the name or the browser's word.
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


class PhotoRefused(ValueError):
    """An upload that is not a photo Forecourt can text, in words."""


def kind_of(content: bytes) -> str | None:
    """The image type `content` is (from its first bytes), or None when it is no JPEG, PNG or GIF."""
    return next((kind for start, kind in SIGNATURES if content.startswith(start)), None)


def read_upload(upload: UploadedFile) -> tuple[bytes, str]:
    """The upload's bytes and image type; PhotoRefused when it is too big or not a photo."""
    name = upload.name or "The file"
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise PhotoRefused(f"{name} is too big to text: photos up to {MAX_PHOTO_BYTES // (1024 * 1024)} MB.")
    content = upload.read(MAX_PHOTO_BYTES + 1)
    if len(content) > MAX_PHOTO_BYTES:
        raise PhotoRefused(f"{name} is too big to text: photos up to {MAX_PHOTO_BYTES // (1024 * 1024)} MB.")
    if not content:
        raise PhotoRefused(f"{name} is empty.")
    kind = kind_of(content)
    if kind is None:
        raise PhotoRefused(f"{name} is not a photo Forecourt can text: send a JPEG, PNG or GIF.")
    return content, kind


def store_photo(*, dealership: Dealership, content: bytes, content_type: str, name: str, actor: User) -> Photo:
    """Keep a checked photo for `dealership` under a new unguessable token."""
    return Photo.objects.create(
        dealership=dealership,
        content=content,
        content_type=content_type,
        size=len(content),
        name=name[:200],
        uploaded_by=actor,
    )


def photo_path(photo: Photo) -> str:
    return reverse("photo", args=[photo.token])


def photo_url(photo: Photo) -> str:
    """The absolute address the provider fetches the photo from."""
    return f"{settings.BASE_URL}{photo_path(photo)}"


def shown_at(url: str) -> str:
    """Where the page shows a photo: our own photos by path (the page may be served under another
    host name than FORECOURT_BASE_URL), everything else where it is."""
    own = f"{settings.BASE_URL}/m/"
    return url[len(settings.BASE_URL) :] if url.startswith(own) else url
