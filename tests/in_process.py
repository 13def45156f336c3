"""Django's real WSGI application, called in this process by HTTP clients under test (Schemathesis, the
generated client), inside the test's transaction."""

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


class InProcessApplication(WSGIHandler):
    """Django's WSGI application as a server runs it, except that the database connection stays open
    (as Django's test client keeps it): the requests run inside the test's transaction.

    Werkzeug's test client (Schemathesis' WSGI transport) keeps cookies for `localhost` only, so the
    session cookie travels as `X-Test-Cookie` and becomes the request's `Cookie` here."""

    def __call__(self, environ, start_response):
        if "HTTP_X_TEST_COOKIE" in environ:
            environ["HTTP_COOKIE"] = environ.pop("HTTP_X_TEST_COOKIE")
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = super().__call__(environ, start_response)
            body = b"".join(response)
            response.close()
            return [body]
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
