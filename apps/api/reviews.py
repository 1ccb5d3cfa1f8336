"""The annual reviews and their agendas: the evidence frozen when each opened, and what the
meeting decided."""

from django.db.models import Prefetch
from ninja import Router
from ninja.pagination import paginate

from apps.accounts.models import User
from apps.api import schemas
from apps.api.auth import reads
from apps.api.errors import READ_ERRORS, not_found
from apps.api.pagination import Page
from apps.reviews.models import Review, ReviewItem

router = Router(tags=["reviews"], auth=reads())


def reviews():
    attendees = Prefetch("attendees", queryset=User.objects.order_by("email"))
    return Review.objects.select_related("team").prefetch_related(attendees).order_by("-year", "team__name")


@router.get("/reviews/", response={200: list[schemas.Review], **READ_ERRORS}, url_name="review-list")
@paginate(Page)
def review_list(request):
    """The reviews, latest year first."""
    return reviews()


@router.get("/reviews/{int:pk}/", response={200: schemas.Review, **READ_ERRORS}, url_name="review-detail")
def review_read(request, pk: int):
    review = reviews().filter(pk=pk).first()
    if review is None:
        raise not_found("review", ["path", "pk"])
    return review


@router.get("/reviews/{int:pk}/items/", response={200: list[schemas.ReviewItem], **READ_ERRORS},
            url_name="review-items")
@paginate(Page)
def review_items(request, pk: int):
    """The review's agenda, riskiest first: each tool's evidence and the decision taken."""
    if not Review.objects.filter(pk=pk).exists():
        raise not_found("review", ["path", "pk"])
    return ReviewItem.objects.filter(review_id=pk).select_related("action_owner").order_by("position", "pk")
