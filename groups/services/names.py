"""A group's names: the display name free in its organization, its slug, guardian's key."""

from django.core.exceptions import ValidationError
from django.utils.text import slugify

from ..models import NAME_MAX_LENGTH, Group, groups_named


def clean_slug(organization, value, *, exclude_pk=None) -> str:
    slug = slugify(str(value or "").strip(), allow_unicode=True)
    if not slug or slug != str(value).strip():
        raise ValidationError(
            {"slug": "Use only letters, numbers, hyphens and underscores, in lower case."}
        )
    if len(slug) > NAME_MAX_LENGTH:
        raise ValidationError({"slug": f"Slug can be at most {NAME_MAX_LENGTH} characters."})
    taken = Group.objects.filter(organization=organization, slug=slug).exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"slug": f"The slug “{slug}” is already used in {organization}."})
    return slug


def generate_slug(organization, name: str) -> str:
    base = slugify(name, allow_unicode=True)[: NAME_MAX_LENGTH - 6] or "group"
    taken = set(
        Group.objects.filter(organization=organization, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def check_name_free(organization, name: str, *, exclude_pk=None) -> None:
    if groups_named(organization, name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"display_name": f"A group named “{name}” already exists."})


def auth_name(organization, slug: str) -> str:
    return f"{organization.pk}:{slug}"
