from rest_framework import exceptions
from rest_framework.pagination import PageNumberPagination

from core.api.params import whole_number


class StrictPageNumberPagination(PageNumberPagination):
    """Pages of 25 (`page_size` up to 200); a page that is not a positive number, or past the end, is a 400 naming `page`."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200

    def page_params(self, request) -> tuple[int, int]:
        """The requested (page, page_size), validated: a 400 naming the parameter otherwise."""
        page = whole_number(request.query_params.get(self.page_query_param, "1"))
        if page is None or page < 1:
            raise exceptions.ValidationError({"page": ["Must be a positive whole number."]})
        raw_size = request.query_params.get(self.page_size_query_param)
        size = whole_number(raw_size)
        if raw_size is not None and (size is None or not 1 <= size <= self.max_page_size):
            raise exceptions.ValidationError({"page_size": [f"Must be between 1 and {self.max_page_size}."]})
        return page, self.page_size if size is None else size

    def paginate_queryset(self, queryset, request, view=None):
        self.page_params(request)
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound:
            raise exceptions.ValidationError({"page": ["There is no such page."]}) from None

    def get_paginated_response_schema(self, schema):
        """The one page shape, in OpenAPI 3.1 terms (`null` is a type; 3.0's `nullable` means nothing there)."""
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "next": {**link, "example": "https://example.test/api/...?page=4"},
                "previous": {**link, "example": "https://example.test/api/...?page=2"},
                "results": schema,
            },
        }
