"""Downloads: bytes sent as an attachment, under a name in any script.

``attachment`` hands the name to Flask's ``send_file``, which writes
``Content-Disposition`` as RFC 6266 has it: the name itself when it is ASCII,
else an ASCII fallback (``filename=``) and the name in UTF-8
(``filename*=UTF-8''…``, percent-encoded). Written by hand as
``filename="…"``, a name in Cyrillic, CJK or emoji made a header that is not
Latin-1, which no WSGI server can send: the development server sent nothing and
left the browser waiting on the open connection.
"""

from __future__ import annotations

import io

from flask import Response, send_file

__all__ = ["attachment"]


def attachment(
    data: bytes,
    name: str,
    media_type: str,
    *,
    cache: str = "private, no-store",
    sandbox: bool = True,
) -> Response:
    """``data`` as a download called ``name``.

    Args:
        data: the file's bytes.
        name: the file name the browser saves it as (any script).
        media_type: its ``Content-Type``.
        cache: the ``Cache-Control`` header (evidence is private by default).
        sandbox: send ``Content-Security-Policy: sandbox``, so that a file opened
            in the browser (an SVG, an HTML page a learner uploaded) runs nothing.
    """
    response = send_file(
        io.BytesIO(data),
        mimetype=media_type,
        as_attachment=True,
        download_name=name or "file",
        conditional=False,
        etag=False,
    )
    response.headers["Cache-Control"] = cache
    if sandbox:
        response.headers["Content-Security-Policy"] = "sandbox"
    return response
