"""Page pagination, once: the `page` parameter, the page or a "no such page" error, and the pager's links
(templates/company/pagination.html, given `page` and `query`)."""

from django import forms
from django.core.paginator import EmptyPage, Paginator
from django.utils.translation import gettext_lazy as _

from dashboards.fields import WholeNumberField
from dashboards.messages import form_problems

PER_PAGE = 25
NO_SUCH_PAGE = _("There is no such page.")


class PageForm(forms.Form):
    page = WholeNumberField(required=False, min_value=1, max_digits=9)


def paginate(request, items, *, per_page: int = PER_PAGE) -> dict:
    """{"page": the requested page or None, "page_error": "" or why there is no such page}."""
    form = PageForm(request.GET)
    if not form.is_valid():
        return {"page": None, "page_error": NO_SUCH_PAGE}
    try:
        return {"page": Paginator(items, per_page).page(form.cleaned_data["page"] or 1), "page_error": ""}
    except EmptyPage:
        return {"page": None, "page_error": NO_SUCH_PAGE}


def filtered_page(request, form, items, *, per_page: int = PER_PAGE) -> tuple[dict, int]:
    """A filtered list page's context and status: the filter form, its problems (400, no list), the page
    of `items(**cleaned filters)` (400 for no such page) and the query string its links carry."""
    context = {"form": form, "problems": [], "page": None, "page_error": ""}
    if form.is_valid():
        context |= paginate(request, items(**form.cleaned_data), per_page=per_page)
    else:
        context["problems"] = form_problems(form)
    context["query"] = form.query()
    return context, 400 if context["problems"] or context["page_error"] else 200
