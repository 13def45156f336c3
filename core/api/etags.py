"""Strong ETags on the API's cacheable reads, and 304 Not Modified for a client that already holds the body."""

import hashlib

from django.http import HttpResponseNotModified
from django.utils.http import parse_etags

# A 304 repeats the 200's headers (Cache-Control, ETag, Vary, the rate limit's...) but those describing its body
# (RFC 9110 §15.4.5); Content-Location is one it keeps.
BODY_HEADERS = ("content-type", "content-length", "content-encoding", "content-language", "content-disposition")


def body_etag(content: bytes) -> str:
    """A strong ETag: the SHA-256 of the exact body bytes."""
    return f'"{hashlib.sha256(content).hexdigest()}"'


def if_none_match_names(header: str, etag: str) -> bool:
    """Whether an If-None-Match value names `etag` (weak comparison, as RFC 9110 asks for this header)."""
    tags = parse_etags(header)
    return "*" in tags or etag in (tag.removeprefix("W/") for tag in tags)


def etag_or_not_modified(request, response):
    """The rendered `response` with its ETag, or a bodiless 304 keeping its other headers when the
    request's If-None-Match names that ETag.

    Only If-None-Match is honoured: If-Match and the date preconditions would turn a read into a 412
    outside the API's error shape, and the reads have no Last-Modified.
    """
    response.render()
    etag = body_etag(response.content)
    response["ETag"] = etag
    if not if_none_match_names(request.headers.get("If-None-Match", ""), etag):
        return response
    not_modified = HttpResponseNotModified()
    for header, value in response.items():
        if header.lower() not in BODY_HEADERS:
            not_modified[header] = value
    not_modified.cookies = response.cookies
    return not_modified
